/**
 * Untracked and ignored files, as git itself decides them (gitignore syntax, negations,
 * nested .gitignore files), so the pack never re-implements matching.
 */
import { git, lines } from '../lib/shell.js';
import { unquoteGitPath } from '../core/quoted-path.js';

const splitZ = (text: string) => text.split('\0').filter((part) => part.length > 0);

export interface UntrackedQuery {
  /** Extra gitignore-syntax patterns (git's -x). */
  patterns?: string[];
  /** Limits the walk; each is taken literally. */
  literalPaths?: string[];
  /** With the repository's own ignore rules (.gitignore, info/exclude, core.excludesFile) as well. */
  standard?: boolean;
}

/**
 * Untracked files that match the given patterns. No standard ignore rules are applied here,
 * so "matches" is the only test; callers intersect with ignoredPaths().
 */
export async function untrackedMatching(cwd: string, query: UntrackedQuery): Promise<string[]> {
  const args = ['--no-optional-locks', 'ls-files', '-z', '--others', '--ignored'];
  for (const pattern of query.patterns ?? []) args.push(`--exclude=${pattern}`);
  // Every file the repository's own ignore rules ignore.
  if (query.standard) args.push('--exclude-standard');
  if (query.literalPaths) {
    if (query.literalPaths.length === 0) return [];
    args.push('--', ...query.literalPaths.map((path) => `:(literal)${path}`));
  }
  const { stdout } = await git(cwd, args);
  return splitZ(stdout);
}

/** Every untracked file at or below the given paths, ignored or not. */
export async function untrackedAt(cwd: string, paths: string[]): Promise<string[]> {
  const { stdout } = await git(cwd, [
    '--no-optional-locks',
    'ls-files',
    '-z',
    '--others',
    '--',
    ...paths.map((path) => `:(literal)${path}`),
  ]);
  return splitZ(stdout);
}

/**
 * The subset of `paths` that git ignores in the worktree at `cwd`. Paths need not exist.
 * A tracked path is never ignored (git's rule), which is what keeps a tracked file from
 * being overwritten. If git cannot judge a batch (e.g. a path beyond a symbolic link), none
 * of that batch counts as ignored: the safe answer.
 */
export async function ignoredPaths(cwd: string, paths: string[]): Promise<Set<string>> {
  const ignored = new Set<string>();
  for (let i = 0; i < paths.length; i += 200) {
    const batch = paths.slice(i, i + 200);
    // -z needs --stdin, which this runner does not feed, so paths come back C-quoted when odd.
    const result = await git(
      cwd,
      ['--no-optional-locks', '-c', 'core.quotePath=false', 'check-ignore', '--', ...batch],
      { okExitCodes: [0, 1, 128] },
    );
    if (result.exitCode === 128) continue;
    for (const line of lines(result.stdout)) ignored.add(unquoteGitPath(line));
  }
  return ignored;
}
