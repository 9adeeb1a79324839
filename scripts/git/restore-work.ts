/**
 * Putting saved work back into a worktree that was just checked out clean at the saved tip:
 * the stash-shaped snapshot (its tree as the working tree, its second parent's tree as the
 * index, so untracked files come back untracked and staged changes staged), and ignored files
 * from a commit of their own, written through a private index so the worktree's own index
 * never learns of them.
 */
import { lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from '../lib/shell.js';
import { fileOids, regularFileEntries } from './raw-files.js';

/** The tree of a commit (or a tree). */
export async function treeOf(cwd: string, revision: string): Promise<string> {
  const { stdout } = await git(cwd, ['rev-parse', '--verify', '--end-of-options', `${revision}^{tree}`]);
  return stdout.trim();
}

/** Every file path in a commit's tree. */
export async function treePaths(cwd: string, commit: string): Promise<string[]> {
  const { stdout } = await git(cwd, ['ls-tree', '-r', '-z', '--name-only', '--full-tree', commit]);
  return stdout.split('\0').filter((path) => path.length > 0);
}

/**
 * Makes the working tree the snapshot's tree and the index its second parent's tree.
 * `read-tree -m -u <tip> <snapshot>` moves from the clean checkout of `tip` to the snapshot
 * and refuses, rather than overwrite, anything it did not expect; the index is then replaced
 * by the staged state alone, and its stat data refreshed so status reads it fast.
 */
export async function applySnapshot(worktree: string, tip: string, snapshot: string, staged: string): Promise<void> {
  await git(worktree, ['read-tree', '-m', '-u', tip, snapshot]);
  await git(worktree, ['read-tree', staged]);
  await git(worktree, ['update-index', '-q', '--refresh'], { okExitCodes: [0, 1] });
}

/** The tree the worktree's index holds now; only objects are written. */
export async function indexTree(worktree: string): Promise<string> {
  const { stdout } = await git(worktree, ['write-tree']);
  return stdout.trim();
}

/**
 * True when every file of `commit` is in the working tree with the same content and mode:
 * its tree is read into a private index, which git then refreshes against the files (a
 * missing or different file fails the refresh). A snapshot holds files as they were on disk,
 * not as a clean filter or end-of-line rule would store them (git/save.ts), so a file git
 * calls different is compared byte for byte before it counts. The worktree's own index is not
 * touched.
 */
export async function worktreeHolds(worktree: string, commit: string): Promise<boolean> {
  const folder = mkdtempSync(join(tmpdir(), 'flight-rules-index-'));
  const env = { GIT_INDEX_FILE: join(folder, 'index') };
  try {
    await git(worktree, ['read-tree', commit], { env });
    const refreshed = await git(worktree, ['update-index', '--ignore-submodules', '--refresh'], {
      env,
      okExitCodes: [0, 1],
    });
    if (refreshed.exitCode === 0) return true;
    const differing = await git(worktree, ['diff-files', '--ignore-submodules', '--name-only', '-z'], { env });
    const paths = differing.stdout.split('\0').filter(Boolean);
    for (let at = 0; at < paths.length; at += 500) {
      const chunk = paths.slice(at, at + 500);
      const files = await regularFileEntries(worktree, chunk, env);
      // A symlink, a mode or a missing file is a difference no filter explains.
      if (files.length !== chunk.length) return false;
      const executable = (path: string) =>
        (lstatSync(join(worktree, path), { throwIfNoEntry: false })?.mode ?? 0) & 0o111;
      if (files.some((file) => (executable(file.path) ? '100755' : '100644') !== file.mode)) return false;
      const oids = await fileOids(
        worktree,
        files.map((file) => file.path),
        { env },
      );
      if (oids === null || files.some((file, i) => oids[i] !== file.oid)) return false;
    }
    return true;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Writes `paths` of `commit` into the worktree, through a private index. git checks out no
 * file over one that exists and writes nothing beyond a symbolic link; callers pass only
 * paths that are free.
 */
export async function writeFilesFrom(worktree: string, commit: string, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  const folder = mkdtempSync(join(tmpdir(), 'flight-rules-index-'));
  const env = { GIT_INDEX_FILE: join(folder, 'index') };
  try {
    await git(worktree, ['read-tree', commit], { env });
    for (let i = 0; i < paths.length; i += 200) {
      await git(worktree, ['checkout-index', '--', ...paths.slice(i, i + 200)], { env });
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
