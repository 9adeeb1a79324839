/**
 * Putting saved work back into a worktree that was just checked out clean at the saved tip:
 * the stash-shaped snapshot (its tree as the working tree, its second parent's tree as the
 * index, so untracked files come back untracked and staged changes staged), and ignored files
 * from a commit of their own, written through a private index so the worktree's own index
 * never learns of them.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from '../lib/shell.js';

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
 * The tree of everything in the working tree that git does not ignore, tracked or not, made
 * through a private copy of the index (the worktree's own is never written).
 */
export async function workingTree(worktree: string, exclude: readonly string[] = []): Promise<string> {
  const { stdout: indexPath } = await git(worktree, ['rev-parse', '--path-format=absolute', '--git-path', 'index']);
  const folder = mkdtempSync(join(tmpdir(), 'flight-rules-index-'));
  const env = { GIT_INDEX_FILE: join(folder, 'index') };
  try {
    // A copy of the index keeps its stat data, so only changed files are read again.
    if (existsSync(indexPath.trim())) copyFileSync(indexPath.trim(), env.GIT_INDEX_FILE);
    await git(worktree, ['add', '--all'], { env });
    if (exclude.length > 0) await git(worktree, ['--literal-pathspecs', 'rm', '-r', '--cached', '--force', '--quiet', '--ignore-unmatch', '--', ...exclude], { env });
    const { stdout } = await git(worktree, ['write-tree'], { env });
    return stdout.trim();
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
