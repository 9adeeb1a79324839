import { git } from '../lib/shell.js';
import { GitError } from '../lib/errors.js';
import { parseWorktreeList, type WorktreeRecord } from '../core/worktree-list.js';

/**
 * A concurrent `git worktree add` writes .git/worktrees/<name>/ file by file, and a list
 * taken in that instant fails with "failed to read .../commondir"; a moment later it is whole.
 */
export async function listWorktrees(cwd: string): Promise<WorktreeRecord[]> {
  for (let attempt = 0; ; attempt++) {
    const result = await git(cwd, ['worktree', 'list', '--porcelain', '-z'], { okExitCodes: [0, 128] });
    if (result.exitCode === 0) return parseWorktreeList(result.stdout);
    if (attempt >= 5 || !/failed to read .*worktrees/.test(result.stderr)) {
      throw new GitError(['git', 'worktree', 'list', '--porcelain', '-z'], cwd, result.exitCode, result.stderr, result.stdout);
    }
    await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
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
