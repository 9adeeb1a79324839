/** Uncommitted changes in a worktree: reading them, stashing them, committing them. */
import { git } from '../lib/shell.js';
import { parseStatus, type StatusEntry } from '../core/status-porcelain.js';

/**
 * By default `--no-optional-locks` keeps git from refreshing and rewriting the index while
 * it reads, so this is safe in read-only commands and beside other agents. Commands that
 * change the repository anyway pass `mayRefreshIndex`: the refreshed index makes this and
 * every later status fast instead of re-reading racily clean files each time.
 */
export async function readStatus(
  worktree: string,
  options: { mayRefreshIndex?: boolean; ignored?: boolean; skipSubmodules?: boolean } = {},
): Promise<StatusEntry[]> {
  const lockFlag = options.mayRefreshIndex ? [] : ['--no-optional-locks'];
  // `matching` lists an ignored folder once (node_modules/) instead of every file in it.
  const ignored = options.ignored ? ['--ignored=matching'] : [];
  // For a caller that looks into each submodule itself (git would fail there once the worktree moved).
  const submodules = options.skipSubmodules ? ['--ignore-submodules=all'] : [];
  const { stdout } = await git(worktree, [
    ...lockFlag,
    'status',
    '--porcelain=v1',
    '-z',
    '--untracked-files=all',
    ...ignored,
    ...submodules,
  ]);
  return parseStatus(stdout);
}

/** Stashes tracked changes (staged and not); untracked files stay. Returns the stash commit. */
export async function stashTrackedChanges(worktree: string, message: string): Promise<string> {
  await git(worktree, ['stash', 'push', '--quiet', '--message', message]);
  const { stdout } = await git(worktree, ['rev-parse', '--verify', 'refs/stash']);
  return stdout.trim();
}

/** Commits every tracked change, staged or not. Returns the new commit. */
export async function commitTrackedChanges(worktree: string, message: string): Promise<string> {
  await git(worktree, ['commit', '--quiet', '--all', '--message', message]);
  const { stdout } = await git(worktree, ['rev-parse', '--verify', 'HEAD']);
  return stdout.trim();
}

/** Sets the index entries of `paths` back to HEAD's; the files themselves stay as they are. */
export async function unstagePaths(worktree: string, paths: readonly string[]): Promise<void> {
  await git(worktree, ['--literal-pathspecs', 'reset', '--quiet', 'HEAD', '--', ...paths], { okExitCodes: [0, 1] });
}
