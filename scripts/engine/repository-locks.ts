/**
 * Locks that guard the repository itself, kept in its common git dir so that every worktree
 * and every process of this pack finds them, and so that taking one never creates the
 * sessions folder.
 */
import { join } from 'node:path';
import { acquireLock, releaseLock } from '../core/lock.js';
import { commonGitDir } from '../git/repo.js';

/**
 * Held while a session is merged into its base, and while `start` reads or changes the main
 * checkout: a merge in progress there stages files, which must not look like the user's
 * uncommitted work, and a stash or commit must not race a merge for the index.
 */
export async function mergeLockPath(mainCheckout: string): Promise<string> {
  return join(await commonGitDir(mainCheckout), 'flight-rules-merge.lock');
}

export async function withMergeLock<T>(mainCheckout: string, work: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(await mergeLockPath(mainCheckout), 300_000);
  try {
    return await work();
  } finally {
    releaseLock(lock);
  }
}
