/**
 * Gathers what cleanup decides on: the manifest, git's worktree records, branch tips, merge
 * state, uncommitted work and stray files. Only reads: status runs with --no-optional-locks.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { worktreeLockPath } from '../git/worktrees.js';
import { mergeLockPath } from '../store/merge-lock.js';
import { ownerIsDead, readLockOwner } from '../lib/lock.js';
import { liveness, pidIsAlive } from '../lib/process.js';
import { ManifestInvalidError, readManifest } from '../store/manifest-store.js';
import type { Manifest, SessionEntry } from '../core/manifest-types.js';
import { isWithin, toStoredPath } from '../core/paths.js';
import { worktreePathOf, type Project } from '../store/project.js';
import { SESSION_LOG_DIR } from '../core/session-log.js';
import { sessionNameProblem } from '../core/names.js';
import { formatStatusEntry, isUntracked, sessionWork } from '../core/status-porcelain.js';
import { shortBranch, type WorktreeRecord } from '../core/worktree-list.js';
import type { CleanupFacts, EntryFacts, StrayFileFacts, UnregisteredFacts } from '../core/cleanup-plan.js';
import { isoSeconds } from '../core/cleanup-plan.js';
import type { OrphanFacts } from '../core/orphans.js';
import { branchTips, isAncestor, mergeBase } from '../git/branches.js';
import { readStatus } from '../git/changes.js';
import { ENV_SESSION_FILE } from '../workspace/env-session.js';

/** Runs `work` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(runners);
  return results;
}

/** Temp and aside files of the manifest and lock writers: `<name>.<pid>.<nonce>.tmp|stale`. */
const STRAY = /^\..+\.(\d+)\.[0-9a-f]+\.(?:tmp|stale)$/;

/**
 * Files a killed process left behind: temp files named after their pid, and lock files
 * whose recorded owner is gone. `extraLocks` are lock files outside the sessions folder.
 */
export function strayFiles(sessionsDir: string, extraLocks: string[] = []): StrayFileFacts[] {
  let names: string[];
  try {
    names = readdirSync(sessionsDir);
  } catch {
    names = [];
  }
  const temps = names.flatMap((name) => {
    const match = STRAY.exec(name);
    if (!match) return [];
    const pid = Number(match[1]);
    return [{ name, pid, ownerAlive: pid === process.pid || pidIsAlive(pid) }];
  });
  const locks = [...names.filter((name) => name.endsWith('.lock')), ...extraLocks].flatMap((name) => {
    const owner = readLockOwner(resolve(sessionsDir, name));
    if (!owner) return [];
    return [{ name, pid: owner.pid, ownerAlive: owner.pid === process.pid || !ownerIsDead(owner) }];
  });
  return [...temps, ...locks];
}

/** When `git worktree add` made the worktree: its .git file is written then and not rewritten. */
export function worktreeCreatedAt(path: string): Date | null {
  try {
    return statSync(join(path, '.git')).mtime;
  } catch {
    return null;
  }
}

/** The newest `docs/session_logs/*_<id>[_N]_session.md` in the worktree, relative to it. */
export function findSessionLog(worktree: string, id: string): string | null {
  let names: string[];
  try {
    names = readdirSync(join(worktree, SESSION_LOG_DIR));
  } catch {
    return null;
  }
  const pattern = new RegExp(`_${id}(?:_\\d+)?_session\\.md$`);
  const found = names.filter((name) => pattern.test(name)).sort();
  return found.length > 0 ? `${SESSION_LOG_DIR}/${found[found.length - 1]}` : null;
}

function isDirectlyInside(folder: string, path: string): boolean {
  return dirname(path) === folder;
}

export function gatherOrphanFacts(project: Project, manifest: Manifest, now: Date): OrphanFacts {
  return {
    mainCheckout: project.mainCheckout,
    sessionsDir: project.sessionsDir,
    manifest,
    worktreeOf: (entry) => worktreePathOf(project, entry),
    worktrees: project.worktrees,
    folderExists: existsSync,
    liveness,
    createdAt: worktreeCreatedAt,
    now,
  };
}

interface Gathered {
  facts: CleanupFacts;
  /** Null when the manifest is corrupt. */
  manifest: Manifest | null;
}

