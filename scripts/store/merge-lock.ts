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

/**
 * A land run, as the merge lock records it: rewritten before each landing moves a base, so
 * cleanup can finish what the moment of a kill left of the main checkout (a fast-forward
 * cut short, a HEAD detached for a base that did not move after all).
 */
export interface LandPurpose {
  kind: 'land';
  /** The main checkout. */
  checkout: string;
  /** The landing under way: its base branch, the commit it moves from and the one it moves to; null between landings. */
  base: string | null;
  from: string | null;
  to: string | null;
  /** What the landing does to the main checkout: bring its files along, or detach its HEAD first and leave its files. */
  mainAction: 'fast-forward' | 'detach' | null;
  /** Set once the run detached the main checkout's HEAD: the base it was on and the commit it was left at. */
  detached: { base: string; at: string } | null;
}

/**
 * start reading the main checkout and putting its uncommitted changes aside (a stash or a commit): a start killed
 * then leaves git's locks there, and maybe a stash it never told anyone of, which cleanup finds by this record.
 */
export interface StartPurpose {
  kind: 'start';
  checkout: string;
  /** The session it starts: its stash is named after it (core/start-rules.ts). */
  session: string;
}

export async function withMergeLock<T>(
  mainCheckout: string,
  work: (lock: HeldLock) => Promise<T>,
  purpose?: MergePurpose | LandPurpose | StartPurpose,
): Promise<T> {
  return withLock(
    await mergeLockPath(mainCheckout),
    {
      label: 'merges into the base and the main checkout',
      code: 'merge-locked',
      timeoutMs: 300_000,
      ...(purpose ? { purpose: { ...purpose } } : {}),
    },
    work,
  );
}
