/**
 * What is on disk at one path of a worktree, as git's comparison with the index needs it, and
 * the stat data that name a file's version: the editing hook's only looks at a worktree's files.
 */
import { lstatSync } from 'node:fs';
import { below } from '../../lib/below.js';
import type { DiskFacts } from '../../core/path-change.js';
import type { StatFacts } from '../../core/settled-stat.js';

/** The path's stat data as git compares them with its index entry. */
export function diskFacts(worktree: string, rel: string): DiskFacts {
  const path = below(worktree, rel);
  const none: DiskFacts = {
    kind: 'missing',
    executable: false,
    size: 0n,
    mtimeNs: 0n,
    ctimeNs: 0n,
    ino: 0n,
    uid: 0,
    gid: 0,
  };
  let stat;
  try {
    stat = lstatSync(path, { bigint: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? none : { ...none, kind: 'other' };
  }
  const kind = stat.isFile() ? 'file' : stat.isSymbolicLink() ? 'symlink' : stat.isDirectory() ? 'folder' : 'other';
  return {
    kind: foldersAreReal(worktree, rel) ? kind : 'other',
    executable: (stat.mode & 0o100n) !== 0n,
    size: stat.size,
    mtimeNs: stat.mtimeNs,
    ctimeNs: stat.ctimeNs,
    ino: stat.ino,
    uid: Number(stat.uid),
    gid: Number(stat.gid),
  };
}

/**
 * git does not follow a symlinked folder on the way to a tracked file: such a path is left to git. The worktree's own
 * path is real (worktreeOf resolves it), so only the folders of `rel` below it are looked at, one lstat each.
 */
function foldersAreReal(worktree: string, rel: string): boolean {
  let folder = worktree;
  const steps = rel.split('/');
  for (let i = 0; i < steps.length - 1; i++) {
    folder = below(folder, steps[i]!);
    try {
      if (!lstatSync(folder).isDirectory()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** The stat data that tell this file's versions apart (core/settled-stat.ts); null when there is nothing there or it cannot be looked at. */
export function statFactsOf(path: string): StatFacts | null {
  let stat;
  try {
    stat = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return null;
  }
  if (!stat) return null;
  return {
    kind: stat.isFile() ? 'file' : stat.isSymbolicLink() ? 'symlink' : stat.isDirectory() ? 'folder' : 'other',
    dev: stat.dev,
    ino: stat.ino,
    size: stat.size,
    mtimeNs: stat.mtimeNs,
    ctimeNs: stat.ctimeNs,
  };
}
