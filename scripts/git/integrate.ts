/**
 * Bringing a base into a session branch inside its worktree, by rebase or merge, with one set
 * of flags for sync and `end --rebase` alike; and backing out of either when it stops. The
 * pack backs out only of an operation it provably started: the rebase's orig-head is the tip
 * it started from and its head-name the session branch, or MERGE_HEAD is the commit it merged.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { GitError } from '../lib/errors.js';
import { git } from '../lib/shell.js';
import { gitDirOf, readGitDirMarks } from './checkout-state.js';
import type { SessionOperation } from '../core/manifest-types.js';
import { untrackedInTheWay, type OwnOperationState } from '../core/interrupted-edits.js';
import { undoHalfCheckout } from './checkout-repair.js';
import { predictMerge } from './merge.js';
import { isAncestor } from './branches.js';
import { addedPathsInTheWay, replayedPathsInTheWay } from './compare.js';

export type IntegrationOutcome =
  | { ok: true; tip: string }
  | { ok: false; conflicts: string[]; output: string; restored: boolean; headNow: string | null };

/** Settings of the user's that would change what a rebase does are fixed here: no autostash, autosquash or updateRefs. */
const REBASE = [
  '-c',
  'rebase.autoStash=false',
  '-c',
  'rebase.updateRefs=false',
  '-c',
  'rebase.autoSquash=false',
  'rebase',
  '--quiet',
  '--no-autostash',
  '--no-autosquash',
];

