/** Merge prediction without touching any working tree, index or ref. */
import { git } from '../lib/shell.js';
import { RefusalError } from '../lib/errors.js';
import { gitVersion } from './repo.js';
import { parseMergeTree, type MergePrediction } from '../core/merge-tree.js';

export type { MergePrediction };

let supported: Promise<boolean> | null = null;

/** `merge-tree --write-tree` needs git 2.38. */
export function mergeTreeSupported(cwd: string): Promise<boolean> {
  supported ??= gitVersion(cwd).then(([major, minor]) => major > 2 || (major === 2 && minor >= 38));
  return supported;
}

export const MERGE_TREE_UNSUPPORTED = 'conflict prediction needs git 2.38 or newer (merge-tree --write-tree)';

/**
 * Predicts merging `theirs` into `ours`. Writes only unreachable objects to the object
 * store, never a ref, an index or a working tree. Returns null when git is too old.
 */
export async function predictMerge(cwd: string, ours: string, theirs: string): Promise<MergePrediction | null> {
  if (!(await mergeTreeSupported(cwd))) return null;
  const result = await git(cwd, ['merge-tree', '--write-tree', '-z', '--name-only', '--no-messages', ours, theirs], { okExitCodes: [0, 1] });
  return parseMergeTree(result.stdout, result.exitCode);
}

/** Like predictMerge, for callers that cannot go on without a prediction. */
export async function requireMergePrediction(cwd: string, ours: string, theirs: string): Promise<MergePrediction> {
  const prediction = await predictMerge(cwd, ours, theirs);
  if (!prediction) {
    throw new RefusalError('git-too-old', `This needs git 2.38 or newer: ${MERGE_TREE_UNSUPPORTED}.`, 'Upgrade git, or merge by hand in the main checkout.');
  }
  return prediction;
}
