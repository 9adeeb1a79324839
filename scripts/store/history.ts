/**
 * Ended sessions leave the manifest but are never forgotten: each one is appended as a JSON
 * line to the sessions folder's .history.jsonl. Callers append while holding the manifest lock.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { HISTORY_FILE } from '../core/paths.js';

export interface HistoryRecord {
  id: string;
  branch: string;
  /** pr, merge, keep, abandon, or a cleanup action such as cleanup-orphan. */
  strategy: string;
  head: string | null;
  base: { branch: string; commit: string };
  endedAt: string;
  /** Where the work can be found afterwards: a ref, a PR URL, a merge commit. */
  savedAs?: string;
  [extra: string]: unknown;
}

export function appendHistory(sessionsDir: string, record: HistoryRecord): void {
  appendFileSync(join(sessionsDir, HISTORY_FILE), `${JSON.stringify(record)}\n`, { mode: 0o644 });
}
