import { git } from '../lib/shell.js';
import { GitError } from '../lib/errors.js';
import { parseWorktreeList, type WorktreeRecord } from '../core/worktree-list.js';

/**
 * While another process runs `git worktree add`, git can briefly see that worktree's admin
 * folder before its files are written and fail with "failed to read .../commondir".
 * That is transient, so it is retried.
 */
export async function listWorktrees(cwd: string): Promise<WorktreeRecord[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { stdout } = await git(cwd, ['worktree', 'list', '--porcelain', '-z']);
      return parseWorktreeList(stdout);
    } catch (error) {
      const halfMade = error instanceof GitError && /failed to read .*worktrees\/.*\/(commondir|gitdir)/.test(error.stderr);
      if (!halfMade || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + attempt * 10));
    }
  }
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
