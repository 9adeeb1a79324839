/**
 * Brings a session branch up to date with its base, inside the session's worktree, by rebase
 * or merge. The session is claimed first (status "syncing", with the operation recorded), so
 * a second sync or an end waits its turn and a killed sync is finished by cleanup. A stop on
 * conflicts is backed out at once and the branch checked to be exactly as before; on success
 * the session log's "Last synced with base" line is updated and committed.
 */
import { shortSha } from '../../core/format.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RefusalError } from '../../lib/errors.js';
import { readBoundedText, UnsafeFileError, writeConfinedFile } from '../../lib/safe-fs.js';
import { isoSeconds } from '../../core/format.js';
import { sessionsDirInsideRepo } from '../../core/config.js';
import { withLastSynced } from '../../core/last-synced.js';
import type { SessionEntry } from '../../core/manifest-types.js';
import { isUntracked, sessionWork } from '../../core/status-porcelain.js';
import { gitInWorktree, syncMode, type SyncFacts, type SyncMode } from '../../core/sync-rules.js';
import { isWithin } from '../../core/paths.js';
import { ownFilesOf, worktreePathOf, type Project } from '../../store/project.js';
import { aheadBehind, currentBranchRef } from '../../git/branches.js';
import { readStatus } from '../../git/changes.js';
import { checkoutBusy } from '../../git/checkout-state.js';
import { treeDiffPaths } from '../../git/compare.js';
import { incomingInTheWay, mergeInto, rebaseOnto } from '../../git/integrate.js';
import { upstreamOf } from '../../git/remote.js';
import { resolveCommit } from '../../git/repo.js';
import { commitPaths } from '../../git/save.js';
import { claimSession, handBack } from '../session-claim.js';

export interface SyncResult {
  mode: SyncMode;
  upToDate: boolean;
  before: string;
  after: string;
  baseCommit: string;
  /** Commits of the base the branch did not have. */
  pickedUp: number;
  logUpdated: boolean;
  logCommit: string | null;
  lastSyncedAt: string;
  warnings: string[];
}

const MAX_LOG_BYTES = 4 * 1024 * 1024;

export async function gatherSyncFacts(
  project: Project,
  entry: SessionEntry,
  asked: SyncMode | null,
  named: boolean,
  callerCwd: string,
): Promise<SyncFacts> {
  const worktree = worktreePathOf(project, entry);
  const worktreeExists = existsSync(worktree);
  const [baseCommit, headRef, tip, status, upstream] = await Promise.all([
    resolveCommit(project.mainCheckout, `refs/heads/${entry.base.branch}`),
    worktreeExists ? currentBranchRef(worktree) : Promise.resolve(null),
    resolveCommit(project.mainCheckout, `refs/heads/${entry.branch}`),
    worktreeExists ? readStatus(worktree, { hidden: true }) : Promise.resolve([]),
    upstreamOf(project.mainCheckout, entry.branch),
  ]);
  const sessionsDirInRepo = sessionsDirInsideRepo(project.mainCheckout, project.sessionsDir);
  const [sessionsPaths, inTheWay] = await Promise.all([
    sessionsDirInRepo && tip && baseCommit
      ? treeDiffPaths(project.mainCheckout, tip, baseCommit, { below: sessionsDirInRepo })
      : Promise.resolve([]),
    // What the base brings that the worktree holds untracked or ignored (the user's .env): git would write over it.
    worktreeExists && tip && baseCommit
      ? incomingInTheWay(worktree, tip, baseCommit, syncMode({ asked, upstream }))
      : Promise.resolve([]),
  ]);
  return {
    entry,
    worktree,
    worktreeExists,
    baseCommit,
    tip,
    headRef,
    // The untracked session log is left alone by a rebase or merge, and sync commits it anyway.
    work: sessionWork(status, ownFilesOf(entry, worktree)).filter(
      (item) => !(isUntracked(item) && item.path === entry.sessionLog),
    ),
    busy: worktreeExists ? await checkoutBusy(worktree, status) : null,
    upstream,
    sessionsPaths,
    sessionsDirInRepo,
    inTheWay,
    asked,
    named,
    callerInWorktree: isWithin(worktree, callerCwd),
  };
}

/** Claims the session for this sync, recording the operation before it starts. */
async function claim(project: Project, id: string, operation: NonNullable<SessionEntry['operation']>): Promise<void> {
  await claimSession(project, id, 'syncing', 'synced', (session) => (session.operation = operation));
}

/** Hands the session back as active; on success it is now based on `baseCommit`. */
async function release(project: Project, id: string, synced: { at: string; baseCommit: string } | null): Promise<void> {
  await handBack(project, id, 'syncing', (session) => {
    if (!synced) return;
    session.lastSyncedAt = synced.at;
    session.base = { branch: session.base.branch, commit: synced.baseCommit };
  });
}