export async function gatherCleanupFacts(project: Project, now: Date): Promise<Gathered> {
  const main = project.mainCheckout;
  let manifest: Manifest | null = null;
  let corruptManifest: CleanupFacts['corruptManifest'] = null;
  try {
    manifest = readManifest(project.manifestPath, project.name);
  } catch (error) {
    if (!(error instanceof ManifestInvalidError)) throw error;
    corruptManifest = { problem: String(error.details.problem) };
  }
  const limit = Math.max(2, availableParallelism());
  const tips = await branchTips(main);
  const tipOf = (branch: string) => tips.get(branch) ?? null;
  const byPath = new Map(project.worktrees.slice(1).map((record) => [record.path, record]));
  const host = hostname();

  const sessions = manifest?.sessions ?? [];
  const entries = await mapLimit(sessions, limit, (entry) => entryFacts(project, entry, byPath, tipOf, host));

  const registeredPaths = new Set(entries.map((facts) => facts.worktreePath));
  const registeredIds = new Set(sessions.map((entry) => entry.id));
  const mainBranch = project.config.baseBranch ?? shortBranch(project.worktrees[0]!.branch);
  const candidates = project.worktrees.slice(1).filter((record) => !registeredPaths.has(record.path) && isDirectlyInside(project.sessionsDir, record.path));
  const unregistered = await mapLimit(candidates, limit, (record) => unregisteredFacts(project, record, mainBranch, registeredIds, tipOf, now));

  const prunable = project.worktrees.filter((record) => record.prunable && !record.locked).map((record) => ({ path: record.path, reason: record.prunableReason }));
  const foreignLockedMissing = project.worktrees
    .slice(1)
    .filter((record) => record.locked && !isWithin(project.sessionsDir, record.path) && !existsSync(record.path))
    .map((record) => record.path);

  return {
    manifest,
    facts: {
      mainCheckout: main,
      sessionsDir: project.sessionsDir,
      manifestPath: project.manifestPath,
      corruptManifest,
      entries,
      unregistered,
      prunable,
      foreignLockedMissing,
      strays: strayFiles(project.sessionsDir, [await worktreeLockPath(project.mainCheckout), await mergeLockPath(project.mainCheckout)]),
      now,
    },
  };
}

async function workIn(worktree: string, packFiles: readonly string[]): Promise<{ work: string[]; untracked: string[] } | null> {
  try {
    const status = await readStatus(worktree);
    const work = sessionWork(status, packFiles);
    return { work: work.map(formatStatusEntry), untracked: work.filter(isUntracked).map((entry) => entry.path) };
  } catch {
    return null;
  }
}

async function entryFacts(
  project: Project,
  entry: SessionEntry,
  byPath: Map<string, WorktreeRecord>,
  tipOf: (branch: string) => string | null,
  host: string,
): Promise<EntryFacts> {
  const worktreePath = worktreePathOf(project, entry);
  const record = byPath.get(worktreePath) ?? null;
  const folderExists = existsSync(worktreePath);
  const branchTip = tipOf(entry.branch);
  const baseTip = tipOf(entry.base.branch);
  // Only what can change the plan is asked: a live session with no commits of its own needs no git call.
  const live = entry.status === 'active' && folderExists && record !== null;
  const merged = branchTip && baseTip && !(live && branchTip === entry.base.commit) ? await isAncestor(project.mainCheckout, branchTip, baseTip) : null;
  const status = folderExists && record && (!live || merged) ? await workIn(worktreePath, entry.packFiles ?? []) : null;
  const foundSessionLog = folderExists && !entry.sessionLog ? findSessionLog(worktreePath, entry.id) : null;
  // An interrupted start may have written the log stub; that file is start's own, not work.
  const stub = entry.sessionLog ?? foundSessionLog;
  const startLeftovers = entry.status === 'starting' && status && stub && status.untracked.includes(stub) ? [stub] : [];
  const work = status ? status.work.filter((line) => !startLeftovers.some((path) => line === `?? ${path}`)) : null;
  const state = liveness(entry.owner, host);
  const ownerAlive = entry.status === 'active' ? true : state === 'unknown' ? null : state === 'alive';
  return {
    entry,
    worktreePath,
    folderExists,
    gitRecord: record ? { locked: record.locked, prunable: record.prunable, branch: shortBranch(record.branch) } : null,
    branchTip,
    baseTip,
    merged,
    work,
    startLeftovers,
    ownerAlive,
    foundSessionLog,
  };
}

async function unregisteredFacts(
  project: Project,
  record: WorktreeRecord,
  mainBranch: string | null,
  registeredIds: Set<string>,
  tipOf: (branch: string) => string | null,
  now: Date,
): Promise<UnregisteredFacts> {
  const dirName = basename(record.path);
  const branch = shortBranch(record.branch);
  const folderExists = existsSync(record.path);
  const looksLikeSession = sessionNameProblem(dirName) === null && branch === `${project.config.branchPrefix}${dirName}`;
  const baseTip = mainBranch ? tipOf(mainBranch) : null;
  const usable = folderExists && looksLikeSession && record.head !== null;
  const [base, merged, status] = usable
    ? await Promise.all([
        baseTip ? mergeBase(project.mainCheckout, record.head!, baseTip) : Promise.resolve(null),
        baseTip ? isAncestor(project.mainCheckout, record.head!, baseTip) : Promise.resolve(null),
        workIn(record.path, []),
      ])
    : [null, null, null];
  const created = worktreeCreatedAt(record.path);
  return {
    path: record.path,
    storedPath: toStoredPath(project.mainCheckout, record.path),
    dirName,
    branch,
    head: record.head,
    folderExists,
    locked: record.locked,
    prunable: record.prunable,
    looksLikeSession,
    idTaken: registeredIds.has(dirName),
    baseBranch: mainBranch,
    baseTip,
    mergeBase: base,
    merged,
    work: status ? status.work : null,
    createdAt: isoSeconds(created ?? now),
    sessionLog: folderExists ? findSessionLog(record.path, dirName) : null,
    envSession: folderExists ? readIfFile(join(record.path, ENV_SESSION_FILE)) : null,
  };
}

function readIfFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
