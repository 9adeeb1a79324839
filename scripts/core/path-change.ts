/**
 * Whether one path is changed, uncommitted, in a worktree, decided as `git status` decides it
 * from the index entry and the file's stat data, without running git. Pure: the caller reads
 * the index and stats the file. Where the answer needs the content, the verdict says so
 * (`hash`); where git's own rules (ignore files, file modes, symlink settings, submodules,
 * skip-worktree and assume-unchanged entries) decide, it says `ask-git`, and the caller runs
 * `git status` for that path.
 */
import {
  MODE_EXECUTABLE,
  MODE_FILE,
  MODE_GITLINK,
  MODE_SYMLINK,
  type IndexEntry,
  type PathLookup,
} from './git-index.js';
import { hasSettled } from './settled-stat.js';

export interface DiskFacts {
  /** `other` also stands for a file reached through a symlinked parent folder, which git does not follow. */
  kind: 'file' | 'symlink' | 'folder' | 'other' | 'missing';
  /** The owner's execute bit, which is what git records as mode 100755. */
  executable: boolean;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
  uid: number;
  gid: number;
}

/**
 * The disk facts as the key of an answer kept for this path (core/settled-stat.ts): null while
 * the file has not settled, or when it is not something whose verdict is kept (an unreadable
 * kind, or one reached through a symlinked folder, which git is left to judge).
 */
export function settledDiskKey(disk: DiskFacts, nowNs: bigint): string | null {
  if (disk.kind === 'other' || (disk.kind !== 'missing' && !hasSettled(disk, nowNs))) return null;
  return diskKey(disk);
}

/** What is on disk now, to compare with a settled key: any write, chmod, move or change of kind changes it. */
export function diskKey(disk: DiskFacts): string {
  return disk.kind === 'missing'
    ? 'missing'
    : `${disk.kind}:${disk.executable}:${disk.size}:${disk.mtimeNs}:${disk.ctimeNs}:${disk.ino}:${disk.uid}:${disk.gid}`;
}

export type WorktreeVerdict =
  /** An uncommitted change for certain: deleted, a conflict, `git add -N`, a different type. */
  | { verdict: 'changed' }
  /** The file is as the index has it; what the index holds against HEAD is still to be asked. */
  | { verdict: 'clean'; entry: IndexEntry | null }
  /** Stat data differ, or are too recent to trust (racy): compare the content's id with the entry's. */
  | { verdict: 'hash'; entry: IndexEntry }
  /** On disk and not in the index: git's ignore rules decide whether status lists it. */
  | { verdict: 'untracked' }
  | { verdict: 'ask-git'; reason: string };

const NS = 1_000_000_000n;
const low32 = (value: bigint) => Number(value & 0xffffffffn);

/**
 * True when the entry's stat data are the file's: git then takes the file as unchanged
 * without reading it. Nanoseconds count only where the index recorded them (a git built
 * without USE_NSEC writes 0). Comparing more fields than git does only costs a hash.
 */
export function statMatches(entry: IndexEntry, disk: DiskFacts): boolean {
  const mtimeSec = disk.mtimeNs / NS;
  const ctimeSec = disk.ctimeNs / NS;
  return (
    entry.size === low32(disk.size) &&
    entry.mtimeSec === low32(mtimeSec) &&
    (entry.mtimeNsec === 0 || entry.mtimeNsec === Number(disk.mtimeNs % NS)) &&
    entry.ctimeSec === low32(ctimeSec) &&
    (entry.ctimeNsec === 0 || entry.ctimeNsec === Number(disk.ctimeNs % NS)) &&
    entry.ino === low32(disk.ino) &&
    entry.uid === disk.uid >>> 0 &&
    entry.gid === disk.gid >>> 0
  );
}

/**
 * git's racy-git rule, at whole seconds: a file written in the same second as the index (or
 * later) may have changed after git looked at it, with the same stat data.
 */
export function isRacy(entry: IndexEntry, indexMtimeNs: bigint): boolean {
  return entry.mtimeSec >= low32(indexMtimeNs / NS);
}

const EMPTY_BLOBS = new Set([
  'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391',
  '473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813',
]);

/**
 * An entry whose size git set to 0 when it wrote the index in the same second as the file
 * (smudged, so that a later edit of the same size is not taken for clean), while its content
 * is not empty: git compares the content then, whatever the stat data say.
 */
export function isSmudged(entry: IndexEntry): boolean {
  return entry.size === 0 && !EMPTY_BLOBS.has(entry.oid);
}

export function worktreeVerdict(lookup: PathLookup, disk: DiskFacts, indexMtimeNs: bigint): WorktreeVerdict {
  if (lookup.insideSubmodule) return { verdict: 'ask-git', reason: 'inside a submodule' };
  if (lookup.folder) return { verdict: 'ask-git', reason: 'a folder in this worktree' };
  if (lookup.entries.some((entry) => entry.stage !== 0)) return { verdict: 'changed' };
  const entry = lookup.entries[0];
  if (!entry) {
    if (disk.kind === 'missing') return { verdict: 'clean', entry: null };
    if (disk.kind === 'other') return { verdict: 'ask-git', reason: 'not a plain file' };
    return { verdict: 'untracked' };
  }
  if (entry.mode === MODE_GITLINK) return { verdict: 'ask-git', reason: 'a submodule' };
  if (entry.intentToAdd) return { verdict: 'changed' };
  // git skips these files, or (in a sparse checkout) takes the flag back for a file present on disk.
  if (entry.skipWorktree) return { verdict: 'ask-git', reason: 'skip-worktree' };
  if (entry.assumeValid) return { verdict: 'ask-git', reason: 'assume-unchanged' };
  if (disk.kind === 'missing' || disk.kind === 'folder') return { verdict: 'changed' };
  if (disk.kind === 'other') return { verdict: 'ask-git', reason: 'not a plain file' };
  const symlinkEntry = entry.mode === MODE_SYMLINK;
  if (symlinkEntry !== (disk.kind === 'symlink'))
    return { verdict: 'ask-git', reason: 'a type change (core.symlinks decides)' };
  if (!symlinkEntry) {
    if (entry.mode !== MODE_FILE && entry.mode !== MODE_EXECUTABLE)
      return { verdict: 'ask-git', reason: 'an unknown mode' };
    if ((entry.mode === MODE_EXECUTABLE) !== disk.executable)
      return { verdict: 'ask-git', reason: 'a mode change (core.fileMode decides)' };
  }
  if (statMatches(entry, disk) && !isRacy(entry, indexMtimeNs) && !isSmudged(entry)) return { verdict: 'clean', entry };
  return { verdict: 'hash', entry };
}
