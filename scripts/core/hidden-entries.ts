/**
 * Index entries whose changes `git status` does not show: those marked assume-unchanged
 * (`git update-index --assume-unchanged`) or skip-worktree (`--skip-worktree`, and every path a
 * sparse checkout leaves out). git trusts the mark and never looks at the file, so an edit to it
 * is in no status, no stash and no `git add --all`. Before a worktree is removed, each such file
 * that is on disk is compared with what the index holds (git/changes.ts, hiddenChanges).
 */
import type { StatusEntry } from './status-porcelain.js';

export type HiddenBy = 'assume-unchanged' | 'skip-worktree';

export interface MarkedEntry {
  path: string;
  mode: string;
  oid: string;
  hiddenBy: HiddenBy;
}

/**
 * The marked entries of `git ls-files -z -v -s` ("<tag> <mode> <oid> <stage>\t<path>"): tag S is
 * skip-worktree, a lower-case tag assume-unchanged. Unmerged entries (stage > 0) and submodules
 * (mode 160000, looked into on their own) are left out.
 */
export function parseMarkedEntries(output: string): MarkedEntry[] {
  const marked: MarkedEntry[] = [];
  for (const record of output.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [tag = '', mode = '', oid = '', stage = ''] = record.slice(0, tab).split(' ');
    const path = record.slice(tab + 1);
    if (path === '' || stage !== '0' || mode === '160000') continue;
    const hiddenBy: HiddenBy | null =
      tag === 'S' ? 'skip-worktree' : tag !== tag.toUpperCase() ? 'assume-unchanged' : null;
    if (hiddenBy) marked.push({ path, mode, oid, hiddenBy });
  }
  return marked;
}

/** What is on disk at a marked entry's path. */
export type DiskKind = 'missing' | 'file' | 'symlink' | 'other';

/**
 * The status entry of a marked file that differs from its index entry, or null. A missing file
 * is no loss (a sparse checkout leaves it out by design, and the branch holds it); anything
 * there of another kind, or whose content id is not the index's, is a change. `diskOid` is
 * null when the content could not be hashed, and then the file counts as changed.
 */
export function hiddenChange(entry: MarkedEntry, kind: DiskKind, diskOid: string | null): StatusEntry | null {
  if (kind === 'missing') return null;
  const indexKind = entry.mode === '120000' ? 'symlink' : 'file';
  if (kind !== indexKind) return { code: ' T', path: entry.path, hiddenBy: entry.hiddenBy };
  if (diskOid !== null && diskOid === entry.oid) return null;
  return { code: ' M', path: entry.path, hiddenBy: entry.hiddenBy };
}
