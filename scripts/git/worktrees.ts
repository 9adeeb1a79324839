import { git, processEnv } from '../lib/shell.js';
import { worktreeListFromFiles } from './worktree-files.js';
import { lstatSync, readFileSync, readdirSync, realpathSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { GitError, RefusalError } from '../lib/errors.js';
import { helper } from '../lib/invocation.js';
import { withLock } from '../lib/lock.js';
import { commonGitDir } from './repo.js';
import { parseWorktreeList, type WorktreeRecord } from '../core/worktree-list.js';
import type { UnreadableAddFacts } from '../core/cleanup-plan.js';

/**
 * While another process runs `git worktree add` or `remove`, git can briefly see that
 * worktree's admin folder half written or half removed and fail, e.g. with "failed to read
 * .git/worktrees/<name>/commondir". That is transient, so it is retried.
 */
export async function listWorktrees(cwd: string): Promise<WorktreeRecord[]> {
  const fromFiles = worktreeListFromFiles(cwd, processEnv());
  if (fromFiles) return fromFiles;
  for (let attempt = 0; ; attempt++) {
    try {
      const { stdout } = await git(cwd, ['worktree', 'list', '--porcelain', '-z']);
      return parseWorktreeList(stdout);
    } catch (error) {
      // Any failure that names another worktree's admin folder is that folder being written or removed.
      const halfMade = error instanceof GitError && /worktrees\/[^/\s]+\//.test(error.stderr);
      if (!halfMade) throw error;
      // A live add fills in its commondir the moment it makes it: one left empty for seconds is a dead add's, and
      // waiting out the retries would cost every command seconds until cleanup removes it.
      const unreadable = await unreadableAddsRefusal(cwd, attempt >= 20 ? 0 : DEAD_ADD_AFTER_MS);
      if (unreadable) throw unreadable;
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + attempt * 10));
    }
  }
}

const DEAD_ADD_AFTER_MS = 2_000;

/** When a folder git dies on is an add killed part way (unreadableAdds) `olderThanMs` ago or more: what to do. */
async function unreadableAddsRefusal(cwd: string, olderThanMs: number): Promise<RefusalError | null> {
  return unreadableAddsRefusalIn(await commonGitDir(cwd), olderThanMs);
}

/** The same refusal, in the common git dir `commonDir`; null when nothing there is an unreadable add. */
export function unreadableAddsRefusalIn(commonDir: string, olderThanMs = 0): RefusalError | null {
  const adds = unreadableAdds(commonDir).filter((add) => {
    try {
      return statSync(join(add.adminDir, 'commondir')).mtimeMs <= Date.now() - olderThanMs;
    } catch {
      return false;
    }
  });
  if (adds.length === 0) return null;
  const folders = adds.map((add) => add.adminDir).join(', ');
  return new RefusalError(
    'worktree-add-unreadable',
    `git cannot read this repository's worktrees: a \`git worktree add\` killed part way left ${folders} half written (an empty commondir), and every git command that reads the worktrees fails on it. It holds no one's work.`,
    `Ask the user, then run \`${helper('cleanup --yes')}\`, which removes it (\`${helper('cleanup')}\` shows what it would do).`,
    { unreadableAdds: adds, commonDir },
  );
}

/**
 * The common git dir of the repository when `cwd` is inside the folder of an unreadable add, where git finds no
 * repository at all (its `.git` file names that admin folder); null otherwise.
 */
