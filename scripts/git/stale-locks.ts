/**
 * git's own lock files (`index.lock`, `HEAD.lock`, `packed-refs.lock`, a ref's `.lock`...) left
 * behind by a git process that was killed: git removes them on exit, so one that stays blocks
 * every later command that needs it. They are ours to remove only when they were made while a
 * step of ours ran, that step's process is gone, and they outlive the moment any live git holds one.
 */
import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface LockFile {
  path: string;
  mtimeMs: number;
  ino: number;
}

/** How long a live git holds a lock at most, in the ordinary run of things. */
export const GIT_LOCK_GRACE_MS = 1_500;

function locksIn(folder: string, recursive: boolean): LockFile[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(folder, name);
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      return [];
    }
    if (stat.isDirectory()) return recursive ? locksIn(path, true) : [];
    // flight-rules-*.lock are this pack's own locks, which lib/lock.ts looks after.
    return stat.isFile() && name.endsWith('.lock') && !name.startsWith('flight-rules-')
      ? [{ path, mtimeMs: stat.mtimeMs, ino: stat.ino }]
      : [];
  });
}

/**
 * Lock files made at or after `sinceMs` in a git dir, at its top level; with `refs`, also
 * below its refs/ (a common git dir's branch and ref locks).
 */
export function gitLocksSince(
  gitDir: string,
  sinceMs: number,
  options: { refs?: boolean; except?: readonly string[] } = {},
): LockFile[] {
  const found = [...locksIn(gitDir, false), ...(options.refs ? locksIn(join(gitDir, 'refs'), true) : [])];
  // Seconds-resolution file systems round the time down.
  return found.filter((lock) => lock.mtimeMs >= sinceMs - 1_000 && !(options.except ?? []).includes(lock.path));
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Removes each lock once it is older than the grace, if it is still the same file: a live git
 * would have let go of it by then. Says which it removed, which were gone already, and which
 * were made again meanwhile (a running git's, left alone).
 */
export async function removeStaleGitLocks(
  locks: readonly LockFile[],
  graceMs = GIT_LOCK_GRACE_MS,
): Promise<{ removed: string[]; gone: string[]; renewed: string[] }> {
  const youngest = Math.max(0, ...locks.map((lock) => lock.mtimeMs));
  const wait = youngest + graceMs - Date.now();
  if (wait > 0) await sleep(Math.min(wait, graceMs));
  const outcome = { removed: [] as string[], gone: [] as string[], renewed: [] as string[] };
  for (const lock of locks) {
    let stat;
    try {
      stat = lstatSync(lock.path);
    } catch {
      outcome.gone.push(lock.path);
      continue;
    }
    if (stat.ino !== lock.ino || stat.mtimeMs !== lock.mtimeMs) {
      outcome.renewed.push(lock.path);
      continue;
    }
    try {
      unlinkSync(lock.path);
      outcome.removed.push(lock.path);
    } catch {
      outcome.gone.push(lock.path);
    }
  }
  return outcome;
}
