/**
 * Copies an installed dependency tree into a new worktree: by copy-on-write where the file
 * system can (reflink on btrfs and xfs, clonefile on APFS; Node asks for it and falls back to
 * a plain copy), or, on request, by hard links, which share every file with the original.
 * Symbolic links are copied as links, never followed.
 */
import {
  constants,
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';

export interface CloneOutcome {
  files: number;
  bytes: number;
}

export function cloneTree(from: string, to: string, link: boolean): CloneOutcome {
  const outcome: CloneOutcome = { files: 0, bytes: 0 };
  const walk = (source: string, target: string) => {
    const stat = lstatSync(source);
    mkdirSync(target, { mode: stat.mode & 0o7777 });
    for (const name of readdirSync(source)) {
      const from = join(source, name);
      const into = join(target, name);
      const entry = lstatSync(from);
      if (entry.isDirectory()) walk(from, into);
      else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(from), into);
      else if (entry.isFile()) {
        if (link) linkSync(from, into);
        else copyFileSync(from, into, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
        outcome.files++;
        outcome.bytes += entry.size;
      }
      // Sockets, FIFOs and devices have no place in a package tree: left out.
    }
  };
  walk(from, to);
  return outcome;
}
