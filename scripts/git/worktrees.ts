import { git } from '../lib/shell.js';
import { parseWorktreeList, type WorktreeRecord } from '../core/worktree-list.js';

export async function listWorktrees(cwd: string): Promise<WorktreeRecord[]> {
  const { stdout } = await git(cwd, ['worktree', 'list', '--porcelain', '-z']);
  return parseWorktreeList(stdout);
}

/** Creates `branch` at `startCommit` and checks it out at `path`. */
export async function addWorktreeWithNewBranch(mainCheckout: string, path: string, branch: string, startCommit: string): Promise<void> {
  await git(mainCheckout, ['worktree', 'add', '--quiet', '-b', branch, '--', path, startCommit]);
}

/**
 * Removes a worktree. `force` discards its uncommitted changes, so callers pass it only
 * after those changes are saved under a ref, or when the worktree is one they just made.
 */
export async function removeWorktree(mainCheckout: string, path: string, force: boolean): Promise<void> {
  await git(mainCheckout, ['worktree', 'remove', ...(force ? ['--force', '--force'] : []), '--', path]);
}

export async function pruneWorktrees(mainCheckout: string): Promise<void> {
  await git(mainCheckout, ['worktree', 'prune']);
}

/** Unlocking only lifts the guard on git's admin record; it never touches a working tree. */
export async function unlockWorktree(mainCheckout: string, path: string): Promise<void> {
  await git(mainCheckout, ['worktree', 'unlock', '--', path]);
}