export function commonDirOfUnreadableAddAt(cwd: string): string | null {
  for (let folder = cwd; ; folder = dirname(folder)) {
    try {
      const pointer = readFileSync(join(folder, '.git'), 'utf8');
      const adminDir = /^gitdir: (.+)$/.exec(pointer.trim())?.[1];
      return adminDir && strandedAddKind(adminDir) === 'unreadable' ? dirname(dirname(adminDir)) : null;
    } catch (error) {
      // Not a file there (a folder, as in any repository, is git's to read): only a missing one means look higher.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || folder === dirname(folder)) return null;
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
 * can leave what git itself never gets past (strandedAddKind): that goes before the lock is let go,
 * while no other add can have made it, and then the error is thrown as it was.
 */
async function addUnderLock(mainCheckout: string, path: string, args: readonly string[]): Promise<void> {
  await withWorktreeLock(mainCheckout, async () => {
    const since = Date.now();
    try {
      await git(mainCheckout, ['worktree', 'add', '--quiet', '--no-checkout', ...args]);
    } catch (error) {
      await forgetStrandedAdd(mainCheckout, path, since).catch(() => undefined);
      throw error;
    }
  });
}

async function forgetStrandedAdd(mainCheckout: string, path: string, since: number): Promise<void> {
  const left = await strandedAdds(mainCheckout, basename(path), since, new Set());
  if (left.length === 0) return;
  for (const adminDir of left) removeStrandedAdd(adminDir);
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
  await addAndCheckOut(mainCheckout, path, ['-b', branch, '--', path, startCommit]);
}

/**
 * Checks out an existing `branch` at `path`, the same two steps as above: the registration
 * under the lock, the checkout outside it.
 */
export async function addWorktreeForBranch(mainCheckout: string, path: string, branch: string): Promise<void> {
  await addAndCheckOut(mainCheckout, path, ['--', path, branch]);
}

/**
 * A worktree at `path` with HEAD detached at `commit`, for a scratch checkout the pack owns (a
 * land check): the registration under the lock, the checkout outside it.
 */
export async function addDetachedWorktree(mainCheckout: string, path: string, commit: string): Promise<void> {
  await addAndCheckOut(mainCheckout, path, ['--detach', '--', path, commit]);
}

/**
 * The registration under the lock, then the checkout outside it. Git's parallel checkout (checkout.workers) is left
 * to the user's config: on two cores it wrote 5,000 files about 50 ms sooner with the other core idle and about
 * 50 ms later with it busy, and agents keep cores busy.
 */
async function addAndCheckOut(mainCheckout: string, path: string, args: readonly string[]): Promise<void> {
  await addUnderLock(mainCheckout, path, args);
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
 * What a `git worktree add` killed part way (SIGKILL skips its own clean-up) can leave that git never gets past, by
 * the order it writes in: the admin folder, its `locked` file ("initializing"), the worktree's folder, `gitdir`, the
 * folder's `.git` file, `HEAD` (a null id), `commondir`; then it points HEAD at the branch and unlocks.
 * - `unseen`: the admin folder holds the lock or nothing, as before `gitdir` is written. git neither lists the
 *   worktree nor prunes the folder (it is locked), so it stays for good.
 * - `unreadable`: `commondir` made but still empty. Every git command that reads the worktrees ("failed to read
 *   .../commondir") dies on it, git's own prune included.
 * Neither holds anyone's work: the worktree's index and files come only after both.
 */
type StrandedAddKind = 'unseen' | 'unreadable';

const ADD_FILES = new Set(['locked', 'gitdir', 'HEAD', 'commondir']);

function strandedAddKind(adminDir: string): StrandedAddKind | null {
  try {
    const names = readdirSync(adminDir);
    // Its lock's text is translated; only an add can lock a worktree git does not list, so any text is that add's.
    if (names.every((name) => name === 'locked')) return 'unseen';
    const unreadable =
      names.includes('locked') &&
      names.every((name) => ADD_FILES.has(name)) &&
      names.includes('commondir') &&
      statSync(join(adminDir, 'commondir')).size === 0 &&
      (!names.includes('HEAD') || /^0*\s*$/.test(readFileSync(join(adminDir, 'HEAD'), 'utf8')));
    return unreadable ? 'unreadable' : null;
  } catch {
    return null;
  }
}

/**
 * The admin folders a killed `git worktree add` of a worktree called `name` stranded (above), made since `sinceMs`.
 * git names the folder after the worktree's folder, with a number added when that name is taken; names in `taken`
 * belong to other worktrees of the pack's and are not looked at.
 */
export async function strandedAdds(
  mainCheckout: string,
  name: string,
  sinceMs: number,
  taken: ReadonlySet<string>,
): Promise<string[]> {
  const folder = join(await commonGitDir(mainCheckout), 'worktrees');
  const ours = (candidate: string) =>
    candidate === name ||
    (candidate.startsWith(name) && /^\d+$/.test(candidate.slice(name.length)) && !taken.has(candidate));
  return adminFolders(folder)
    .filter(ours)
    .map((candidate) => join(folder, candidate))
    .filter((adminDir) => {
      try {
        // Seconds-resolution file systems round the time down.
        return statSync(adminDir).mtimeMs >= sinceMs - 1_000 && strandedAddKind(adminDir) !== null;
      } catch {
        return false;
      }
    });
}

function adminFolders(worktreesFolder: string): string[] {
  try {
    return readdirSync(worktreesFolder);
  } catch {
    return [];
  }
}

/**
 * Removes those admin folders while no add or remove of the pack's runs (theirs all hold the worktree lock), each
 * only if it is still what a killed add left, with the worktree folder's `.git` file of an unreadable one. Says which
 * it removed.
 */
export async function removeStrandedAdds(mainCheckout: string, adminDirs: readonly string[]): Promise<string[]> {
  return withWorktreeLock(mainCheckout, async () => adminDirs.filter((adminDir) => removeStrandedAdd(adminDir)));
}

/**
 * Removes one such admin folder if it is still that (only an unreadable one when `only` says so), with an unreadable
 * one's worktree folder while that holds nothing but its `.git` file. Says what it removed, as it found it then;
 * null when it removed nothing.
 */
function removeStrandedAdd(adminDir: string, only?: StrandedAddKind): UnreadableAddFacts | null {
  const kind = strandedAddKind(adminDir);
  if (kind === null || (only && kind !== only)) return null;
  const folder = kind === 'unreadable' ? strandedAddFolder(adminDir) : null;
  if (folder) {
    rmSync(join(folder, '.git'), { force: true });
    rmdirSync(folder);
  }
  for (const name of ADD_FILES) rmSync(join(adminDir, name), { force: true });
  rmdirSync(adminDir);
  return { adminDir, folder };
}

/**
 * The worktree folder an unreadable add's `gitdir` names, while it holds nothing but that add's `.git` file: the
 * checkout had not begun. Null when it holds anything else, or is gone.
 */
function strandedAddFolder(adminDir: string): string | null {
  try {
    const folder = readFileSync(join(adminDir, 'gitdir'), 'utf8')
      .trim()
      .replace(/\/\.git$/, '');
    if (!folder) return null;
    const names = readdirSync(folder);
    if (names.length === 0) return folder;
    if (names.length > 1 || names[0] !== '.git' || !lstatSync(join(folder, '.git')).isFile()) return null;
    const pointer = readFileSync(join(folder, '.git'), 'utf8').trim();
    if (pointer === '') return folder;
    // git writes the path real, and the common dir may have been reached through a symlink.
    return pointer.startsWith('gitdir: ') && realpathSync(pointer.slice(8)) === realpathSync(adminDir) ? folder : null;
  } catch {
    return null;
  }
}

/** The adds git dies on (`unreadable` above), repository-wide. */
export function unreadableAdds(commonDir: string): UnreadableAddFacts[] {
  const folder = join(commonDir, 'worktrees');
  return adminFolders(folder)
    .map((name) => join(folder, name))
    .filter((adminDir) => strandedAddKind(adminDir) === 'unreadable')
    .map((adminDir) => ({ adminDir, folder: strandedAddFolder(adminDir) }));
}

/** Removes unreadable adds (above), each only if it still is one, under the worktree lock; says what it removed. */
export async function removeUnreadableAdds(cwd: string, adminDirs: readonly string[]): Promise<UnreadableAddFacts[]> {
  return withWorktreeLock(cwd, async () =>
    adminDirs.flatMap((adminDir) => removeStrandedAdd(adminDir, 'unreadable') ?? []),
  );
}
