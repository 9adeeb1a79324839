/** Merge prediction without touching any working tree, index or ref. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { git, lines } from '../lib/shell.js';
import { GitError, RefusalError } from '../lib/errors.js';
import { gitVersion } from './repo.js';
import { parseMergeTree, type MergePrediction } from '../core/merge-tree.js';

export type { MergePrediction };

let supported: Promise<boolean> | null = null;

/** `merge-tree --write-tree` needs git 2.38. */
export function mergeTreeSupported(cwd: string): Promise<boolean> {
  supported ??= gitVersion(cwd).then(([major, minor]) => major > 2 || (major === 2 && minor >= 38));
  return supported;
}

export const MERGE_TREE_UNSUPPORTED = 'conflict prediction needs git 2.38 or newer (merge-tree --write-tree)';

/**
 * Predicts merging `theirs` into `ours`. Writes only unreachable objects to the object
 * store, never a ref, an index or a working tree. Returns null when git is too old.
 */
export async function predictMerge(cwd: string, ours: string, theirs: string): Promise<MergePrediction | null> {
  if (!(await mergeTreeSupported(cwd))) return null;
  const result = await git(cwd, ['merge-tree', '--write-tree', '-z', '--name-only', '--no-messages', ours, theirs], { okExitCodes: [0, 1] });
  return parseMergeTree(result.stdout, result.exitCode);
}

/** Like predictMerge, for callers that cannot go on without a prediction. */
export async function requireMergePrediction(cwd: string, ours: string, theirs: string): Promise<MergePrediction> {
  const prediction = await predictMerge(cwd, ours, theirs);
  if (!prediction) {
    throw new RefusalError('git-too-old', `This needs git 2.38 or newer: ${MERGE_TREE_UNSUPPORTED}.`, 'Upgrade git, or merge by hand in the main checkout.');
  }
  return prediction;
}

/**
 * Merges `commit` into the branch checked out at `checkout` with a merge commit. A merge that
 * stops half way (a conflict nobody predicted, a hook saying no) is aborted, so no MERGE_HEAD
 * and no conflict markers are left behind. Returns the new HEAD.
 */
export async function mergeInCheckout(checkout: string, commit: string, message: string): Promise<string> {
  try {
    await git(checkout, ['merge', '--quiet', '--no-ff', '--no-edit', '-m', message, '--end-of-options', commit]);
  } catch (error) {
    const inProgress = await git(checkout, ['rev-parse', '--verify', '--quiet', 'MERGE_HEAD'], { okExitCodes: [0, 1, 128] });
    if (inProgress.exitCode === 0) await git(checkout, ['merge', '--abort']);
    throw error;
  }
  const { stdout } = await git(checkout, ['rev-parse', '--verify', 'HEAD']);
  return stdout.trim();
}

/**
 * Merges without any working tree or index: a merge commit of the predicted tree with parents
 * base and `theirs`, then the branch is moved only if it still points at `base`
 * (compare-and-swap), so a concurrent update is never overwritten. Returns the merge commit.
 */
export async function mergeWithoutCheckout(cwd: string, branch: string, base: string, theirs: string, tree: string, message: string): Promise<string> {
  const { stdout } = await git(cwd, ['commit-tree', tree, '-p', base, '-p', theirs, '-m', message]);
  const commit = stdout.trim();
  await git(cwd, ['update-ref', '-m', message, `refs/heads/${branch}`, commit, base]);
  return commit;
}

export type RebaseOutcome = { ok: true; tip: string } | { ok: false; conflicts: string[] };

async function rebaseInProgress(worktree: string): Promise<boolean> {
  const { stdout } = await git(worktree, ['rev-parse', '--git-path', 'rebase-merge', '--git-path', 'rebase-apply']);
  return lines(stdout).some((path) => existsSync(resolve(worktree, path)));
}

/**
 * Rebases the branch checked out at `worktree` onto `upstream`. On a conflict the rebase is
 * aborted, which puts the branch back exactly where it was; the caller verifies that.
 */
export async function rebaseOnto(worktree: string, upstream: string): Promise<RebaseOutcome> {
  const args = ['rebase', '--quiet', '--no-autostash', upstream];
  const result = await git(worktree, args, { okExitCodes: [0, 1, 128] });
  if (result.exitCode === 0) {
    const { stdout } = await git(worktree, ['rev-parse', '--verify', 'HEAD']);
    return { ok: true, tip: stdout.trim() };
  }
  if (!(await rebaseInProgress(worktree))) {
    // It stopped before starting (a hook, a bad upstream): not a conflict, and nothing to abort.
    throw new GitError(['git', ...args], worktree, result.exitCode, result.stderr, result.stdout);
  }
  const unmerged = await git(worktree, ['diff', '--name-only', '-z', '--diff-filter=U']);
  await git(worktree, ['rebase', '--abort']);
  return { ok: false, conflicts: [...new Set(unmerged.stdout.split('\0').filter(Boolean))] };
}
