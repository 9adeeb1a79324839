/**
 * The merge lock, kept in the repository's common git dir so that every worktree and every
 * process of this pack finds it, and so that taking it never creates the sessions folder.
 *
 * Held while a session is merged into its base, and while `start` reads or changes the main
 * checkout: a merge in progress there stages files, which must not look like the user's
 * uncommitted work, and a stash or commit must not race a merge for the index. A holder that
 * changes a checkout records what it does (`purpose`), so that cleanup can tell a merge this
 * pack left half done from one the user is making.
 */
import { join } from 'node:path';
import { withLock, type HeldLock } from '../lib/lock.js';
import { commonGitDir } from '../git/repo.js';

export async function mergeLockPath(mainCheckout: string): Promise<string> {
  return join(await commonGitDir(mainCheckout), 'flight-rules-merge.lock');
}

/** A merge into a checkout, as the merge lock records it while the merge runs. */
export interface MergePurpose {
  kind: 'merge';
  checkout: string;
  /** The commit being merged in: MERGE_HEAD while git is stopped in this merge. */
  theirs: string;
}

export async function withMergeLock<T>(mainCheckout: string, work: (lock: HeldLock) => Promise<T>, purpose?: MergePurpose): Promise<T> {
  return withLock(await mergeLockPath(mainCheckout), {
    label: 'merges into the base and the main checkout',
    code: 'merge-locked',
    timeoutMs: 300_000,
    ...(purpose ? { purpose: { ...purpose } } : {}),
  }, work);
}
