/**
 * Whether a process that left a record (a lock, a transient manifest entry) still runs.
 * A pid alone is not enough: pids are reused, so a record also carries the process's start
 * time, and a live pid with another start time is a different process.
 */
import { readFileSync } from 'node:fs';
import { runSync } from './shell.js';
import { osModule } from './builtins.js';

/** Signal 0 probes without touching the process; EPERM means it exists under another user. */
export function pidIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const cache = new Map<number, string | null>();

/**
 * An opaque token for when `pid` started, stable for the life of the process: on Linux the
 * start time in clock ticks from /proc (no process spawned); elsewhere what `ps -o lstart=`
 * prints. Null when it cannot be read (the process is gone, or no way to ask).
 */
export function processStartToken(pid: number): string | null {
  if (pid === process.pid && cache.has(pid)) return cache.get(pid)!;
  let token: string | null = null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    token = fields[19] ? `linux:${fields[19]}` : null;
  } catch {
    if (process.platform !== 'linux') {
      const result = runSync('/', 'ps', ['-o', 'lstart=', '-p', String(pid)], { okExitCodes: [0, 1], timeout: 2_000 });
      const text = result.exitCode === 0 ? result.stdout.trim() : '';
      token = text ? `ps:${text}` : null;
    }
  }
  if (pid === process.pid) cache.set(pid, token);
  return token;
}

/** This process's identity as records store it. */
export function selfStartToken(): string | null {
  return processStartToken(process.pid);
}

/**
 * True while the recorded process runs: the pid is alive and, when the record has a start
 * token, the pid's start token is the same (so a reused pid reads as dead).
 */
export function recordedProcessIsAlive(pid: number, startToken: string | null | undefined): boolean {
  if (!pidIsAlive(pid)) return false;
  if (!startToken) return true;
  const now = processStartToken(pid);
  return now === null ? true : now === startToken;
}

/** A process as records name it: a lock's owner, a transient manifest entry's owner. */
export interface ProcessRecord {
  pid: number;
  host: string;
  since?: string;
  /** When it took the work on (ISO, with milliseconds): lock files git made after it are that work's. */
  claimedAt?: string;
}

/**
 * The one owner-alive rule: `dead` only when the owner ran on this host and runs no more
 * (its pid gone, or reused by a process with another start time); `unknown` for another host.
 */
export function liveness(
  owner: ProcessRecord | null | undefined,
  host: string = osModule().hostname(),
): 'alive' | 'dead' | 'unknown' {
  if (!owner) return 'dead';
  if (owner.host !== host) return 'unknown';
  return recordedProcessIsAlive(owner.pid, owner.since) ? 'alive' : 'dead';
}

/** This process, as a record. */
export function selfRecord(): ProcessRecord {
  const since = selfStartToken();
  return {
    pid: process.pid,
    host: osModule().hostname(),
    ...(since ? { since } : {}),
    claimedAt: new Date().toISOString(),
  };
}

/** Programs that run a command line for another: a hook's command runs under one of them. */
const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh', 'ksh', 'mksh', 'ash', 'busybox', 'fish', 'tcsh', 'csh']);

/** A process's parent and program name: from /proc on Linux (no process spawned), else from `ps`. */
function parentAndName(pid: number): { ppid: number; name: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? { ppid, name } : null;
  } catch {
    if (process.platform === 'linux') return null;
    const result = runSync('/', 'ps', ['-o', 'ppid=,comm=', '-p', String(pid)], {
      okExitCodes: [0, 1],
      timeout: 2_000,
    });
    const match = /^\s*(\d+)\s+(.+)$/.exec(result.stdout.trim());
    return match ? { ppid: Number(match[1]), name: match[2]!.trim().split('/').pop()!.replace(/^-/, '') } : null;
  }
}

/**
 * The process that started this one, past the shells in between: for a hook, the client
 * that runs it (which runs hook commands through /bin/sh). Null when it cannot be told.
 */
export function launchingProcess(): ProcessRecord | null {
  let pid = process.ppid;
  for (let depth = 0; depth < 4 && pid > 1; depth++) {
    const info = parentAndName(pid);
    if (!info) return null;
    if (!SHELLS.has(info.name)) {
      const since = processStartToken(pid);
      return { pid, host: osModule().hostname(), ...(since ? { since } : {}) };
    }
    pid = info.ppid;
  }
  return null;
}
