/**
 * Read-only comparisons between branches, and between a worktree and its HEAD, for status,
 * overlap and the hooks. Nothing here writes an index, a ref or a working tree.
 */
import { git, lines } from '../lib/shell.js';
import { parseStatus, type StatusEntry } from '../core/status-porcelain.js';

export type { BranchTip } from './branches.js';

/**
 * Files changed on `branch` since it forked from `base` (the merge-base), as paths. Renames
 * count as a delete and an add, so both paths take part in overlaps.
 */
export async function changedFilesSinceFork(cwd: string, base: string, branch: string): Promise<string[]> {
  const { stdout } = await git(cwd, ['diff', '--name-only', '-z', '--no-renames', '--no-ext-diff', `${base}...${branch}`, '--']);
  return stdout.split('\0').filter((path) => path.length > 0);
}

/**
 * Which of `branches` have a commit touching `path` that `base` lacks: one `git log --source`
 * for them all, so the editing hook stays fast with many sessions.
 */
export async function branchesTouching(cwd: string, base: string, branches: readonly string[], path: string): Promise<Set<string>> {
  if (branches.length === 0) return new Set();
  const { stdout } = await git(cwd, [
    '--literal-pathspecs',
    'log',
    '--source',
    '--format=%S',
    ...branches.map((branch) => `refs/heads/${branch}`),
    `^refs/heads/${base}`,
    '--',
    path,
  ]);
  return new Set(lines(stdout).map((ref) => ref.replace(/^refs\/heads\//, '')));
}

/** Uncommitted changes to one path in a worktree; cheap because git only looks at that path. */
export async function statusOfPath(worktree: string, path: string): Promise<StatusEntry[]> {
  const { stdout } = await git(worktree, ['--no-optional-locks', '--literal-pathspecs', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--', path]);
  return parseStatus(stdout);
}

/**
 * Paths that differ between two trees (or commits), optionally only those added, optionally
 * below one folder. Reads objects only; no index or working tree is involved.
 */
export async function treeDiffPaths(cwd: string, from: string, to: string, options: { addedOnly?: boolean; below?: string } = {}): Promise<string[]> {
  const { stdout } = await git(cwd, [
    '--literal-pathspecs',
    'diff-tree', '-r', '-z', '--no-renames', '--name-only',
    ...(options.addedOnly ? ['--diff-filter=A'] : []),
    from, to,
    ...(options.below ? ['--', options.below] : []),
  ]);
  return stdout.split('\0').filter((path) => path.length > 0);
}
