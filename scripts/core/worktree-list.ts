/** Parsing of `git worktree list --porcelain -z`. */
export interface WorktreeRecord {
  path: string;
  head: string | null;
  /** Full ref, e.g. refs/heads/main; null when detached or bare. */
  branch: string | null;
  bare: boolean;
  detached: boolean;
  locked: boolean;
  lockedReason: string | null;
  prunable: boolean;
  prunableReason: string | null;
}

/** Records are separated by an empty field; each field is `key` or `key value`. */
export function parseWorktreeList(output: string): WorktreeRecord[] {
  const records: WorktreeRecord[] = [];
  let current: WorktreeRecord | null = null;
  for (const field of output.split('\0')) {
    if (field === '') {
      if (current) records.push(current);
      current = null;
      continue;
    }
    const space = field.indexOf(' ');
    const key = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? null : field.slice(space + 1);
    if (key === 'worktree') {
      if (current) records.push(current);
      current = {
        path: value ?? '',
        head: null,
        branch: null,
        bare: false,
        detached: false,
        locked: false,
        lockedReason: null,
        prunable: false,
        prunableReason: null,
      };
      continue;
    }
    if (!current) continue;
    switch (key) {
      case 'HEAD':
        current.head = value;
        break;
      case 'branch':
        current.branch = value;
        break;
      case 'bare':
        current.bare = true;
        break;
      case 'detached':
        current.detached = true;
        break;
      case 'locked':
        current.locked = true;
        current.lockedReason = value || null;
        break;
      case 'prunable':
        current.prunable = true;
        current.prunableReason = value || null;
        break;
    }
  }
  if (current) records.push(current);
  return records;
}

export function shortBranch(ref: string | null): string | null {
  if (!ref) return null;
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
}

/**
 * Whether a record still bears the marks `git worktree add` puts on a worktree while it makes it, on `branch`:
 * the lock with the reason "initializing", which it removes last, and a HEAD that is either the branch already or
 * still the null id it writes first, before a child process points it at the branch. A killed add leaves both.
 */
export function unfinishedAddOn(record: WorktreeRecord, branch: string): boolean {
  if (!record.locked || record.lockedReason !== 'initializing') return false;
  if (record.branch !== null) return shortBranch(record.branch) === branch;
  return record.detached && record.head !== null && /^0+$/.test(record.head);
}
