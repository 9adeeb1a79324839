/**
 * Gathers what cleanup decides on: the manifest, git's worktree records, branch tips, merge
 * state, uncommitted work and stray files. Only reads: status runs with --no-optional-locks.
 */
import { existsSync, lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { strandedAdds, worktreeLockPath } from '../../git/worktrees.js';
import { mergeLockPath, type LandPurpose } from '../../store/merge-lock.js';
import { ownerIsDead, readLockOwner } from '../../lib/lock.js';
import { limiter } from '../../lib/limit.js';
import { liveness, pidIsAlive } from '../../lib/process.js';
import { ManifestInvalidError, readManifest } from '../../store/manifest-store.js';
import type { Manifest, SessionEntry } from '../../core/manifest-types.js';
import { checkWorktreePid, isDirectlyInside, isWithin, toStoredPath } from '../../core/paths.js';
import { ownFilesOf, worktreePathOf, type Project } from '../../store/project.js';
import { SESSION_LOG_DIR } from '../../core/session-log.js';
import { sessionNameProblem } from '../../core/names.js';
import { formatStatusEntry, isUntracked, sessionWork } from '../../core/status-porcelain.js';
import { shortBranch, unfinishedAddOn, type WorktreeRecord } from '../../core/worktree-list.js';
import type { CleanupFacts, EntryFacts, StrayFileFacts, UnregisteredFacts } from '../../core/cleanup-plan.js';
import { isoSeconds } from '../../core/format.js';
import type { OrphanFacts } from '../../core/orphans.js';
import { isAncestor, mergeBase } from '../../git/branches.js';
import { readRefs } from '../../git/refs.js';
import { findLeftovers } from '../../core/leftovers.js';
import { gatherLeftoverFacts } from './leftover-facts.js';
import { readStatus, stashEntries } from '../../git/changes.js';
import { checkoutBusySync, gitDirOf, readGitDirMarks } from '../../git/checkout-state.js';
import { ownOperationState } from '../../git/integrate.js';
import { gitLocksSince } from '../../git/stale-locks.js';
import { readFileAtCommit } from '../../git/branches.js';
import { fileDigest, readBoundedText } from '../../lib/safe-fs.js';
import { logBeforeOwnEdit } from '../../core/interrupted-edits.js';
import { startOfStash } from '../../core/start-rules.js';
import { removalMarkOf } from '../worktree-removal.js';
import { commonGitDir, isReachableFromAnyRef, resolveCommit } from '../../git/repo.js';
import { headBranchRef } from '../../git/refs.js';
import { indexMatches } from '../../git/fast-forward.js';
import { trustProblemsOf } from '../resolve-session.js';
import { ENV_SESSION_FILE } from '../../core/env-session.js';

const MAX_LOG_BYTES = 4 * 1024 * 1024;

/** Temp and aside files of the manifest and lock writers: `<name>.<pid>.<nonce>.tmp|stale`. */
const STRAY = /^\..+\.(\d+)\.[0-9a-f]+\.(?:tmp|stale)$/;
/** What follows a lock's own name in the name of its temp or aside file. */
const STRAY_BESIDE_LOCK = /^\.(\d+)\.[0-9a-f]+\.(?:tmp|stale)$/;

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
  const stray = (name: string, match: RegExpExecArray | null) => {
    if (!match) return [];
    const pid = Number(match[1]);
    return [{ name, pid, ownerAlive: pid === process.pid || pidIsAlive(pid) }];
  };
  const temps = names.flatMap((name) => stray(name, STRAY.exec(name)));
  // A lock outside the sessions folder (the merge and worktree locks in the git dir) has its temp and aside files
  // beside it: a writer killed between writing its temp file and linking it leaves one there. Named by full path.
  for (const lock of extraLocks) {
    let beside: string[];
    try {
      beside = readdirSync(dirname(lock));
    } catch {
      continue;
    }
    const base = basename(lock);
    temps.push(
      ...beside.flatMap((name) =>
        name.startsWith(base) ? stray(join(dirname(lock), name), STRAY_BESIDE_LOCK.exec(name.slice(base.length))) : [],
      ),
    );
  }
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
  const limit = limiter(Math.max(2, availableParallelism()));
  // One for-each-ref for every branch and every saved ref: the sessions' tips and the leftovers.
  const refs = await readRefs(main);
  const tips = new Map(
    refs
      .filter((row) => row.ref.startsWith('refs/heads/'))
      .map((row) => [row.ref.slice('refs/heads/'.length), row.commit]),
  );
  const tipOf = (branch: string) => tips.get(branch) ?? null;
  const byPath = new Map(project.worktrees.slice(1).map((record) => [record.path, record]));
  const host = hostname();

  const sessions = manifest?.sessions ?? [];
  const sessionsDirNames = (() => {
    try {
      return readdirSync(project.sessionsDir);
    } catch {
      return [];
    }
  })();
  const ids = new Set(sessions.map((entry) => entry.id));
  const entries = await Promise.all(
    sessions.map((entry) => limit(() => entryFacts(project, entry, byPath, tipOf, host, sessionsDirNames, ids))),
  );

  const registeredPaths = new Set(entries.map((facts) => facts.worktreePath));
  // What an entry's cut-short move or removal left is that entry's: its records are neither pruned nor taken for unregistered worktrees.
  const claimed = new Set(entries.flatMap(leftoverPathsOf));
  const registeredIds = new Set(sessions.map((entry) => entry.id));
  const mainBranch = project.config.baseBranch ?? shortBranch(project.worktrees[0]!.branch);
  // A land run's scratch worktree is not a session: it is removed as such once its run is gone.
  const isCheck = (path: string) => checkWorktreePid(project.sessionsDir, path) !== null;
  const candidates = project.worktrees
    .slice(1)
    .filter(
      (record) =>
        !registeredPaths.has(record.path) &&
        !claimed.has(record.path) &&
        isDirectlyInside(project.sessionsDir, record.path) &&
        !isCheck(record.path),
    );
  const unregistered = await Promise.all(
    candidates.map((record) => limit(() => unregisteredFacts(project, record, mainBranch, registeredIds, tipOf, now))),
  );

  // Only records of session worktrees are ever pruned, one by one, and only while a ref still
  // reaches their HEAD: a detached worktree's commits live nowhere else.
  const prunableRecords = project.worktrees.slice(1).filter((record) => record.prunable && !record.locked);
  const ours = prunableRecords.filter(
    (record) =>
      isDirectlyInside(project.sessionsDir, record.path) && !claimed.has(record.path) && !isCheck(record.path),
  );
  const reachable = await Promise.all(
    ours.map((record) =>
      limit(async () => {
        if (!record.head) return true;
        if (record.branch && tipOf(record.branch.replace(/^refs\/heads\//, '')) === record.head) return true;
        return isReachableFromAnyRef(main, record.head);
      }),
    ),
  );
  const prunable = ours
    .filter((_, i) => reachable[i])
    .map((record) => ({ path: record.path, reason: record.prunableReason }));
  const unreachablePrunable = ours
    .filter((_, i) => !reachable[i])
    .map((record) => ({ path: record.path, head: record.head! }));
  const foreignPrunable = prunableRecords
    .filter((record) => !isDirectlyInside(project.sessionsDir, record.path))
    .map((record) => ({ path: record.path, reason: record.prunableReason }));
  const foreignLockedMissing = project.worktrees
    .slice(1)
    .filter((record) => record.locked && !isWithin(project.sessionsDir, record.path) && !existsSync(record.path))
    .map((record) => record.path);

  // What a dead holder of the merge lock was doing, as the lock records it: a merge, a land or a start.
  const mergeLock = await mergeLockPath(main);
  const merge = await interruptedMerge(mergeLock);
  const land = await interruptedLand(mergeLock);
  const startStep = await interruptedStartStep(mergeLock);
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
      foreignPrunable,
      unreachablePrunable,
      interruptedMerge: merge,
      interruptedLand: land,
      interruptedStartStep: startStep,
      checkWorktrees: deadCheckWorktrees(project, sessionsDirNames),
      staleRefLocks: await staleRefLocks(main, entries, merge, land, startStep),
      unclaimedRemovals: unclaimedRemovals(project.sessionsDir, sessionsDirNames, claimed),
      remnants: remnantFolders(
        project.sessionsDir,
        sessionsDirNames,
        new Set([
          ...entries.map((facts) => facts.worktreePath),
          ...entries
            .flatMap((facts) => [facts.aside?.path, facts.hollowed?.path])
            .filter((path): path is string => Boolean(path)),
        ]),
        new Set(project.worktrees.map((record) => record.path)),
      ),
      strays: strayFiles(project.sessionsDir, [await worktreeLockPath(project.mainCheckout), mergeLock]),
      leftovers: manifest ? findLeftovers(await gatherLeftoverFacts(project, manifest, refs, now)) : null,
      now,
    },
  };
}

function leftoverPathsOf(facts: EntryFacts): string[] {
  const paths = [facts.aside?.path, facts.hollowed?.path, facts.marked, facts.relinkFrom].filter(
    (path): path is string => Boolean(path),
  );
  return paths.length > 0 ? [...paths, facts.worktreePath] : [];
}

/**
 * git's lock files in the common git dir (a branch's, packed-refs', the main checkout's HEAD's)
 * made since the earliest step of ours whose process died: those steps' killed git left them.
 * The main checkout's index.lock is the interrupted merge's to deal with.
 */
async function staleRefLocks(
  main: string,
  entries: readonly EntryFacts[],
  merge: CleanupFacts['interruptedMerge'],
  land: CleanupFacts['interruptedLand'],
  startStep: CleanupFacts['interruptedStartStep'],
): Promise<CleanupFacts['staleRefLocks']> {
  const starts = entries
    .filter((facts) => facts.entry.status !== 'active' && facts.ownerAlive === false && facts.entry.owner?.claimedAt)
    .map((facts) => Date.parse(facts.entry.owner!.claimedAt!));
  if (merge) starts.push(merge.since);
  if (land) starts.push(land.since);
  if (startStep) starts.push(startStep.since);
  const since = Math.min(...starts.filter(Number.isFinite));
  if (!Number.isFinite(since)) return [];
  const common = await commonGitDir(main);
  // The main checkout's index.lock is a dead start's only when nothing else of ours could have left it.
  const indexLockIsStarts = startStep !== null && !merge && !land;
  return gitLocksSince(common, since, { refs: true, except: indexLockIsStarts ? [] : [join(common, 'index.lock')] });
}

/**
 * A start that died holding the merge lock (it records the main checkout): what it read or changed there was its
 * status, and its stash or commit of the uncommitted changes. A stash it made may be the only place those changes
 * are now, and no one was told of it.
 */
async function interruptedStartStep(lockFile: string): Promise<CleanupFacts['interruptedStartStep']> {
  const owner = readLockOwner(lockFile);
  const purpose = owner?.purpose as { kind?: unknown; checkout?: unknown; session?: unknown } | undefined;
  if (!owner || !ownerIsDead(owner) || purpose?.kind !== 'start' || typeof purpose.checkout !== 'string') return null;
  const [stash = null] = await stashEntries(purpose.checkout, 1).catch(() => []);
  // Its own by the name: the stash's time is git's clock, which may be set (GIT_COMMITTER_DATE).
  const made = stash !== null && typeof purpose.session === 'string' && startOfStash(stash.subject) === purpose.session;
  return {
    checkout: purpose.checkout,
    since: Date.parse(owner.acquiredAt),
    stash: made ? { commit: stash.commit, session: purpose.session as string } : null,
  };
}

/** Removals marked as all saved that no entry claims, their process gone: `<folder>.saved` in the sessions folder. */
function unclaimedRemovals(
  sessionsDir: string,
  names: readonly string[],
  claimed: ReadonlySet<string>,
): CleanupFacts['unclaimedRemovals'] {
  return names
    .filter((name) => name.endsWith('.saved'))
    .map((name) => join(sessionsDir, name))
    .filter((mark) => !claimed.has(mark.slice(0, -'.saved'.length)) && !markOwnerAlive(mark))
    .map((mark) => ({
      folder: mark.slice(0, -'.saved'.length),
      folderExists: existsSync(mark.slice(0, -'.saved'.length)),
    }));
}

async function workIn(
  worktree: string,
  packFiles: readonly string[],
): Promise<{ work: string[]; untracked: string[] } | null> {
  try {
    const status = await readStatus(worktree, { hidden: true });
    const work = sessionWork(status, packFiles);
    return { work: work.map(formatStatusEntry), untracked: work.filter(isUntracked).map((entry) => entry.path) };
  } catch {
    return null;
  }
}

/** A merge the pack ran in a checkout and did not finish: the merge lock of a dead process records it. */
async function interruptedMerge(lockFile: string): Promise<CleanupFacts['interruptedMerge']> {
  const owner = readLockOwner(lockFile);
  const purpose = owner?.purpose as { kind?: unknown; checkout?: unknown; theirs?: unknown } | undefined;
  if (
    !owner ||
    !ownerIsDead(owner) ||
    purpose?.kind !== 'merge' ||
    typeof purpose.checkout !== 'string' ||
    typeof purpose.theirs !== 'string'
  )
    return null;
  const gitDir = gitDirOf(purpose.checkout);
  const marks = readGitDirMarks(gitDir);
  // An index.lock counts as the dead merge's only when it appeared after that merge began.
  const lockStat = gitDir ? statOrNull(join(gitDir, 'index.lock')) : null;
  const indexLock = lockStat !== null && lockStat.mtimeMs >= Date.parse(owner.acquiredAt) - 1_000;
  const [head, origHead] = await Promise.all([
    resolveCommit(purpose.checkout, 'HEAD'),
    resolveCommit(purpose.checkout, 'ORIG_HEAD'),
  ]);
  const theirsInHead = head !== null && (await isAncestor(purpose.checkout, purpose.theirs, head));
  return {
    checkout: purpose.checkout,
    theirs: purpose.theirs,
    lockFile: basename(lockFile),
    mergeHead: marks.mergeHead,
    indexLock,
    headIsBefore: head !== null && head === origHead,
    theirsInHead,
    since: Date.parse(owner.acquiredAt),
  };
}

/**
 * A land run whose process died holding the merge lock: what its record says the landing under
 * way did to the main checkout, and where that checkout and the base stand now.
 */
async function interruptedLand(lockFile: string): Promise<CleanupFacts['interruptedLand']> {
  const owner = readLockOwner(lockFile);
  const purpose = owner?.purpose as Partial<LandPurpose> | undefined;
  if (!owner || !ownerIsDead(owner) || purpose?.kind !== 'land' || typeof purpose.checkout !== 'string') return null;
  const checkout = purpose.checkout;
  const base = purpose.base ?? purpose.detached?.base ?? null;
  const [headRef, head, baseTip] = await Promise.all([
    headBranchRef(checkout),
    resolveCommit(checkout, 'HEAD'),
    base ? resolveCommit(checkout, `refs/heads/${base}`) : Promise.resolve(null),
  ]);
  const forwarding = purpose.mainAction === 'fast-forward' && purpose.to ? purpose.to : null;
  return {
    checkout,
    lockFile: basename(lockFile),
    since: Date.parse(owner.acquiredAt),
    base,
    from: purpose.from ?? null,
    to: purpose.to ?? null,
    mainAction: purpose.mainAction ?? null,
    detached: purpose.detached ?? null,
    headRef,
    head,
    baseTip,
    indexAtTo: forwarding && headRef === `refs/heads/${base}` ? await indexMatches(checkout, forwarding) : null,
  };
}

/** Scratch worktrees of land runs (`.land-check-<pid>`) whose run is gone: git's records and the folders. */
function deadCheckWorktrees(project: Project, names: readonly string[]): CleanupFacts['checkWorktrees'] {
  const paths = new Set(
    [
      ...project.worktrees.slice(1).map((record) => record.path),
      ...names.map((name) => join(project.sessionsDir, name)),
    ].filter((path) => checkWorktreePid(project.sessionsDir, path) !== null),
  );
  return [...paths]
    .filter((path) => {
      const pid = checkWorktreePid(project.sessionsDir, path)!;
      return pid !== process.pid && !pidIsAlive(pid);
    })
    .sort()
    .map((path) => ({
      path,
      registered: project.worktrees.some((record) => record.path === path),
      folderExists: existsSync(path),
    }));
}

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/**
 * `.<id>.<kind>-<pid>` in the sessions folder, left by an end whose process is gone: `removing` is
 * where it moved the worktree before removing it, `removed` where it moved the worktree's files
 * while it left the caller's folder in place.
 */
function endLeftover(
  sessionsDir: string,
  id: string,
  kind: 'removing' | 'removed',
  names: readonly string[],
): { path: string; hasGit: boolean } | null {
  const pattern = new RegExp(`^\\.${id}\\.${kind}-(\\d+)$`);
  for (const name of names) {
    const match = pattern.exec(name);
    if (match && !pidIsAlive(Number(match[1])))
      return { path: join(sessionsDir, name), hasGit: existsSync(join(sessionsDir, name, '.git')) };
  }
  return null;
}

/** A folder holding nothing but empty folders. */
export function onlyEmptyFolders(path: string): boolean {
  let names: string[];
  try {
    if (!statSync(path).isDirectory()) return false;
    names = readdirSync(path);
  } catch {
    return false;
  }
  return names.every((name) => {
    try {
      const full = join(path, name);
      return lstatSync(full).isDirectory() && onlyEmptyFolders(full);
    } catch {
      return false;
    }
  });
}

/** Empty folders directly in the sessions folder that no entry or worktree claims: left for a shell by an end. */
function remnantFolders(
  sessionsDir: string,
  names: readonly string[],
  claimed: ReadonlySet<string>,
  worktrees: ReadonlySet<string>,
): string[] {
  return names
    .filter((name) => !name.startsWith('.') || /\.(removing|removed)-\d+$/.test(name))
    .map((name) => join(sessionsDir, name))
    .filter((path) => !claimed.has(path) && !worktrees.has(path) && onlyEmptyFolders(path))
    .filter((path) => {
      const match = /\.(?:removing|removed)-(\d+)$/.exec(path);
      return !match || !pidIsAlive(Number(match[1]));
    });
}

/** The checkout of a new worktree never finished: git writes the index last, and holds index.lock while it works. */
function checkoutIncomplete(worktree: string): boolean {
  const gitDir = gitDirOf(worktree);
  return gitDir !== null && (!existsSync(join(gitDir, 'index')) || existsSync(join(gitDir, 'index.lock')));
}

async function entryFacts(
  project: Project,
  entry: SessionEntry,
  byPath: Map<string, WorktreeRecord>,
  tipOf: (branch: string) => string | null,
  host: string,
  sessionsDirNames: readonly string[],
  ids: ReadonlySet<string>,
): Promise<EntryFacts> {
  const worktreePath = worktreePathOf(project, entry);
  const record = byPath.get(worktreePath) ?? null;
  const folderExists = existsSync(worktreePath);
  const branchTip = tipOf(entry.branch);
  const baseTip = tipOf(entry.base.branch);
  // Only what can change the plan is asked: a live session with no commits of its own needs no git call.
  const live = entry.status === 'active' && folderExists && record !== null;
  const merged =
    branchTip && baseTip && !(live && branchTip === entry.base.commit)
      ? await isAncestor(project.mainCheckout, branchTip, baseTip)
      : null;
  const status =
    folderExists && record && (!live || merged) ? await workIn(worktreePath, ownFilesOf(entry, worktreePath)) : null;
  const foundSessionLog = folderExists && !entry.sessionLog ? findSessionLog(worktreePath, entry.id) : null;
  // An interrupted start may have written the log stub; that file is start's own, not work.
  const stub = entry.sessionLog ?? foundSessionLog;
  const startLeftovers = entry.status === 'starting' && status && stub && status.untracked.includes(stub) ? [stub] : [];
  const work = status ? status.work.filter((line) => !startLeftovers.some((path) => line === `?? ${path}`)) : null;
  const state = liveness(entry.owner, host);
  const ownerAlive = entry.status === 'active' ? true : state === 'unknown' ? null : state === 'alive';
  // What only a step of ours that died can have left is looked for only then.
  const interrupted = entry.status !== 'active' && ownerAlive === false;
  const gitDir = folderExists ? gitDirOf(worktreePath) : null;
  const claimedAt = entry.owner?.claimedAt ? Date.parse(entry.owner.claimedAt) : NaN;
  const staleLocks = interrupted && gitDir && Number.isFinite(claimedAt) ? gitLocksSince(gitDir, claimedAt) : [];
  const staleIndexLock = staleLocks.some((lock) => basename(lock.path) === 'index.lock');
  const aside = endLeftover(project.sessionsDir, entry.id, 'removing', sessionsDirNames);
  const hollowed = endLeftover(project.sessionsDir, entry.id, 'removed', sessionsDirNames);
  // An entry written before owners recorded when they took the step on was taken on when it started.
  const startTookOn = Number.isFinite(claimedAt) ? claimedAt : Date.parse(entry.startedAt);
  const stranded =
    interrupted && entry.status === 'starting' && record === null && Number.isFinite(startTookOn)
      ? await strandedAdds(project.mainCheckout, basename(worktreePath), startTookOn, ids)
      : [];
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
    trustProblems: trustProblemsOf(project, entry),
    busy: folderExists ? checkoutBusySync(worktreePath, [], { ignoreIndexLock: staleIndexLock }) : null,
    operationState:
      interrupted && folderExists && entry.operation
        ? await ownOperationState(worktreePath, entry.branch, entry.operation, (work?.length ?? 0) > 0)
        : null,
    checkoutIncomplete:
      entry.status === 'starting' && folderExists && record !== null && checkoutIncomplete(worktreePath),
    addUnfinished:
      entry.status === 'starting' && folderExists && record !== null && unfinishedAddOn(record, entry.branch),
    aside,
    hollowed,
    marked: markedRemoval(project.sessionsDir, entry.id, worktreePath, sessionsDirNames),
    relinkFrom: folderExists && record === null ? movedRecordOf(gitDir, worktreePath) : null,
    staleLocks,
    logEdit:
      interrupted && folderExists && entry.status !== 'starting'
        ? await ownLogEdit(worktreePath, entry.sessionLog, status?.work ?? [])
        : null,
    folderIsRemnant: folderExists && record === null && onlyEmptyFolders(worktreePath),
    strandedAdds: stranded,
  };
}