async function headOf(worktree: string): Promise<string | null> {
  const result = await git(worktree, ['rev-parse', '--quiet', '--verify', 'HEAD'], { okExitCodes: [0, 1, 128] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

async function branchAt(worktree: string, branch: string): Promise<{ tip: string | null; onBranch: boolean }> {
  const [tip, symbolic] = await Promise.all([
    git(worktree, ['rev-parse', '--quiet', '--verify', `refs/heads/${branch}`], { okExitCodes: [0, 1, 128] }),
    git(worktree, ['symbolic-ref', '--quiet', 'HEAD'], { okExitCodes: [0, 1, 128] }),
  ]);
  return {
    tip: tip.exitCode === 0 ? tip.stdout.trim() : null,
    onBranch: symbolic.exitCode === 0 && symbolic.stdout.trim() === `refs/heads/${branch}`,
  };
}

/**
 * The untracked or ignored files in `worktree` (its branch at `tip`) that bringing `onto` in would write over: the
 * paths the base's side adds that are on disk there already. A rebase first checks `onto` out, so it writes every
 * path `onto` has and `tip` lacks; a merge writes those its merged tree (conflicted files included) has and `tip`
 * lacks. A rebase then replays the session's own commits, and one of those may write and remove a file it no
 * longer tracks (replayedPathsInTheWay). Git overwrites ignored files on the way without a word, and a conflict's
 * abort then removes them: they must be known before either starts. Nothing comes in (and nothing is written)
 * when `onto` is in `tip` already.
 */
export async function incomingInTheWay(
  worktree: string,
  tip: string,
  onto: string,
  mode: 'rebase' | 'merge',
): Promise<string[]> {
  if (await isAncestor(worktree, onto, tip)) return [];
  if (mode === 'merge')
    return (await addedPathsInTheWay(worktree, tip, (await predictMerge(worktree, tip, onto))?.tree ?? onto)).inTheWay;
  const [added, replayed] = await Promise.all([
    addedPathsInTheWay(worktree, tip, onto),
    replayedPathsInTheWay(worktree, onto, tip),
  ]);
  return [...new Set([...added.inTheWay, ...replayed])].sort();
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

/** How far an operation of ours got (core/interrupted-edits.ts); null when nothing of ours is left, or what is there is someone else's. */
export async function ownOperationState(
  worktree: string,
  branch: string,
  operation: Pick<SessionOperation, 'kind' | 'before' | 'onto'>,
  hasChanges: boolean,
): Promise<OwnOperationState | null> {
  const marks = readGitDirMarks(gitDirOf(worktree));
  const ref = `refs/heads/${branch}`;
  if (operation.kind === 'rebase') {
    if (isOwnRebase(worktree, branch, operation.before)) return 'stopped';
    const rebase = marks.rebase;
    if (
      !rebase ||
      rebase.origHead !== null ||
      ![null, ref].includes(rebase.headName) ||
      ![null, operation.onto].includes(rebase.onto)
    )
      return null;
    const now = await branchAt(worktree, branch);
    return now.onBranch && now.tip === operation.before ? 'unbegun' : null;
  }
  if (marks.mergeHead === operation.onto) {
    if ((await headOf(worktree)) === operation.before) return 'stopped';
    const now = await branchAt(worktree, branch);
    return now.onBranch &&
      now.tip !== null &&
      (await isAncestor(worktree, operation.onto, now.tip)) &&
      (await isAncestor(worktree, operation.before, now.tip))
      ? 'committed'
      : null;
  }
  if (marks.mergeHead !== null || marks.rebase || !hasChanges) return null;
  const now = await branchAt(worktree, branch);
  return now.onBranch && now.tip === operation.before ? 'half-checkout' : null;
}

/**
 * `git rebase --abort`. A rebase killed in the middle of a pick can leave the pick's new files
 * untracked, and the abort then refuses to overwrite them: those are handed to `saveInTheWay`
 * (which keeps them under a ref), removed, and the abort tried again.
 */
async function abortRebase(worktree: string, saveInTheWay?: (paths: string[]) => Promise<void>): Promise<void> {
  const first = await git(worktree, ['rebase', '--abort'], { okExitCodes: [0, 1, 128] });
  if (first.exitCode === 0) return;
  const inTheWay = untrackedInTheWay(first.stderr);
  if (inTheWay.length === 0 || !saveInTheWay)
    throw new GitError(['git', 'rebase', '--abort'], worktree, first.exitCode, first.stderr, first.stdout);
  await saveInTheWay(inTheWay);
  for (const path of inTheWay) rmSync(join(worktree, path), { force: true });
  await git(worktree, ['rebase', '--abort']);
}

/**
 * Backs out the rebase or merge a sync or end started and left undone (its process killed, or
 * a conflict), when it is provably that one. Returns whether the branch is back at `before`.
 */
export async function backOutOwnOperation(
  worktree: string,
  branch: string,
  operation: Pick<SessionOperation, 'kind' | 'before' | 'onto'>,
  options: { hasChanges?: boolean; saveInTheWay?: (paths: string[]) => Promise<void> } = {},
): Promise<{ state: OwnOperationState | null; restored: boolean; left: string[] }> {
  const state = await ownOperationState(worktree, branch, operation, options.hasChanges ?? false);
  let left: string[] = [];
  if (state === 'stopped' && operation.kind === 'rebase') await abortRebase(worktree, options.saveInTheWay);
  if (state === 'stopped' && operation.kind === 'merge') await git(worktree, ['merge', '--abort']);
  if (state === 'committed') await quitMergeIn(worktree);
  if (state === 'unbegun') {
    const gitDir = gitDirOf(worktree);
    // Only the state files of a rebase that never started: nothing of anyone's work is in there.
    if (gitDir)
      for (const name of ['rebase-merge', 'rebase-apply']) rmSync(join(gitDir, name), { recursive: true, force: true });
  }
  if (state === 'half-checkout') {
    const prediction = await predictMerge(worktree, operation.before, operation.onto);
    if (prediction) left = (await undoHalfCheckout(worktree, operation.before, prediction.tree)).left;
  }
  const now = await branchAt(worktree, branch);
  return { state, restored: now.onBranch && now.tip === operation.before, left };
}

async function stopped(
  worktree: string,
  branch: string,
  operation: Pick<SessionOperation, 'kind' | 'before' | 'onto'>,
  output: string,
): Promise<IntegrationOutcome> {
  const conflicts = await unmergedPaths(worktree).catch(() => []);
  const { restored } = await backOutOwnOperation(worktree, branch, operation);
  return { ok: false, conflicts, output, restored, headNow: await headOf(worktree) };
}

/** Replays `branch` (checked out at `worktree`, at `before`) onto `onto`. On a stop, backs out. */
export async function rebaseOnto(
  worktree: string,
  branch: string,
  before: string,
  onto: string,
): Promise<IntegrationOutcome> {
  const args = [...REBASE, onto];
  const result = await git(worktree, args, { okExitCodes: [0, 1, 128] });
  if (result.exitCode === 0) return { ok: true, tip: (await headOf(worktree))! };
  if (!isOwnRebase(worktree, branch, before)) {
    const now = await branchAt(worktree, branch);
    // It stopped before it started (a hook, a bad upstream): nothing to abort.
    if (now.onBranch && now.tip === before)
      throw new GitError(['git', ...args], worktree, result.exitCode, result.stderr, result.stdout);
  }
  return stopped(worktree, branch, { kind: 'rebase', before, onto }, `${result.stdout}${result.stderr}`.trim());
}

/** Merges `onto` into `branch` (checked out at `worktree`, at `before`) with `message`. On a stop, backs out. */
export async function mergeInto(
  worktree: string,
  branch: string,
  before: string,
  onto: string,
  message: string,
): Promise<IntegrationOutcome> {
  const result = await git(worktree, ['merge', '--no-edit', '--message', message, '--end-of-options', onto], {
    okExitCodes: [0, 1, 128],
  });
  if (result.exitCode === 0) return { ok: true, tip: (await headOf(worktree))! };
  return stopped(worktree, branch, { kind: 'merge', before, onto }, `${result.stdout}${result.stderr}`.trim());
}

/** `git merge --abort` in a checkout whose stopped merge was proven to be the pack's own. */
export async function abortMergeIn(checkout: string): Promise<void> {
  await git(checkout, ['merge', '--abort']);
}

/** `git merge --quit`: forgets a merge's state (MERGE_HEAD and its files) and leaves index and files as they are; for a merge whose commit was made. */
export async function quitMergeIn(checkout: string): Promise<void> {
  await git(checkout, ['merge', '--quit']);
}