export async function syncSession(project: Project, facts: SyncFacts, mode: SyncMode, now: Date): Promise<SyncResult> {
  const { entry, worktree } = facts;
  const tip = facts.tip!;
  const baseCommit = facts.baseCommit!;
  const lastSyncedAt = isoSeconds(now);
  const { behind } = await aheadBehind(worktree, tip, baseCommit);
  await claim(project, entry.id, { kind: mode, before: tip, onto: baseCommit, at: new Date().toISOString() });
  let synced = false;
  try {
    if (behind === 0) {
      // Already in: nothing to bring in. If the base came in by hand (a conflict resolved with git), record that sync now.
      const log = entry.base.commit === baseCommit ? null : await recordInLog(worktree, entry, now);
      synced = true;
      return {
        mode,
        upToDate: true,
        before: tip,
        after: log?.commit ?? tip,
        baseCommit,
        pickedUp: 0,
        logUpdated: log?.updated ?? false,
        logCommit: log?.commit ?? null,
        lastSyncedAt,
        warnings: log?.warnings ?? [],
      };
    }
    const outcome =
      mode === 'rebase'
        ? await rebaseOnto(worktree, entry.branch, tip, baseCommit)
        : await mergeInto(worktree, entry.branch, tip, baseCommit, `Merge ${entry.base.branch} into ${entry.branch}`);
    if (!outcome.ok) throw conflictRefusal(facts, mode, outcome);
    const log = await recordInLog(worktree, entry, now);
    synced = true;
    return {
      mode,
      upToDate: false,
      before: tip,
      after: log.commit ?? outcome.tip,
      baseCommit,
      pickedUp: behind,
      logUpdated: log.updated,
      logCommit: log.commit,
      lastSyncedAt,
      warnings: log.warnings,
    };
  } finally {
    await release(project, entry.id, synced ? { at: lastSyncedAt, baseCommit } : null);
  }
}

/** Sets the log's "Last synced with base" line and commits only that file, so the worktree stays clean. */
async function recordInLog(
  worktree: string,
  entry: SessionEntry,
  now: Date,
): Promise<{ updated: boolean; commit: string | null; warnings: string[] }> {
  const log = entry.sessionLog;
  let text: string | null = null;
  try {
    text = log ? readBoundedText(join(worktree, log), MAX_LOG_BYTES) : null;
  } catch (error) {
    if (!(error instanceof UnsafeFileError)) throw error;
    return {
      updated: false,
      commit: null,
      warnings: [
        `the session log ${log} cannot be read safely (${error.message}), so its "Last synced with base" line was not updated`,
      ],
    };
  }
  if (!log || text === null) {
    return {
      updated: false,
      commit: null,
      warnings: [`no session log found${log ? ` at ${log}` : ''}, so the "Last synced with base" line was not updated`],
    };
  }
  const updated = withLastSynced(text, now);
  if (updated === null)
    return {
      updated: false,
      commit: null,
      warnings: [`${log} has no "**Last synced with base:**" or "**Branch:**" line to update`],
    };
  try {
    writeConfinedFile(worktree, log, updated);
  } catch (error) {
    if (!(error instanceof UnsafeFileError)) throw error;
    return {
      updated: false,
      commit: null,
      warnings: [`the session log ${log} cannot be written safely (${error.message})`],
    };
  }
  const pending = (await readStatus(worktree)).some((item) => item.path === log);
  if (!pending) return { updated: true, commit: null, warnings: [] }; // it already said so: a second sync within the minute
  try {
    const commit = await commitPaths(worktree, [log], `Record sync with ${entry.base.branch} in the session log`);
    return { updated: true, commit, warnings: [] };
  } catch (error) {
    return {
      updated: false,
      commit: null,
      warnings: [
        `the session log was updated but could not be committed (${(error as Error).message.split('\n')[0]}); commit ${log} yourself`,
      ],
    };
  }
}

function conflictRefusal(
  facts: SyncFacts,
  mode: SyncMode,
  outcome: Extract<Awaited<ReturnType<typeof rebaseOnto>>, { ok: false }>,
): RefusalError {
  const { entry, worktree } = facts;
  const tip = facts.tip!;
  const base = entry.base.branch;
  const at = (words: string[]) => gitInWorktree(facts, words);
  // Both ways of resolving keep the conflicts in front of the user until they are settled.
  const resolve =
    mode === 'rebase'
      ? `To resolve them deliberately: ${at(['rebase', base])}, fix each conflicted file, ${at(['add', '--'])} <file> and ${at(['rebase', '--continue'])} (or ${at(['rebase', '--abort'])} to back out); to resolve them once, in one merge commit, instead: ${at(['merge', base])}, fix the files, ${at(['add', '--'])} <file> and ${at(['commit', '--no-edit'])}.`
      : `To resolve them deliberately: ${at(['merge', base])}, fix each conflicted file, ${at(['add', '--'])} <file> and ${at(['commit', '--no-edit'])} (or ${at(['merge', '--abort'])} to back out).`;
  const what =
    outcome.conflicts.length > 0
      ? `conflicts in ${outcome.conflicts.length} file(s):\n${outcome.conflicts.map((path) => `  ${path}`).join('\n')}`
      : `git stopped: ${outcome.output.split('\n').slice(0, 5).join(' ')}`;
  const state = outcome.restored
    ? `The ${mode} was aborted; ${entry.branch} is exactly as before (${shortSha(tip)}).`
    : `WARNING: it could not be backed out: ${entry.branch} should be at ${shortSha(tip)}, HEAD is ${(outcome.headNow ? shortSha(outcome.headNow) : undefined) ?? 'unknown'}. Inspect ${worktree}; the old tip is ${tip}.`;
  return new RefusalError(
    'sync-conflict',
    `Syncing "${entry.id}" with ${base} by ${mode} stopped on ${what}\n${state}`,
    resolve,
    { mode, conflicts: outcome.conflicts, branch: entry.branch, tip, intact: outcome.restored, worktree },
  );
}
