import { git } from '../lib/shell.js';
import { readdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
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
 * `git worktree add --no-checkout` under the worktree lock. A git killed part way (SIGKILL skips its own clean-up)
 * can leave what git itself never lists or prunes (isHiddenUnfinishedAdd): that goes before the lock is let go,
 * while no other add can have made it, and then the error is thrown as it was.
 */
async function addUnderLock(mainCheckout: string, path: string, args: readonly string[]): Promise<void> {
  await withWorktreeLock(mainCheckout, async () => {
    const since = Date.now();
    try {
      await git(mainCheckout, ['worktree', 'add', '--quiet', '--no-checkout', ...args]);
    } catch (error) {
      await forgetHiddenAdd(mainCheckout, path, since).catch(() => undefined);
      throw error;
    }
  });
}

async function forgetHiddenAdd(mainCheckout: string, path: string, since: number): Promise<void> {
  const left = await hiddenUnfinishedAdds(mainCheckout, basename(path), since, new Set());
  if (left.length === 0) return;
  left.forEach(removeHiddenUnfinishedAdd);
  if ((await listWorktrees(mainCheckout)).some((record) => record.path === path)) return;
  try {
    // git made the worktree's folder after that admin folder; rmdir removes it only while it is still empty.
    rmdirSync(path);
  } catch {
    /* gone, or holding files: the caller's roll back says so */
  }
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
  await addUnderLock(mainCheckout, path, ['-b', branch, '--', path, startCommit]);
  await git(path, ['checkout', '--force', '--quiet']);
}

/**
 * Checks out an existing `branch` at `path`, the same two steps as above: the registration
 * under the lock, the checkout outside it.
 */
export async function addWorktreeForBranch(mainCheckout: string, path: string, branch: string): Promise<void> {
  await addUnderLock(mainCheckout, path, ['--', path, branch]);
  await git(path, ['checkout', '--force', '--quiet']);
}

/**
 * A worktree at `path` with HEAD detached at `commit`, for a scratch checkout the pack owns (a
 * land check): the registration under the lock, the checkout outside it.
 */
export async function addDetachedWorktree(mainCheckout: string, path: string, commit: string): Promise<void> {
  await addUnderLock(mainCheckout, path, ['--detach', '--', path, commit]);
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

/**
 * `git worktree add` makes its admin folder and a `locked` file saying "initializing" before it makes the worktree's
 * folder, and only then writes the admin folder's `gitdir` file. Until then git neither lists the worktree nor
 * prunes the folder (it is locked), so an add killed in that window leaves it for good. Such a folder holds no one's
 * work: at most that lock file.
 */
function isHiddenUnfinishedAdd(adminDir: string): boolean {
  try {
    // Its lock's text is translated; only an add can lock a worktree git does not list, so any text is that add's.
    return readdirSync(adminDir).every((name) => name === 'locked');
  } catch {
    return false;
  }
}

/**
 * The admin folders a killed `git worktree add` of a worktree called `name` left unseen by git (above), made since
 * `sinceMs`. git names the folder after the worktree's folder, with a number added when that name is taken; names
 * in `taken` belong to other worktrees of the pack's and are not looked at.
 */
export async function hiddenUnfinishedAdds(
  mainCheckout: string,
  name: string,
  sinceMs: number,
  taken: ReadonlySet<string>,
): Promise<string[]> {
  const folder = join(await commonGitDir(mainCheckout), 'worktrees');
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const ours = (candidate: string) =>
    candidate === name ||
    (candidate.startsWith(name) && /^\d+$/.test(candidate.slice(name.length)) && !taken.has(candidate));
  return names
    .filter(ours)
    .map((candidate) => join(folder, candidate))
    .filter((adminDir) => {
      try {
        // Seconds-resolution file systems round the time down.
        return statSync(adminDir).mtimeMs >= sinceMs - 1_000 && isHiddenUnfinishedAdd(adminDir);
      } catch {
        return false;
      }
    });
}

/**
 * Removes those admin folders while no add or remove of the pack's runs (theirs all hold the worktree lock), each
 * only if it is still what a killed add left. Says which it removed.
 */
export async function removeHiddenUnfinishedAdds(
  mainCheckout: string,
  adminDirs: readonly string[],
): Promise<string[]> {
  return withWorktreeLock(mainCheckout, async () => adminDirs.filter(removeHiddenUnfinishedAdd));
}

/** Removes one such admin folder if it is still that; says whether it did. */
function removeHiddenUnfinishedAdd(adminDir: string): boolean {
  if (!isHiddenUnfinishedAdd(adminDir)) return false;
  rmSync(join(adminDir, 'locked'), { force: true });
  rmdirSync(adminDir);
  return true;
}
