import { git } from '../lib/shell.js';
import { join } from 'node:path';
import { GitError } from '../lib/errors.js';
import { acquireLock, releaseLock } from '../core/lock.js';
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

const commonDirs = new Map<string, Promise<string>>();

function commonDir(mainCheckout: string): Promise<string> {
  let dir = commonDirs.get(mainCheckout);
  if (!dir) {
    dir = git(mainCheckout, ['rev-parse', '--path-format=absolute', '--git-common-dir']).then((result) => result.stdout.trim());
    commonDirs.set(mainCheckout, dir);
  }
  return dir;
}

export async function worktreeLockPath(mainCheckout: string): Promise<string> {
  return join(await commonDir(mainCheckout), 'flight-rules-worktrees.lock');
}

/**
 * git's own worktree add/remove are not safe to run concurrently: each reads every other
 * worktree's admin folder and dies on one that is half written. So this process-crossing
 * lock in the common git dir serialises them; a holder killed by SIGKILL is taken over.
 */
async function withWorktreeLock<T>(mainCheckout: string, action: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(await worktreeLockPath(mainCheckout));
  try {
    return await action();
  } finally {
    releaseLock(lock);
  }
}

/** Creates `branch` at `startCommit` and checks it out at `path`. */
export async function addWorktreeWithNewBranch(mainCheckout: string, path: string, branch: string, startCommit: string): Promise<void> {
  await withWorktreeLock(mainCheckout, () => git(mainCheckout, ['worktree', 'add', '--quiet', '-b', branch, '--', path, startCommit]));
}

/**
 * Removes a worktree. `force` discards its uncommitted changes, so callers pass it only
 * after those changes are saved under a ref, or when the worktree is one they just made.
 */
export async function removeWorktree(mainCheckout: string, path: string, force: boolean): Promise<void> {
  await withWorktreeLock(mainCheckout, () => git(mainCheckout, ['worktree', 'remove', ...(force ? ['--force', '--force'] : []), '--', path]));
}

export async function pruneWorktrees(mainCheckout: string): Promise<void> {
  await withWorktreeLock(mainCheckout, () => git(mainCheckout, ['worktree', 'prune']));
}

/** Unlocking only lifts the guard on git's admin record; it never touches a working tree. */
export async function unlockWorktree(mainCheckout: string, path: string): Promise<void> {
  await git(mainCheckout, ['worktree', 'unlock', '--', path]);
}
