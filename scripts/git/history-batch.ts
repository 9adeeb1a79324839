/**
 * The git questions that compare many branch tips with their bases at once (engine/report/branch-batch.ts): a
 * handful of calls in all, where one pair at a time asks three. Read-only, like the rest of compare.ts.
 */
import { git } from '../lib/shell.js';
import { parseParentsListing } from '../core/commit-graph.js';
import { parseTreeChangesBatch, type TreeChange } from '../core/tree-changes.js';

/** The best common ancestors of all of `commits` together; none when they share no history. */
export async function octopusBases(cwd: string, commits: readonly string[]): Promise<string[]> {
  const result = await git(cwd, ['merge-base', '--octopus', '--all', ...commits], { okExitCodes: [0, 1] });
  return result.exitCode === 0 ? result.stdout.split('\n').filter((line) => line.length > 0) : [];
}

/** Every commit `tips` reach that `bottom` does not, with its parents. */
export async function commitsAbove(
  cwd: string,
  tips: readonly string[],
  bottom: string,
): Promise<Map<string, string[]>> {
  const { stdout } = await git(cwd, ['rev-list', '--parents', '--stdin'], {
    input: [...tips, `^${bottom}`, ''].join('\n'),
  });
  return parseParentsListing(stdout);
}

/**
 * What each `commit` changed against its `parent` (any commit, not only a real parent), one list per pair in order;
 * null when git's answer cannot be matched to the pairs.
 */
export async function treeChangesOf(
  cwd: string,
  pairs: readonly { commit: string; parent: string }[],
): Promise<TreeChange[][] | null> {
  if (pairs.length === 0) return [];
  const { stdout } = await git(cwd, ['diff-tree', '--stdin', '--always', '-r', '-z', '--name-status', '--no-renames'], {
    input: pairs.map((pair) => `${pair.commit} ${pair.parent}\n`).join(''),
  });
  return parseTreeChangesBatch(
    stdout,
    pairs.map((pair) => pair.commit),
  );
}
