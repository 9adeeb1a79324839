/**
 * The one lock helper: an exclusive lock file, shared by every process of the pack.
 *
 * Acquire: the owner record is written to a private temp file and hard-linked into place,
 * so the lock appears atomically and is never seen half written. A lock whose owner is dead
 * (same host; the pid gone, or reused by a process with another start time) is taken over:
 * it is renamed aside and checked to still be that dead owner's before it is discarded.
 * Holders re-check their nonce just before committing a write, so a lost lock aborts the
 * write instead of clobbering another writer. A holder may record what it is doing
 * (`purpose`), so that whoever finds its lock after a crash knows what was left half done.
 */
import { cryptoModule, osModule } from './builtins.js';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { RefusalError, type RefusalCode } from './errors.js';
import { liveness, selfStartToken } from './process.js';

export interface LockOwner {
  pid: number;
  host: string;
  nonce: string;
  acquiredAt: string;
  /** The owner process's start token, so a reused pid is not mistaken for the owner. */
  since?: string;
  purpose?: Record<string, unknown>;
}

export interface HeldLock {
  path: string;
  owner: LockOwner;
}

export interface LockOptions {
  /** What the lock guards, for people: "the session manifest", "merges into the base". */
  label: string;
  /** The refusal code when it stays taken. */
  code: RefusalCode;
  timeoutMs?: number;
  purpose?: Record<string, unknown>;
}

export class LockLostError extends Error {
  constructor(path: string) {
    super(`lock ${path} was taken over while held`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function readLockOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return owner && typeof owner.pid === 'number' && typeof owner.nonce === 'string' ? owner : null;
  } catch {
    return null;
  }
}

/** Dead means: on this host and not running. A lock from another host is trusted until it is very old. */
export function ownerIsDead(
  owner: Pick<LockOwner, 'pid' | 'host' | 'acquiredAt' | 'since'>,
  nowMs = Date.now(),
): boolean {
  const state = liveness(owner);
  return state === 'dead' || (state === 'unknown' && nowMs - Date.parse(owner.acquiredAt) > 10 * 60_000);
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
  const moved = readLockOwner(aside);
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

export async function acquireLock(path: string, options: LockOptions): Promise<HeldLock> {
  const me: LockOwner = {
    pid: process.pid,
    host: osModule().hostname(),
    nonce: cryptoModule().randomBytes(8).toString('hex'),
    acquiredAt: new Date().toISOString(),
    ...(selfStartToken() ? { since: selfStartToken()! } : {}),
    ...(options.purpose ? { purpose: options.purpose } : {}),
  };
  const timeoutMs = options.timeoutMs ?? 30_000;
  const started = Date.now();
  let delay = 2;
  for (;;) {
    if (tryLink(path, me)) return { path, owner: me };
    const holder = readLockOwner(path);
    if (holder && ownerIsDead(holder)) {
      takeOver(path, holder, me);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      const who = holder ? `pid ${holder.pid} on ${holder.host} since ${holder.acquiredAt}` : 'an unknown process';
      throw new RefusalError(
        options.code,
        `The lock on ${options.label} is held by ${who}; nothing was changed.`,
        `Wait for that process to finish and retry. If it is stuck, stop it; its lock is then taken over automatically. Lock file: ${path}`,
        { lock: path, holder },
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

/** Throws LockLostError if the lock no longer carries our nonce. */
export function assertLockHeld(lock: HeldLock): void {
  const current = readLockOwner(lock.path);
  if (!current || current.nonce !== lock.owner.nonce) throw new LockLostError(lock.path);
}

/**
 * Records what the holder is doing now, for whoever finds the lock after a crash: the owner
 * record is rewritten through a temporary file renamed over the lock, so it is never seen
 * half written, and only while the lock is still this holder's.
 */
export function updateLockPurpose(lock: HeldLock, purpose: Record<string, unknown>): void {
  assertLockHeld(lock);
  const owner: LockOwner = { ...lock.owner, purpose };
  const temp = `${lock.path}.${owner.pid}.${owner.nonce}.tmp`;
  writeFileSync(temp, JSON.stringify(owner), { mode: 0o644 });
  try {
    renameSync(temp, lock.path);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
  lock.owner.purpose = purpose;
}

export function releaseLock(lock: HeldLock): void {
  const current = readLockOwner(lock.path);
  if (current && current.nonce === lock.owner.nonce) {
    try {
      unlinkSync(lock.path);
    } catch {
      /* already gone */
    }
  }
}

/** Runs `body` holding the lock at `path`; the lock is released however `body` ends. */
export async function withLock<T>(
  path: string,
  options: LockOptions,
  body: (lock: HeldLock) => T | Promise<T>,
): Promise<T> {
  const lock = await acquireLock(path, options);
  try {
    return await body(lock);
  } finally {
    releaseLock(lock);
  }
}

/**
 * Removes a lock file whose owner is dead, through the same takeover a waiting process would
 * use, so a live owner's lock is never removed. Returns the dead owner's record, or null when
 * there was nothing stale to clear.
 */
export async function clearStaleLock(path: string): Promise<LockOwner | null> {
  const holder = readLockOwner(path);
  if (!holder || !ownerIsDead(holder)) return null;
  releaseLock(await acquireLock(path, { label: path, code: 'lock-busy', timeoutMs: 1_000 }));
  return holder;
}
