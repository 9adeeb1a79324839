/**
 * The lines of `.history.jsonl`, read back. A line is written by `end` or `cleanup`, but the
 * file lives on disk where a hand edit or an older version of the pack can have put anything,
 * so each line is checked field by field: a record without its core fields is skipped, and
 * an optional field that does not check out is dropped (an older record simply lacks it).
 * Pure: the file is read in store/history.ts.
 */
import type { IssueLink, PortBlock, PrLink } from './manifest-types.js';
import { sessionNameProblem } from './names.js';
import { staysInside } from './entry-trust.js';

/** One thing an end saved under a ref: the branch tip, the uncommitted work, ignored files, a nested repository. */
export interface SavedRef {
  what: 'tip' | 'changes' | 'ignored' | 'nested';
  /** The ref; for `nested`, the prefix below which HEAD, heads/* and worktree were saved. */
  ref: string;
  /** For `nested`: the repository's folder, relative to the worktree. */
  path?: string;
}

/** What the history knows about one ended session. */
export interface EndedSession {
  id: string;
  branch: string;
  /** pr, merge, keep, abandon, or a cleanup action such as cleanup-orphan. */
  strategy: string;
  head: string | null;
  base: { branch: string; commit: string };
  endedAt: string;
  /** Where the work was kept: the abandoned tip ref, or refs/heads/<branch> for a kept branch. */
  savedAs?: string;
  savedWorktreeAs?: string;
  prUrl?: string;
  mergeCommit?: string;
  /** Why cleanup ended it, for a cleanup record. */
  reason?: string;
  /** Written since restore exists; an older record has none of these. */
  goals?: string[];
  port?: PortBlock;
  copiedFiles?: string[];
  sessionLog?: string | null;
  savedRefs?: SavedRef[];
  issue?: IssueLink;
  pr?: PrLink;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const SAVED_WHAT = new Set<SavedRef['what']>(['tip', 'changes', 'ignored', 'nested']);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A plain name git could hold: no control characters, spaces, `..`, or a leading `-`. */
export function plainRefName(value: unknown, maxLength = 1024): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= maxLength &&
    !CONTROL.test(value) &&
    !/[\s~^:?*[\\]/.test(value) &&
    !value.includes('..') &&
    !value.startsWith('-') &&
    !value.endsWith('/') &&
    !value.endsWith('.lock')
  );
}

/** A full ref under refs/: what savedAs and the saved refs must be. */
export function fullRef(value: unknown): value is string {
  return plainRefName(value) && value.startsWith('refs/') && !value.includes('//');
}

function savedRefOf(value: unknown): SavedRef | null {
  if (!isObject(value)) return null;
  const what = value.what as SavedRef['what'];
  if (!SAVED_WHAT.has(what) || !fullRef(value.ref)) return null;
  if (what !== 'tip' && !value.ref.startsWith('refs/sessions/')) return null;
  if (what === 'nested') {
    if (typeof value.path !== 'string' || !staysInside(value.path)) return null;
    return { what, ref: value.ref, path: value.path };
  }
  return { what, ref: value.ref };
}

function issueLinkOf(value: unknown): IssueLink | null {
  if (!isObject(value) || !Number.isInteger(value.number) || (value.number as number) < 1) return null;
  if (
    typeof value.url !== 'string' ||
    value.url.length > 2048 ||
    CONTROL.test(value.url) ||
    typeof value.title !== 'string' ||
    value.title.length > 1000
  )
    return null;
  return { number: value.number as number, url: value.url, title: value.title };
}

/** One record, checked; null when a core field is missing or malformed. */
export function parseHistoryRecord(value: unknown): EndedSession | null {
  if (!isObject(value)) return null;
  const { id, branch, strategy, head, base, endedAt } = value;
  if (typeof id !== 'string' || sessionNameProblem(id) !== null) return null;
  if (!plainRefName(branch, 255)) return null;
  if (typeof strategy !== 'string' || strategy.length === 0 || strategy.length > 64) return null;
  if (head !== null && !(typeof head === 'string' && SHA.test(head))) return null;
  if (!isObject(base) || !plainRefName(base.branch, 255) || typeof base.commit !== 'string' || !SHA.test(base.commit))
    return null;
  if (typeof endedAt !== 'string' || !TIMESTAMP.test(endedAt)) return null;
  const record: EndedSession = {
    id,
    branch,
    strategy,
    head: head as string | null,
    base: { branch: base.branch, commit: base.commit },
    endedAt,
  };
  if (fullRef(value.savedAs)) record.savedAs = value.savedAs;
  if (fullRef(value.savedWorktreeAs) && value.savedWorktreeAs.startsWith('refs/sessions/'))
    record.savedWorktreeAs = value.savedWorktreeAs;
  if (typeof value.prUrl === 'string' && value.prUrl.length <= 2048) record.prUrl = value.prUrl;
  if (typeof value.mergeCommit === 'string' && SHA.test(value.mergeCommit)) record.mergeCommit = value.mergeCommit;
  if (typeof value.reason === 'string' && value.reason.length <= 4096) record.reason = value.reason;
  if (Array.isArray(value.goals) && value.goals.every((goal) => typeof goal === 'string'))
    record.goals = value.goals as string[];
  const port = value.port;
  if (
    isObject(port) &&
    Number.isInteger(port.base) &&
    Number.isInteger(port.count) &&
    (port.base as number) >= 1 &&
    (port.count as number) >= 1 &&
    (port.base as number) + (port.count as number) - 1 <= 65535
  ) {
    record.port = { base: port.base as number, count: port.count as number };
  }
  if (
    Array.isArray(value.copiedFiles) &&
    value.copiedFiles.every((path) => typeof path === 'string' && staysInside(path))
  )
    record.copiedFiles = value.copiedFiles as string[];
  if (value.sessionLog === null || (typeof value.sessionLog === 'string' && staysInside(value.sessionLog)))
    record.sessionLog = value.sessionLog as string | null;
  if (Array.isArray(value.savedRefs)) {
    const refs = value.savedRefs.map(savedRefOf);
    if (refs.every((ref): ref is SavedRef => ref !== null)) record.savedRefs = refs;
  }
  const issue = issueLinkOf(value.issue);
  if (issue) record.issue = issue;
  const pr = issueLinkOf(value.pr);
  if (pr && isObject(value.pr) && plainRefName(value.pr.remote, 255) && plainRefName(value.pr.branch, 255))
    record.pr = { ...pr, remote: value.pr.remote, branch: value.pr.branch };
  return record;
}

/** Every well-formed record of the text, in file order; a line that is not JSON or not a record is skipped and counted. */
export function parseHistory(text: string): { records: EndedSession[]; skipped: number } {
  const records: EndedSession[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    const record = parseHistoryRecord(parsed);
    if (record) records.push(record);
    else skipped++;
  }
  return { records, skipped };
}

/** The newest record of each session, by id. */
export function latestRecords(records: readonly EndedSession[]): Map<string, EndedSession> {
  const latest = new Map<string, EndedSession>();
  for (const record of records) latest.set(record.id, record);
  return latest;
}
