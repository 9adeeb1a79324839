/** Merge prediction without touching any working tree, index or ref. */
import { shortSha } from '../core/format.js';
import { git } from '../lib/shell.js';
import { GitError, RefusalError } from '../lib/errors.js';
import { commandLine } from '../lib/shell-words.js';
import { gitVersion } from './repo.js';
import { parseMergeTree, type MergePrediction } from '../core/merge-tree.js';
import { mainCheckoutHead } from './branch-tips.js';

export type { MergePrediction };

let supported: Promise<boolean> | null = null;

/**
 * `merge-tree --write-tree` needs git 2.38. A merge-tree that answered proves it (predictMerge records that), so
 * `git --version` is asked only when none has run yet, or when one failed with a usage error.
 */
export function mergeTreeSupported(cwd: string): Promise<boolean> {
  supported ??= gitVersion(cwd).then(([major, minor]) => major > 2 || (major === 2 && minor >= 38));
  return supported;
}

export const MERGE_TREE_UNSUPPORTED = 'conflict prediction needs git 2.38 or newer (merge-tree --write-tree)';

/** What git before 2.38 answers `merge-tree --write-tree …` with: its usage, exit 129. */
const USAGE_EXIT = 129;

/**
 * Predicts merging `theirs` into `ours`. Writes only unreachable objects to the object
 * store, never a ref, an index or a working tree. Returns null when git is too old: merge-tree
 * is simply run, and only a usage error sends for git's version to tell an old git from a real failure.
 */
export async function predictMerge(cwd: string, ours: string, theirs: string): Promise<MergePrediction | null> {
  if (supported && !(await supported)) return null;
  const args = ['merge-tree', '--write-tree', '-z', '--name-only', '--no-messages', ours, theirs];
  const result = await git(cwd, args, { okExitCodes: [0, 1, USAGE_EXIT] });
  if (result.exitCode === USAGE_EXIT) {
    if (!(await mergeTreeSupported(cwd))) return null;
    throw new GitError(['git', ...args], cwd, result.exitCode, result.stderr, result.stdout);
  }
  supported ??= Promise.resolve(true);
  return parseMergeTree(result.stdout, result.exitCode);
}

/** Like predictMerge, for callers that cannot go on without a prediction. */
export async function requireMergePrediction(cwd: string, ours: string, theirs: string): Promise<MergePrediction> {
  const prediction = await predictMerge(cwd, ours, theirs);
  if (!prediction) {
    throw new RefusalError(
      'git-too-old',
      `This needs git 2.38 or newer: ${MERGE_TREE_UNSUPPORTED}.`,
      'Upgrade git, or merge by hand in the main checkout.',
    );
  }
  return prediction;
}

/**
 * Merges `commit` into the branch checked out at `checkout` (whose HEAD is `before`) with a
 * merge commit. A merge that stops half way (a conflict nobody predicted, a hook saying no) is
 * aborted only when it is provably this one (MERGE_HEAD is `commit`, HEAD still `before`), and
 * the checkout is then checked to be back where it was; the error says which it is.
 */
export async function mergeInCheckout(
  checkout: string,
  before: string,
  commit: string,
  message: string,
): Promise<string> {
  try {
    await git(checkout, ['merge', '--quiet', '--no-ff', '--no-edit', '-m', message, '--end-of-options', commit]);
  } catch (error) {
    throw await backOutOfMerge(checkout, before, commit, error);
  }
  const head = await mainCheckoutHead(checkout);
  if (!head) throw new Error(`${checkout} has no HEAD commit after merging ${commit}`);
  return head;
}

async function backOutOfMerge(checkout: string, before: string, commit: string, error: unknown): Promise<Error> {
  const why =
    error instanceof GitError
      ? (error.stderr.trim() || error.stdout.trim()).split('\n').slice(0, 3).join(' ')
      : String(error);
  const state = async () => {
    const [mergeHead, head] = await Promise.all([
      git(checkout, ['rev-parse', '--quiet', '--verify', 'MERGE_HEAD'], { okExitCodes: [0, 1, 128] }),
      git(checkout, ['rev-parse', '--quiet', '--verify', 'HEAD'], { okExitCodes: [0, 1, 128] }),
    ]);
    return {
      mergeHead: mergeHead.exitCode === 0 ? mergeHead.stdout.trim() : null,
      head: head.exitCode === 0 ? head.stdout.trim() : null,
    };
  };
  let now = await state();
  let aborted = false;
  if (now.mergeHead === commit && now.head === before) {
    await git(checkout, ['merge', '--abort'], { okExitCodes: [0, 128] });
    aborted = true;
    now = await state();
  }
  if (now.mergeHead === null && now.head === before) {
    return new RefusalError(
      'merge-failed',
      `git merge stopped in ${checkout}: ${why}. ${aborted ? 'The merge was aborted and' : 'It had not started, and'} the main checkout is back at ${shortSha(before)}, as before.`,
      'Fix the cause shown above, then run the same command again.',
      { checkout, restored: true },
    );
  }
  return new RefusalError(
    'merge-failed',
    `git merge stopped in ${checkout}: ${why}. The main checkout is NOT as before: HEAD is ${(now.head ? shortSha(now.head) : undefined) ?? 'unknown'} (was ${shortSha(before)})${now.mergeHead ? `, and a merge of ${shortSha(now.mergeHead)} is in progress` : ''}.`,
    now.mergeHead === commit
      ? `Look at ${checkout}; to undo this merge: ${commandLine(['git', '-C', checkout, 'merge', '--abort'])}`
      : `Look at ${checkout} before doing anything else there.`,
    { checkout, restored: false },
  );
}

/**
 * Merges without any working tree or index: a merge commit of the predicted tree with parents
 * base and `theirs`, then the branch is moved only if it still points at `base`
 * (compare-and-swap), so a concurrent update is never overwritten. Returns the merge commit.
 */
export async function mergeWithoutCheckout(
  cwd: string,
  branch: string,
  base: string,
  theirs: string,
  tree: string,
  message: string,
): Promise<string> {
  const commit = await commitMerge(cwd, tree, base, theirs, message);
  await git(cwd, ['update-ref', '-m', message, `refs/heads/${branch}`, commit, base]);
  return commit;
}

/**
 * The merge commit of `tree` with parents `base` and `theirs`, written to the object store
 * only: no ref, index or working tree changes, so until a ref points at it, it is garbage.
 */
export async function commitMerge(
  cwd: string,
  tree: string,
  base: string,
  theirs: string,
  message: string,
): Promise<string> {
  const { stdout } = await git(cwd, ['commit-tree', tree, '-p', base, '-p', theirs, '-m', message]);
  return stdout.trim();
}
