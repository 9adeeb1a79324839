/**
 * Ended sessions leave the manifest but are never forgotten: each one is appended as a JSON
 * line to the sessions folder's .history.jsonl. Callers append while holding the manifest lock.
 * Reading takes at most the file's last MAX_HISTORY_BYTES, never through a symlink.
 */
import { appendFileSync, closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { HISTORY_FILE } from '../core/paths.js';
import { parseHistory, type EndedSession, type SavedRef } from '../core/history-records.js';
import type { SessionEntry } from '../core/manifest-types.js';

/** A record as written: what core/history-records.ts reads back, checked, and nothing else besides. */
export type HistoryRecord = EndedSession;

export function appendHistory(sessionsDir: string, record: HistoryRecord): void {
  appendFileSync(join(sessionsDir, HISTORY_FILE), `${JSON.stringify(record)}\n`, { mode: 0o644 });
}

/** What `session restore` needs beside the refs: the goals, the port block, the copied files, the session log, and every saved ref. */
export function restoreFacts(
  entry: SessionEntry,
  savedRefs: SavedRef[],
): Pick<HistoryRecord, 'goals' | 'port' | 'copiedFiles' | 'sessionLog' | 'savedRefs' | 'issue' | 'pr'> {
  return {
    goals: entry.goals,
    ...(entry.port ? { port: entry.port } : {}),
    copiedFiles: entry.copiedFiles ?? [],
    sessionLog: entry.sessionLog,
    savedRefs,
    ...(entry.issue ? { issue: entry.issue } : {}),
    ...(entry.pr ? { pr: entry.pr } : {}),
  };
}

/** A history of many thousands of sessions fits; anything older is not read. */
export const MAX_HISTORY_BYTES = 16 * 1024 * 1024;

export interface HistoryRead {
  records: EndedSession[];
  /** Lines that were not well-formed records. */
  skipped: number;
  /** Why the file could not be read at all; null when it was read (or is absent). */
  problem: string | null;
}

/** The well-formed records of .history.jsonl, oldest first. */
export function readHistory(sessionsDir: string, maxBytes = MAX_HISTORY_BYTES): HistoryRead {
  const path = join(sessionsDir, HISTORY_FILE);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { records: [], skipped: 0, problem: null };
    return { records: [], skipped: 0, problem: `${path} cannot be read (${code ?? (error as Error).message})` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { records: [], skipped: 0, problem: `${path} is not a regular file` };
    const start = Math.max(0, stat.size - maxBytes);
    const buffer = Buffer.alloc(stat.size - start);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, start + length);
      if (read === 0) break;
      length += read;
    }
    let text = buffer.subarray(0, length).toString('utf8');
    // Reading from the middle of the file: the first line is a fragment.
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    const { records, skipped } = parseHistory(text);
    return { records, skipped, problem: null };
  } finally {
    closeSync(fd);
  }
}
