import { git } from '../lib/shell.js';
import { join } from 'node:path';
import { GitError } from '../lib/errors.js';
import { withLock } from '../lib/lock.js';
import { commonGitDir } from './repo.js';
import { parseWorktreeList, type WorktreeRecord } from '../core/worktree-list.js';

/**
 * While another process runs `git worktree add` or `remove`, git can briefly see that
 * worktree's admin folder half written or half removed and fail, e.g. with "failed to read
 * .git/worktrees/<name>/commondir". That is transient, so it is retried.
 */
export async function listWorktrees(cwd: string): Promise<WorktreeRecord[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { stdout } = await git(cwd, ['worktree', 'list', '--porcelain', '-z']);
      return parseWorktreeList(stdout);
    } catch (error) {
      // Any failure that names another worktree's admin folder is that folder being written or removed.
      const halfMade = error instanceof GitError && /worktrees\/[^/\s]+\//.test(error.stderr);
      if (!halfMade || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + attempt * 10));
    }
  }
}

export async function worktreeLockPath(mainCheckout: string): Promise<string> {
  return join(await commonGitDir(mainCheckout), 'flight-rules-worktrees.lock');
}

/**
 * git's own worktree add/remove are not safe to run concurrently: each reads every other
 * worktree's admin folder and dies on one that is half written. So this process-crossing
 * lock in the common git dir serialises them; a holder killed by SIGKILL is taken over.
 */
async function withWorktreeLock<T>(mainCheckout: string, action: () => Promise<T>): Promise<T> {
  // Removing a large worktree can take seconds, so a queue of them may wait long; a live holder is making progress.
  return withLock(
    await worktreeLockPath(mainCheckout),
    { label: 'adding and removing worktrees', code: 'worktrees-locked', timeoutMs: 300_000 },
    action,
  );
}

/**
 * Creates `branch` at `startCommit` and checks it out at `path`. Only the registration is
 * serialised; the checkout, which takes most of the time on a large tree, runs outside the
 * lock. `checkout --force` in the new, empty worktree fills index and files and runs the
 * post-checkout hook as `worktree add` would (with HEAD, not the null id, as the old head).
 */
export async function addWorktreeWithNewBranch(
  mainCheckout: string,
  path: string,
  branch: string,
  startCommit: string,
): Promise<void> {
  await withWorktreeLock(mainCheckout, () =>
    git(mainCheckout, ['worktree', 'add', '--quiet', '--no-checkout', '-b', branch, '--', path, startCommit]),
  );
  await git(path, ['checkout', '--force', '--quiet']);
}

/**
 * Checks out an existing `branch` at `path`, the same two steps as above: the registration
 * under the lock, the checkout outside it.
 */
export async function addWorktreeForBranch(mainCheckout: string, path: string, branch: string): Promise<void> {
  await withWorktreeLock(mainCheckout, () =>
    git(mainCheckout, ['worktree', 'add', '--quiet', '--no-checkout', '--', path, branch]),
  );
  await git(path, ['checkout', '--force', '--quiet']);
}

/**
 * A worktree at `path` with HEAD detached at `commit`, for a scratch checkout the pack owns (a
 * land check): the registration under the lock, the checkout outside it.
 */
export async function addDetachedWorktree(mainCheckout: string, path: string, commit: string): Promise<void> {
  await withWorktreeLock(mainCheckout, () =>
    git(mainCheckout, ['worktree', 'add', '--quiet', '--no-checkout', '--detach', '--', path, commit]),
  );
  await git(path, ['checkout', '--force', '--quiet']);
}

/**
 * Puts a scratch worktree of the pack's own at `commit`, detached, exactly: tracked files as
 * the commit has them, untracked files gone (ignored ones, such as installed dependencies, stay).
 */
export async function resetScratchWorktree(path: string, commit: string): Promise<void> {
  await git(path, ['checkout', '--force', '--quiet', '--detach', commit]);
  await git(path, ['clean', '-ffdq']);
}

/**
 * Removes a worktree. `force` discards its uncommitted changes, so callers pass it only
 * after those changes are saved under a ref, or when the worktree is one they just made.
 */
export async function removeWorktree(mainCheckout: string, path: string, force: boolean): Promise<void> {
  await withWorktreeLock(mainCheckout, () =>
    git(mainCheckout, ['worktree', 'remove', ...(force ? ['--force', '--force'] : []), '--', path]),
  );
}

/**
 * Removes git's record of one worktree whose folder is gone, and nothing else: never a
 * repository-wide `git worktree prune`, which would also drop records of worktrees that were
 * only moved, and with them the only ref to a detached HEAD's commits.
 */
export async function forgetWorktreeRecord(mainCheckout: string, path: string): Promise<void> {
  await withWorktreeLock(mainCheckout, () => git(mainCheckout, ['worktree', 'remove', '--', path]));
}

/**
 * Points git's record of a worktree at the folder it now lives in. `git worktree repair`
 * also rewrites the `.git` file of every other worktree it finds amiss, which can drop a file
 * into a worktree another process is removing, so it takes turns with add and remove.
 */
export async function repairWorktree(mainCheckout: string, path: string): Promise<void> {
  await withWorktreeLock(mainCheckout, () => git(mainCheckout, ['worktree', 'repair', '--', path]));
}

/**
 * Moves a worktree's files by `move` (renames in one file system) and points git's record at
 * `to`, both while holding the worktree lock: a `git worktree repair` or `list` run by another
 * process in between would otherwise find the worktree half moved. `move` says whether it
 * moved anything; if it fails part way, or git cannot be told, `undo` puts the files back.
 */
export async function relocateWorktree(
  mainCheckout: string,
  to: string,
  move: () => boolean,
  undo: () => void,
): Promise<boolean> {
  return withWorktreeLock(mainCheckout, async () => {
    try {
      if (!move()) return false;
      await git(mainCheckout, ['worktree', 'repair', '--', to]);
      return true;
    } catch (error) {
      try {
        undo();
      } catch {
        /* cleanup finds what is left and moves it back */
      }
      throw error;
    }
  });
}

/** Unlocking only lifts the guard on git's admin record; it never touches a working tree. */
export async function unlockWorktree(mainCheckout: string, path: string): Promise<void> {
  await git(mainCheckout, ['worktree', 'unlock', '--', path]);
}
