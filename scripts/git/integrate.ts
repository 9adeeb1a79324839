/**
 * Bringing a base into a session branch inside its worktree, by rebase or merge, with one set
 * of flags for sync and `end --rebase` alike; and backing out of either when it stops. The
 * pack backs out only of an operation it provably started: the rebase's orig-head is the tip
 * it started from and its head-name the session branch, or MERGE_HEAD is the commit it merged.
 */
import { GitError } from '../lib/errors.js';
import { git } from '../lib/shell.js';
import { gitDirOf, readGitDirMarks } from './checkout-state.js';
import type { SessionOperation } from '../core/manifest-types.js';

export type IntegrationOutcome =
  | { ok: true; tip: string }
  | { ok: false; conflicts: string[]; output: string; restored: boolean; headNow: string | null };

/** Settings of the user's that would change what a rebase does are fixed here: no autostash, autosquash or updateRefs. */
const REBASE = ['-c', 'rebase.autoStash=false', '-c', 'rebase.updateRefs=false', '-c', 'rebase.autoSquash=false', 'rebase', '--quiet', '--no-autostash', '--no-autosquash'];

async function headOf(worktree: string): Promise<string | null> {
  const result = await git(worktree, ['rev-parse', '--quiet', '--verify', 'HEAD'], { okExitCodes: [0, 1, 128] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

async function branchAt(worktree: string, branch: string): Promise<{ tip: string | null; onBranch: boolean }> {
  const [tip, symbolic] = await Promise.all([
    git(worktree, ['rev-parse', '--quiet', '--verify', `refs/heads/${branch}`], { okExitCodes: [0, 1, 128] }),
    git(worktree, ['symbolic-ref', '--quiet', 'HEAD'], { okExitCodes: [0, 1, 128] }),
  ]);
  return { tip: tip.exitCode === 0 ? tip.stdout.trim() : null, onBranch: symbolic.exitCode === 0 && symbolic.stdout.trim() === `refs/heads/${branch}` };
}

/** Paths git left unmerged in the index. */
export async function unmergedPaths(worktree: string): Promise<string[]> {
  const { stdout } = await git(worktree, ['diff', '--name-only', '--diff-filter=U', '-z']);
  return [...new Set(stdout.split('\0').filter(Boolean))];
}

/** The rebase stopped in `worktree` is the one that started from `before` on `branch`. */
export function isOwnRebase(worktree: string, branch: string, before: string): boolean {
  const rebase = readGitDirMarks(gitDirOf(worktree)).rebase;
  return rebase !== null && rebase.origHead === before && rebase.headName === `refs/heads/${branch}`;
}

/** The merge stopped in `worktree` is the one of `commit` into `before`. */
export async function isOwnMerge(worktree: string, before: string, commit: string): Promise<boolean> {
  const marks = readGitDirMarks(gitDirOf(worktree));
  return marks.mergeHead === commit && (await headOf(worktree)) === before;
}

/**
 * Aborts the rebase or merge a sync or end started and left stopped (its process killed, or
 * a conflict), when it is provably that one. Returns whether the branch is back at `before`.
 */
export async function backOutOwnOperation(worktree: string, branch: string, operation: Pick<SessionOperation, 'kind' | 'before' | 'onto'>): Promise<{ aborted: boolean; restored: boolean }> {
  let aborted = false;
  if (operation.kind === 'rebase' && isOwnRebase(worktree, branch, operation.before)) {
    await git(worktree, ['rebase', '--abort']);
    aborted = true;
  } else if (operation.kind === 'merge' && (await isOwnMerge(worktree, operation.before, operation.onto))) {
    await git(worktree, ['merge', '--abort']);
    aborted = true;
  }
  const now = await branchAt(worktree, branch);
  return { aborted, restored: now.onBranch && now.tip === operation.before };
}

async function stopped(worktree: string, branch: string, operation: Pick<SessionOperation, 'kind' | 'before' | 'onto'>, output: string): Promise<IntegrationOutcome> {
  const conflicts = await unmergedPaths(worktree).catch(() => []);
  const { restored } = await backOutOwnOperation(worktree, branch, operation);
  return { ok: false, conflicts, output, restored, headNow: await headOf(worktree) };
}

/** Replays `branch` (checked out at `worktree`, at `before`) onto `onto`. On a stop, backs out. */
export async function rebaseOnto(worktree: string, branch: string, before: string, onto: string): Promise<IntegrationOutcome> {
  const args = [...REBASE, onto];
  const result = await git(worktree, args, { okExitCodes: [0, 1, 128] });
  if (result.exitCode === 0) return { ok: true, tip: (await headOf(worktree))! };
  if (!isOwnRebase(worktree, branch, before)) {
    const now = await branchAt(worktree, branch);
    // It stopped before it started (a hook, a bad upstream): nothing to abort.
    if (now.onBranch && now.tip === before) throw new GitError(['git', ...args], worktree, result.exitCode, result.stderr, result.stdout);
  }
  return stopped(worktree, branch, { kind: 'rebase', before, onto }, `${result.stdout}${result.stderr}`.trim());
}

/** Merges `onto` into `branch` (checked out at `worktree`, at `before`) with `message`. On a stop, backs out. */
export async function mergeInto(worktree: string, branch: string, before: string, onto: string, message: string): Promise<IntegrationOutcome> {
  const result = await git(worktree, ['merge', '--no-edit', '--message', message, '--end-of-options', onto], { okExitCodes: [0, 1, 128] });
  if (result.exitCode === 0) return { ok: true, tip: (await headOf(worktree))! };
  return stopped(worktree, branch, { kind: 'merge', before, onto }, `${result.stdout}${result.stderr}`.trim());
}

/** `git merge --abort` in a checkout whose stopped merge was proven to be the pack's own. */
export async function abortMergeIn(checkout: string): Promise<void> {
  await git(checkout, ['merge', '--abort']);
}
