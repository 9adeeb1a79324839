/**
 * What a side of a merge changed, as `git diff-tree -r --name-status --no-renames` lists it, and whether two sides'
 * changes can meet at all. When they cannot, the merge is clean without asking merge-tree.
 */
import { foldersAbove } from './paths.js';

/** One path one side added (A), deleted (D), or changed in place (M, T, U, X); `?` when only the path is known. */
export interface TreeChange {
  status: string;
  path: string;
}

/** A change known by its path alone: it may be an add or a delete, and counts as both. */
const UNKNOWN = '?';

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Parses `git diff-tree --stdin --always -r -z --name-status --no-renames` fed one `<commit> <parent>` line per
 * comparison: each comparison's output starts with the commit's id, then a status and a path per change. The
 * result has one list per line fed in, in order; null when the output does not follow the lines (then it is not
 * to be trusted).
 */
export function parseTreeChangesBatch(stdout: string, commits: readonly string[]): TreeChange[][] | null {
  const fields = stdout.split('\0');
  if (fields[fields.length - 1] === '') fields.pop();
  const lists: TreeChange[][] = [];
  let at = 0;
  while (at < fields.length) {
    const header = fields[at++]!;
    if (!OBJECT_ID.test(header) || header !== commits[lists.length]) return null;
    const changes: TreeChange[] = [];
    // A status is one letter (no scores: renames are off); a header is a whole object id.
    while (at < fields.length && fields[at]!.length === 1) {
      const path = fields[at + 1];
      if (path === undefined || path === '') return null;
      changes.push({ status: fields[at]!, path });
      at += 2;
    }
    lists.push(changes);
  }
  return lists.length === commits.length ? lists : null;
}

interface Side {
  paths: Set<string>;
  folders: Set<string>;
  /** Folders that hold a path this side deleted: a folder this side renamed whole is one of them. */
  foldersLosingPaths: Set<string>;
  added: string[];
}

/** Case is folded: on a case-insensitive checkout, two spellings of one path are one file. */
function sideOf(changes: readonly TreeChange[]): Side {
  const side: Side = { paths: new Set(), folders: new Set(), foldersLosingPaths: new Set(), added: [] };
  for (const change of changes) {
    const path = change.path.toLowerCase();
    side.paths.add(path);
    for (const folder of foldersAbove(path)) {
      side.folders.add(folder);
      if (change.status === 'D' || change.status === UNKNOWN) side.foldersLosingPaths.add(folder);
    }
    if (change.status === 'A' || change.status === UNKNOWN) side.added.push(path);
  }
  return side;
}

/**
 * Whether merging two sides' changes (each since their one merge base) could be anything but clean. A merge meets
 * trouble only where the sides' changes meet: the same path (content, add/add, modify/delete, either end of a
 * rename); a path on one side that is a folder on the other (file/directory); or a path one side adds inside a
 * folder the other side may have renamed whole, which git's directory-rename detection would move. False only
 * when none of these can be.
 */
export function changesMayMeet(ours: readonly TreeChange[], theirs: readonly TreeChange[]): boolean {
  const a = sideOf(ours);
  const b = sideOf(theirs);
  for (const path of a.paths) if (b.paths.has(path) || b.folders.has(path)) return true;
  for (const path of b.paths) if (a.folders.has(path)) return true;
  const intoRenamedFolder = (added: readonly string[], other: Side) =>
    added.some((path) => foldersAbove(path).some((folder) => other.foldersLosingPaths.has(folder)));
  return intoRenamedFolder(a.added, b) || intoRenamedFolder(b.added, a);
}

/**
 * The same question where only the paths each side changed are known, not how: each may be new or a deletion, so a
 * path one side changed in a folder where the other changed one counts as meeting.
 */
export function pathsMayMeet(ours: readonly string[], theirs: readonly string[]): boolean {
  const known = (paths: readonly string[]) => paths.map((path) => ({ status: UNKNOWN, path }));
  return changesMayMeet(known(ours), known(theirs));
}