/**
 * The folder a removal had marked as all saved (worktree-removal.ts) whose process is gone:
 * `<worktree>.saved`, `.<id>.removing-<pid>.saved` or `.<id>.removed-<pid>.saved`.
 */
function markedRemoval(sessionsDir: string, id: string, worktreePath: string, names: readonly string[]): string | null {
  const pattern = new RegExp(`^\\.${id}\\.(?:removing|removed)-\\d+\\.saved$`);
  const marks = names.filter((name) => pattern.test(name)).map((name) => join(sessionsDir, name));
  if (existsSync(removalMarkOf(worktreePath))) marks.push(removalMarkOf(worktreePath));
  const dead = marks.find((mark) => !markOwnerAlive(mark));
  return dead ? dead.slice(0, -'.saved'.length) : null;
}

function markOwnerAlive(mark: string): boolean {
  try {
    const pid = Number((JSON.parse(readFileSync(mark, 'utf8')) as { pid?: unknown }).pid);
    return Number.isInteger(pid) && pid > 0 && pidIsAlive(pid);
  } catch {
    return false;
  }
}

/** For a folder that is a worktree git does not list there: the folder its record names instead, when that folder is gone. */
function movedRecordOf(gitDir: string | null, worktreePath: string): string | null {
  if (!gitDir || !existsSync(gitDir)) return null;
  const named = readIfFile(join(gitDir, 'gitdir'))?.trim();
  if (!named || !named.endsWith('/.git')) return null;
  const folder = dirname(named);
  return folder !== worktreePath && !existsSync(folder) ? folder : null;
}

/** The session log changed only by the line a killed sync or keep wrote: what it was before. */
async function ownLogEdit(
  worktree: string,
  sessionLog: string | null,
  work: readonly string[],
): Promise<EntryFacts['logEdit']> {
  if (!sessionLog || !work.some((line) => line.endsWith(` ${sessionLog}`) && !line.startsWith('??'))) return null;
  const path = join(worktree, sessionLog);
  let current: string | null;
  try {
    current = readBoundedText(path, MAX_LOG_BYTES);
  } catch {
    return null;
  }
  const digest = fileDigest(path);
  if (current === null || digest === null) return null;
  const text = logBeforeOwnEdit(await readFileAtCommit(worktree, 'HEAD', sessionLog), current);
  return text === null ? null : { path: sessionLog, digest, text };
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
  const looksLikeSession =
    sessionNameProblem(dirName) === null && branch === `${project.config.branchPrefix}${dirName}`;
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
