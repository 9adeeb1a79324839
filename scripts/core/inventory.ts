/**
 * What a worktree holds that its branch does not, taken before the worktree is removed.
 * Pure: the status, the nested repositories and the ignored files are read elsewhere
 * (engine/worktree-removal.ts); this decides what is work to keep and what may go.
 */
import { isIgnored, isPackFile, isUntracked, type StatusEntry } from './status-porcelain.js';
import { inlineList } from './format.js';

export interface NestedRepository {
  /** Relative to the worktree, without a trailing slash. */
  path: string;
  kind: 'repository' | 'submodule';
  /** Commits reachable from its HEAD or branches that none of its remote-tracking refs has. */
  localCommits: number;
  /** Uncommitted or untracked changes of its own. */
  dirty: boolean;
  /** It sits in a folder the worktree's .gitignore ignores (a clone a tool made, say). */
  ignored: boolean;
}

export interface CopyFacts {
  /** Ignored files in the worktree that the copy rules match (.worktreeinclude, config copy, defaults). */
  matching: readonly string[];
  /** What start copied, with the digest each had then (null when not recorded). */
  copied: ReadonlyMap<string, string | null>;
  /** The digest of each matching file now. */
  digestNow: ReadonlyMap<string, string>;
  /** Every ignored file found below the ignored folders that are not build outputs, kept or not. */
  walked?: readonly string[];
}

export interface Inventory {
  /** Tracked changes and untracked files: the session's uncommitted work. */
  changes: StatusEntry[];
  /** Nested repositories and submodules with commits or changes of their own. */
  nested: NestedRepository[];
  /** Ignored files the user would miss: a copy edited in the session, or a new file the copy rules match. */
  ignoredKept: string[];
  /** Ignored entries that go with the worktree: build outputs, caches, unedited copies. */
  ignoredDropped: string[];
}

/** A path as git status lists a folder (`dir/`), without the trailing slash. */
export const withoutSlash = (path: string) => path.replace(/\/+$/, '');

/**
 * Sorts the worktree's status into work and disposables. An untracked folder that is a git
 * repository of its own is never plain work: its commits live in its own .git, so it is
 * listed in `nested` (and left out of `changes`, where it would be saved as a mere link).
 */
export function takeInventory(
  status: readonly StatusEntry[],
  packFiles: readonly string[],
  nested: readonly NestedRepository[],
  copies: CopyFacts,
): Inventory {
  const nestedPaths = new Set(nested.map((repo) => repo.path));
  const changes = status.filter((entry) => {
    if (isIgnored(entry)) return false;
    if (nestedPaths.has(withoutSlash(entry.path))) return false;
    return !(isUntracked(entry) && isPackFile(entry.path, packFiles));
  });
  const ignoredKept = copies.matching.filter((path) => {
    if (!copies.copied.has(path)) return true; // new in the session: nothing else holds it
    const then = copies.copied.get(path);
    return then === null || then !== copies.digestNow.get(path);
  });
  const kept = new Set(ignoredKept);
  const dropped = (path: string) => !kept.has(path) && !isPackFile(path, packFiles);
  // An ignored folder some of whose files are kept is named by the files of it that go, if any.
  const ignoredDropped = status
    .filter((entry) => isIgnored(entry) && dropped(entry.path))
    .flatMap((entry) =>
      entry.path.endsWith('/') && ignoredKept.some((path) => path.startsWith(entry.path))
        ? (copies.walked ?? []).filter((path) => path.startsWith(entry.path) && dropped(path))
        : [entry.path],
    )
    .filter((path) => !nestedPaths.has(withoutSlash(path)));
  return {
    changes,
    // Like any untracked folder, an untracked repository counts; a submodule, or a repository in an
    // ignored folder, counts when it holds commits or changes of its own.
    nested: nested.filter(
      (repo) => repo.localCommits > 0 || repo.dirty || (repo.kind === 'repository' && !repo.ignored),
    ),
    ignoredKept: [...ignoredKept].sort(),
    ignoredDropped,
  };
}

/** Untracked and ignored folders (as `git status` lists them, with a trailing slash) that may hold a repository. */
export function untrackedFolders(status: readonly StatusEntry[]): Array<{ path: string; ignored: boolean }> {
  return status
    .filter((entry) => (isUntracked(entry) || isIgnored(entry)) && entry.path.endsWith('/'))
    .map((entry) => ({ path: withoutSlash(entry.path), ignored: isIgnored(entry) }));
}

/** True when the inventory holds anything that must be saved before the worktree can go. */
export function holdsWork(inventory: Inventory): boolean {
  return inventory.changes.length > 0 || inventory.nested.length > 0 || inventory.ignoredKept.length > 0;
}

/** One line for people about what goes without being saved. */
export function droppedNote(inventory: Inventory): string | null {
  if (inventory.ignoredDropped.length === 0) return null;
  return `Not saved, removed with the worktree: ${inventory.ignoredDropped.length} ignored entr${inventory.ignoredDropped.length === 1 ? 'y' : 'ies'} (${inlineList(inventory.ignoredDropped, 4)}): build outputs, caches and unedited copies, which setup or the main checkout can recreate, and ignored files too large to keep (over 1 MB each, or past 500 files or 16 MB in all).`;
}
