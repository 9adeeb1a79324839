/**
 * An exclusive lock file beside the manifest.
 *
 * Acquire: the lock's content is written to a private temp file first and then hard-linked
 * into place, so the lock appears atomically and is never seen half-written.
 * A lock whose owner is dead (same host, pid gone) is taken over: it is renamed aside, and the
 * renamed file is checked to still be that dead owner's before it is discarded. The owner
 * re-checks its nonce just before committing, so a lost lock aborts the write instead of
 * clobbering another writer.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { RefusalError } from '../lib/errors.js';

export interface LockOwner {
  pid: number;
  host: string;
  nonce: string;
  acquiredAt: string;
}

export interface HeldLock {
  path: string;
  owner: LockOwner;
}

export class LockLostError extends Error {
  constructor(path: string) {
    super(`lock ${path} was taken over while held`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

/** Dead means: on this host and the pid is gone. A lock from another host is trusted until it is very old. */
export function ownerIsDead(owner: LockOwner, nowMs: number): boolean {
  if (owner.host !== hostname()) return nowMs - Date.parse(owner.acquiredAt) > 10 * 60_000;
  return !processIsAlive(owner.pid);
}

function tryLink(path: string, owner: LockOwner): boolean {
  const temp = `${path}.${owner.pid}.${owner.nonce}.tmp`;
  writeFileSync(temp, JSON.stringify(owner), { mode: 0o644 });
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

/** Removes the lock at `path` only if it still belongs to `stale`. */
function takeOver(path: string, stale: LockOwner, me: LockOwner): void {
  const aside = `${path}.${me.pid}.${me.nonce}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else moved it first
  }
  const moved = readOwner(aside);
  if (moved && moved.nonce !== stale.nonce) {
    // We moved a live owner's fresh lock: put it back if the slot is still free.
    try {
      linkSync(aside, path);
    } catch {
      /* the live owner will notice at commit and retry */
    }
  }
  unlinkSync(aside);
}

export async function acquireLock(path: string, timeoutMs = 30_000): Promise<HeldLock> {
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    nonce: randomBytes(8).toString('hex'),
    acquiredAt: new Date().toISOString(),
  };
  const started = Date.now();
  let delay = 2;
  for (;;) {
    if (tryLink(path, me)) return { path, owner: me };
    const holder = readOwner(path);
    if (holder && ownerIsDead(holder, Date.now())) {
      takeOver(path, holder, me);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      const who = holder ? `pid ${holder.pid} on ${holder.host} since ${holder.acquiredAt}` : 'an unknown process';
      throw new RefusalError(
        'manifest-locked',
        `The session manifest is locked by ${who}.`,
        `Wait for that process to finish and retry. If it is stuck, stop it; its lock is then taken over automatically. Lock file: ${path}`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

/** Throws LockLostError if the lock no longer carries our nonce. */
export function assertLockHeld(lock: HeldLock): void {
  const current = readOwner(lock.path);
  if (!current || current.nonce !== lock.owner.nonce) throw new LockLostError(lock.path);
}

export function releaseLock(lock: HeldLock): void {
  const current = readOwner(lock.path);
  if (current && current.nonce === lock.owner.nonce) {
    try {
      unlinkSync(lock.path);
    } catch {
      /* already gone */
    }
  }
}

/** The owner recorded in a lock file, or null when there is none. */
export function lockOwner(path: string): LockOwner | null {
  return readOwner(path);
}

/**
 * Removes a lock file whose owner is dead, through the same takeover a waiting process would
 * use, so a live owner's lock is never removed. Returns whether a stale lock was cleared.
 */
export async function clearStaleLock(path: string): Promise<boolean> {
  const holder = readOwner(path);
  if (!holder || !ownerIsDead(holder, Date.now())) return false;
  releaseLock(await acquireLock(path, 1_000));
  return true;
}
