/**
 * Read-only comparisons between branches, and between a worktree and its HEAD, for status,
 * overlap and the hooks. Nothing here writes an index, a ref or a working tree.
 */
import { git, lines } from '../lib/shell.js';
import { pathsInTheWay, whatStandsInTheWay } from '../lib/safe-fs.js';
import { parseStatus, type StatusEntry } from '../core/status-porcelain.js';

export type { BranchTip } from './branches.js';

/**
 * Files changed on `branch` since it forked from `base` (the merge-base), as paths. Renames
 * count as a delete and an add, so both paths take part in overlaps.
 */
export async function changedFilesSinceFork(cwd: string, base: string, branch: string): Promise<string[]> {
  const { stdout } = await git(cwd, [
    'diff',
    '--name-only',
    '-z',
    '--no-renames',
    '--no-ext-diff',
    `${base}...${branch}`,
    '--',
  ]);
  return stdout.split('\0').filter((path) => path.length > 0);
}

/**
 * Whether a commit of `tip` that `base` lacks touches `path`: the editing hook's answer where
 * there is no fork point to diff from (unrelated histories).
 */
export async function commitsTouch(cwd: string, base: string, tip: string, path: string): Promise<boolean> {
  const { stdout } = await git(cwd, ['--literal-pathspecs', 'log', '-1', '--format=%H', tip, `^${base}`, '--', path]);
  return stdout.trim().length > 0;
}

/** Uncommitted changes to one path in a worktree; cheap because git only looks at that path. */
export async function statusOfPath(worktree: string, path: string): Promise<StatusEntry[]> {
  const { stdout } = await git(worktree, [
    '--no-optional-locks',
    '--literal-pathspecs',
    'status',
    '--porcelain=v1',
    '-z',
    '--untracked-files=all',
    '--',
    path,
  ]);
  return parseStatus(stdout);
}

/**
 * Paths that differ between two trees (or commits), optionally only those added, optionally
 * below one folder. Reads objects only; no index or working tree is involved.
 */
export async function treeDiffPaths(
  cwd: string,
  from: string,
  to: string,
  options: { addedOnly?: boolean; below?: string } = {},
): Promise<string[]> {
  const { stdout } = await git(cwd, [
    '--literal-pathspecs',
    'diff-tree',
    '-r',
    '-z',
    '--no-renames',
    '--name-only',
    ...(options.addedOnly ? ['--diff-filter=A'] : []),
    from,
    to,
    ...(options.below ? ['--', options.below] : []),
  ]);
  return stdout.split('\0').filter((path) => path.length > 0);
}

/**
 * The files that moving the checkout at `checkout` from `from` to `to` adds (paths `to` has and `from` lacks), and
 * which of them are in the way there: on disk already, untracked or ignored (a file, a link, a folder), so git would
 * write over them or refuse. `added`, when already known for these very two objects, is not asked of git again;
 * the checkout is always looked at afresh.
 */
export async function addedPathsInTheWay(
  checkout: string,
  from: string,
  to: string,
  added?: string[] | null,
): Promise<{ added: string[]; inTheWay: string[] }> {
  const paths = added ?? (await treeDiffPaths(checkout, from, to, { addedOnly: true }));
  const standing = whatStandsInTheWay(checkout, paths);
  // A step that is a file `from` tracks (a tracked `config` that `to` turns into a folder `config/`) is one git replaces itself.
  const blockers = [...new Set([...standing].flatMap(([path, blocker]) => (blocker === path ? [] : [blocker])))];
  const tracked = await trackedAmong(checkout, from, blockers);
  return {
    added: paths,
    inTheWay: [...standing]
      .filter(([path, blocker]) => blocker === path || !tracked.has(blocker))
      .map(([path]) => path),
  };
}

/** Which of `paths` the tree of `commit` holds as files, asked of git only when there are any. */
export async function trackedAmong(cwd: string, commit: string, paths: readonly string[]): Promise<Set<string>> {
  const tracked = new Set<string>();
  for (let at = 0; at < paths.length; at += 500) {
    const { stdout } = await git(cwd, [
      '--literal-pathspecs',
      'ls-tree',
      '-r',
      '-z',
      '--name-only',
      commit,
      '--',
      ...paths.slice(at, at + 500),
    ]);
    for (const path of stdout.split('\0')) if (path) tracked.add(path);
  }
  return tracked;
}

/**
 * The files a rebase of `tip` onto `onto` writes over through the session's own history: paths that a commit it
 * replays (one `tip` has and `onto` lacks) deletes, that `tip` does not track, and that are on disk in `checkout`
 * (whose HEAD is `tip`), untracked or ignored. That is a file committed by mistake and then only untracked (`git rm
 * --cached`, with an ignore rule): replaying the first commit writes the committed copy over the file on disk, and
 * replaying the second removes it.
 */
export async function replayedPathsInTheWay(checkout: string, onto: string, tip: string): Promise<string[]> {
  const { stdout } = await git(checkout, [
    'log',
    '--no-show-signature',
    '--format=',
    '--name-only',
    '-z',
    '--no-renames',
    '--no-merges',
    '--diff-filter=D',
    tip,
    `^${onto}`,
    '--',
  ]);
  const onDisk = pathsInTheWay(checkout, [...new Set(stdout.split('\0').filter((path) => path.length > 0))]);
  const tracked = await trackedAmong(checkout, tip, onDisk);
  return onDisk.filter((path) => !tracked.has(path));
}

/**
 * Paths whose index entry differs from `head` in a worktree (staged changes, as `git diff
 * --cached` sees them; `git add -N` paths are not among them). Never refreshes or writes the index.
 */
export async function stagedPaths(worktree: string, head: string): Promise<string[]> {
  const { stdout } = await git(worktree, [
    '--no-optional-locks',
    'diff',
    '--cached',
    '--name-only',
    '-z',
    '--no-renames',
    '--no-ext-diff',
    head,
    '--',
  ]);
  return stdout.split('\0').filter((path) => path.length > 0);
}

/** The root tree of each commit, in one call. */
export async function rootTrees(cwd: string, commits: readonly string[]): Promise<Map<string, string>> {
  if (commits.length === 0) return new Map();
  const { stdout } = await git(cwd, ['rev-parse', ...commits.map((commit) => `${commit}^{tree}`)]);
  const trees = lines(stdout);
  if (trees.length !== commits.length)
    throw new Error(`rev-parse gave ${trees.length} trees for ${commits.length} commits`);
  return new Map(commits.map((commit, i) => [commit, trees[i]!]));
}
