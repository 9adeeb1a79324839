/**
 * Undoing what a step of ours left half done when it was killed, decided from facts alone:
 * the session-log line a sync or keep had written but not yet committed, and the files a
 * merge's checkout had written before git died. Each rule takes back only a change it can
 * prove is ours; anything else is left where it is.
 */
import { hasMergePendingNote, mergePendingNote } from './end-plan.js';
import { unquoteGitPath } from './quoted-path.js';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** keep's note, as the end of a log: built from the note itself, so the two never drift apart. */
const MERGE_PENDING_AT_END = new RegExp(
  `${escape(mergePendingNote('\u0000', '\u0000', '\u0000'))
    .split('\u0000')
    .join('[^\\n]*')}$`,
);
const LAST_SYNCED_LINE = /^\*\*Last synced with base:\*\*.*(?:\n|$)/m;

/**
 * The session log as it was before an interrupted keep appended its merge-pending note, or an
 * interrupted sync set its "Last synced with base" line; null when the difference from the
 * committed log is not only that.
 */
export function logBeforeOwnEdit(committed: string | null, current: string): string | null {
  if (committed === current) return null;
  if (MERGE_PENDING_AT_END.test(current)) {
    const before = current.replace(MERGE_PENDING_AT_END, '');
    if (!hasMergePendingNote(before)) return before;
  }
  // sync only runs on a committed, unchanged log, so what is committed is what it was.
  if (
    committed !== null &&
    LAST_SYNCED_LINE.test(current) &&
    current.replace(LAST_SYNCED_LINE, '') === committed.replace(LAST_SYNCED_LINE, '')
  )
    return committed;
  return null;
}

/**
 * How far an operation of ours got, when it is provably ours and was left undone:
 * - `stopped`: a rebase or merge stopped part way (rebase-merge/ with our orig-head, or our MERGE_HEAD);
 * - `unbegun`: a rebase killed while writing its state, before it touched HEAD or a file;
 * - `half-checkout`: a merge killed while writing files, before it wrote MERGE_HEAD or moved HEAD;
 * - `committed`: a merge killed after its commit, before git removed MERGE_HEAD: finished, not backed out.
 */
export type OwnOperationState = 'stopped' | 'unbegun' | 'half-checkout' | 'committed';

/** One path a merge changes: its blob before, in the merge's result, and in the working tree now (null: absent; undefined: not comparable, such as a symbolic link). */
export interface PathVersions {
  path: string;
  before: string | null;
  target: string | null;
  now: string | null | undefined;
  /** The file holds the start of the merge's version: git was killed while writing it. */
  partOfTarget?: boolean;
}

export interface HalfCheckoutUndo {
  /** Written by the killed checkout: back to the version before. */
  restore: string[];
  /** Created by the killed checkout, absent before: removed (its content is in the merged commit). */
  remove: string[];
  /** Changed by someone else since: left alone. */
  left: string[];
}

/** Which paths to put back after a merge's checkout was killed part way through. */
export function planHalfCheckoutUndo(paths: readonly PathVersions[]): HalfCheckoutUndo {
  const undo: HalfCheckoutUndo = { restore: [], remove: [], left: [] };
  for (const { path, before, target, now, partOfTarget } of paths) {
    if (now === before) continue; // not reached by the checkout
    if (now !== undefined && (now === target || partOfTarget))
      (before === null ? undo.remove : undo.restore).push(path);
    // git unlinks a file before it writes the new version: putting a missing file back loses nothing.
    else if (now === null) undo.restore.push(path);
    else undo.left.push(path);
  }
  return undo;
}

/** The files git names when a reset (as `rebase --abort` does) would overwrite untracked files. */
export function untrackedInTheWay(gitStderr: string): string[] {
  const lines = gitStderr.split('\n');
  const start = lines.findIndex((line) => /untracked working tree files would be overwritten/.test(line));
  if (start === -1) return [];
  const paths: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^\t/.test(line)) break;
    paths.push(unquoteGitPath(line.slice(1)));
  }
  return paths;
}
