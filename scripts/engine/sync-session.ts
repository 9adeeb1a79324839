/**
 * Brings a session branch up to date with its base, inside the session's worktree: a rebase
 * by default, or a merge. A conflict is backed out at once (rebase --abort / merge --abort)
 * and the branch tip checked to be exactly as before; the conflicted files are reported so
 * the agent can resolve them deliberately. On success the session log's "Last synced with
 * base" line is updated and committed, so the worktree stays clean.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RefusalError } from '../lib/errors.js';
import { withLastSynced } from '../core/last-synced.js';
import type { SessionEntry } from '../core/manifest-types.js';
import { updateManifest } from '../store/manifest-store.js';
import type { Project } from '../store/project.js';
import { isoSeconds } from '../core/cleanup-plan.js';
import { aheadBehind, currentBranchRef } from '../git/branches.js';
import { commitPaths, readStatus } from '../git/changes.js';
import { abortMerge, abortRebase, mergeCommit, mergeInProgress, rebaseInProgress, rebaseOnto, unmergedPaths } from '../git/integrate.js';
import { resolveCommit } from '../git/repo.js';

export type SyncMode = 'rebase' | 'merge';

export interface SyncResult {
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

export interface SyncTarget {
  entry: SessionEntry;
  worktree: string;
  /** The branch tip and base tip the caller checked. */
  tip: string;
  baseCommit: string;
}

export async function syncSession(project: Project, target: SyncTarget, mode: SyncMode, now: Date): Promise<SyncResult> {
  const { entry, worktree, tip, baseCommit } = target;
  const { behind } = await aheadBehind(worktree, tip, baseCommit);
  const lastSyncedAt = isoSeconds(now);
  const warnings: string[] = [];
  if (behind === 0) {
    await recordSync(project, entry.id, lastSyncedAt);
    return { upToDate: true, before: tip, after: tip, baseCommit, pickedUp: 0, logUpdated: false, logCommit: null, lastSyncedAt, warnings };
  }

  const attempt = mode === 'rebase'
    ? await rebaseOnto(worktree, baseCommit)
    : await mergeCommit(worktree, baseCommit, `Merge ${entry.base.branch} into ${entry.branch}`);
  if (!attempt.ok) throw await backOut(worktree, target, mode, attempt.output);

  const afterIntegration = (await resolveCommit(worktree, 'HEAD'))!;
  const log = await recordInLog(worktree, entry, now);
  warnings.push(...log.warnings);
  const after = log.commit ?? afterIntegration;
  await recordSync(project, entry.id, lastSyncedAt);
  return { upToDate: false, before: tip, after, baseCommit, pickedUp: behind, logUpdated: log.updated, logCommit: log.commit, lastSyncedAt, warnings };
}

/** Sets the log's "Last synced with base" line and commits only that file, so the worktree stays clean. */
async function recordInLog(worktree: string, entry: SessionEntry, now: Date): Promise<{ updated: boolean; commit: string | null; warnings: string[] }> {
  const logPath = entry.sessionLog ? join(worktree, entry.sessionLog) : null;
  if (!logPath || !existsSync(logPath)) {
    return { updated: false, commit: null, warnings: [`no session log found${entry.sessionLog ? ` at ${entry.sessionLog}` : ''}, so the "Last synced with base" line was not updated`] };
  }
  const updated = withLastSynced(readFileSync(logPath, 'utf8'), now);
  if (updated === null) {
    return { updated: false, commit: null, warnings: [`${entry.sessionLog} has no "**Last synced with base:**" or "**Branch:**" line to update`] };
  }
  writeFileSync(logPath, updated);
  const pending = (await readStatus(worktree)).some((item) => item.path === entry.sessionLog);
  if (!pending) return { updated: true, commit: null, warnings: [] }; // it already said so: a second sync within the minute
  try {
    const commit = await commitPaths(worktree, [entry.sessionLog!], `Record sync with ${entry.base.branch} in the session log`);
    return { updated: true, commit, warnings: [] };
  } catch (error) {
    return { updated: false, commit: null, warnings: [`the session log was updated but could not be committed (${(error as Error).message.split('\n')[0]}); commit ${entry.sessionLog} yourself`] };
  }
}

async function recordSync(project: Project, id: string, lastSyncedAt: string): Promise<void> {
  await updateManifest(project.manifestPath, project.name, (manifest) => {
    const entry = manifest.sessions.find((session) => session.id === id);
    if (!entry) return false;
    entry.lastSyncedAt = lastSyncedAt;
    return true;
  });
}

/** Aborts the stopped rebase or merge, checks the branch is exactly as before, and builds the refusal. */
async function backOut(worktree: string, target: SyncTarget, mode: SyncMode, output: string): Promise<RefusalError> {
  const { entry, tip } = target;
  const conflicts = await unmergedPaths(worktree);
  if (mode === 'rebase' && (await rebaseInProgress(worktree))) await abortRebase(worktree);
  if (mode === 'merge' && (await mergeInProgress(worktree))) await abortMerge(worktree);
  const [restoredTip, headRef, status] = await Promise.all([resolveCommit(worktree, `refs/heads/${entry.branch}`), currentBranchRef(worktree), readStatus(worktree)]);
  const intact = restoredTip === tip && headRef === `refs/heads/${entry.branch}`;
  const tracked = status.filter((line) => line.code !== '??');
  const base = entry.base.branch;
  const resolve = mode === 'rebase'
    ? `To resolve them deliberately: in ${worktree} run \`git rebase ${base}\`, fix each conflicted file, \`git add\` it and \`git rebase --continue\` (or \`git rebase --abort\` to back out); or run \`session sync --merge\` to resolve them once in a merge commit.`
    : `To resolve them deliberately: in ${worktree} run \`git merge ${base}\`, fix each conflicted file, \`git add\` it and \`git commit\` (or \`git merge --abort\` to back out).`;
  const what = conflicts.length > 0
    ? `conflicts in ${conflicts.length} file(s):\n${conflicts.map((path) => `  ${path}`).join('\n')}`
    : `git stopped: ${output.split('\n').slice(0, 5).join(' ')}`;
  const state = intact && tracked.length === 0
    ? `The ${mode} was aborted; ${entry.branch} is exactly as before (${tip.slice(0, 12)}) and the worktree is clean.`
    : `WARNING: after aborting, ${entry.branch} is at ${restoredTip?.slice(0, 12) ?? 'nothing'} (was ${tip.slice(0, 12)}), HEAD is ${headRef ?? 'detached'}, ${tracked.length} tracked change(s). Inspect ${worktree}; the old tip is ${tip}.`;
  return new RefusalError(
    'sync-conflict',
    `Syncing "${entry.id}" with ${base} by ${mode} stopped on ${what}\n${state}`,
    resolve,
    { mode, conflicts, branch: entry.branch, tip, restoredTip, intact: intact && tracked.length === 0, worktree },
  );
}
