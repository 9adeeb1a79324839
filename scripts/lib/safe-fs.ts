/**
 * File I/O on paths that come from a repository, where a committed symlink, a FIFO or a
 * device can stand in place of a file. Reads take regular files only, never through a
 * symlink at the last step, and never more than a cap; opening never blocks. Writes never
 * follow a symlink at any step below the folder they are confined to.
 */
import {
  closeSync,
  constants,
  fsyncSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { cryptoModule } from './builtins.js';
import { below, isNormalAbsolute } from './below.js';
import { dirname, join, relative, resolve, sep } from 'node:path';

export type UnsafeReason = 'symlink' | 'not-a-file' | 'too-large' | 'outside' | 'through-symlink' | 'blocked';

/** A path that must not be read or written as asked; `reason` says why, for messages and codes. */
export class UnsafeFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: UnsafeReason,
    detail: string,
  ) {
    super(`${path} ${detail}`);
    this.name = 'UnsafeFileError';
  }
}

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/** `followSymlinks`: for files the user owns rather than the repository (git's config files), a symlink is read through. */
export interface BoundedRead {
  followSymlinks?: boolean;
}

/**
 * The text of a regular file, or null when nothing is there. Throws UnsafeFileError for a
 * symlink (unless told to follow it), a FIFO, a device or a folder, and for a file larger
 * than `maxBytes`.
 */
export function readBoundedFile(path: string, maxBytes: number, options: BoundedRead = {}): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (options.followSymlinks ? 0 : O_NOFOLLOW) | O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'ELOOP' || code === 'EMLINK')
      throw new UnsafeFileError(path, 'symlink', 'is a symbolic link, not a file');
    if (code === 'EISDIR') throw new UnsafeFileError(path, 'not-a-file', 'is a folder, not a file');
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UnsafeFileError(path, 'not-a-file', 'is not a regular file');
    if (stat.size > maxBytes)
      throw new UnsafeFileError(path, 'too-large', `is ${stat.size} bytes, over the ${maxBytes}-byte limit`);
    // The file can grow between fstat and read: read to its end, never past the cap.
    let buffer = Buffer.alloc(Math.min(maxBytes + 1, stat.size + 1));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw new UnsafeFileError(path, 'too-large', `is over the ${maxBytes}-byte limit`);
        const larger = Buffer.alloc(Math.min(maxBytes + 1, buffer.length * 2));
        buffer.copy(larger);
        buffer = larger;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > maxBytes) throw new UnsafeFileError(path, 'too-large', `is over the ${maxBytes}-byte limit`);
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

export function readBoundedText(path: string, maxBytes: number, options: BoundedRead = {}): string | null {
  return readBoundedFile(path, maxBytes, options)?.toString('utf8') ?? null;
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/**
 * Checks that `rel` names a place below `root` reached without any symlink, creating the
 * missing folders one at a time (so none is created through a link). Returns the absolute path.
 */
export function confinedPath(root: string, rel: string, options: { createFolders: boolean }): string {
  const rootReal = realpathSync(root);
  const target = resolve(rootReal, rel);
  const within = relative(rootReal, target);
  if (within === '' || within.startsWith('..') || resolve(rootReal, within) !== target) {
    throw new UnsafeFileError(target, 'outside', `is outside ${rootReal}`);
  }
  const parts = within.split(sep);
  let current = rootReal;
  for (let i = 0; i < parts.length - 1; i++) {
    current = join(current, parts[i]!);
    const stat = lstatOrNull(current);
    if (!stat) {
      if (!options.createFolders) return target;
      try {
        mkdirSync(current);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      continue;
    }
    if (stat.isSymbolicLink())
      throw new UnsafeFileError(current, 'through-symlink', 'is a symbolic link; nothing is written through it');
    if (!stat.isDirectory()) throw new UnsafeFileError(current, 'blocked', 'is a file where a folder should be');
  }
  // A folder swapped for a link after the walk still cannot carry the write outside.
  if (options.createFolders && realpathSync(dirname(target)) !== dirname(target)) {
    throw new UnsafeFileError(target, 'through-symlink', 'lies beyond a symbolic link; nothing is written through it');
  }
  return target;
}

export interface ConfinedWrite {
  /** Fail with EEXIST instead of replacing a file already there. */
  exclusive?: boolean;
  mode?: number;
}

/**
 * Writes `content` to `rel` below `root`: never through a symlink at any step, never over a
 * symlink, FIFO or device at the last step. A replacement goes through a temporary file and
 * a rename, so readers see the old or the new content. Returns the absolute path.
 */
export function writeConfinedFile(
  root: string,
  rel: string,
  content: string | Buffer,
  options: ConfinedWrite = {},
): string {
  const target = confinedPath(root, rel, { createFolders: true });
  const existing = lstatOrNull(target);
  if (existing && !existing.isFile()) {
    throw new UnsafeFileError(
      target,
      existing.isSymbolicLink() ? 'symlink' : 'not-a-file',
      existing.isSymbolicLink() ? 'is a symbolic link; it is not written through' : 'is not a regular file',
    );
  }
  const mode = options.mode ?? 0o644;
  if (options.exclusive) {
    const fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, mode);
    try {
      writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    } finally {
      closeSync(fd);
    }
    return target;
  }
  writeAtomically(target, content, { mode: existing ? existing.mode & 0o7777 : mode });
  return target;
}

/**
 * The one atomic replace: the content goes to a new temporary file beside `target` (never
 * through a symlink), then is renamed over it, so a reader sees the old file or the new one,
 * whole. `durable` also fsyncs the file and its folder, for a file a crash must not lose.
 * The temporary name, `<target>.<pid>.<nonce>.tmp`, lets cleanup tell a dead writer's leftover.
 */
export function writeAtomically(
  target: string,
  content: string | Buffer,
  options: { mode?: number; durable?: boolean } = {},
): void {
  const temp = `${target}.${process.pid}.${cryptoModule().randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW,
    options.mode ?? 0o644,
  );
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    if (options.durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, target);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
  if (options.durable) syncFolder(dirname(target));
}

function syncFolder(folder: string): void {
  try {
    const fd = openSync(folder, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* some platforms cannot fsync a folder; the rename is still atomic */
  }
}

/** No path a tool can open is longer; anything longer is not a path worth resolving. */
export const MAX_PATH_BYTES = 4096;

/**
 * The real path of a file or folder that may not exist yet: its nearest existing ancestor,
 * resolved through symlinks, joined with the rest. Linear in the number of path steps.
 */
export function realPathAllowMissing(path: string): string {
  const absolute = resolve(path);
  if (Buffer.byteLength(absolute) > MAX_PATH_BYTES)
    throw new UnsafeFileError(
      absolute.slice(0, 80),
      'too-large',
      `(a path of ${Buffer.byteLength(absolute)} bytes) is longer than any path the system can open`,
    );
  const missing: string[] = [];
  let folder = absolute;
  for (;;) {
    try {
      const real = realpathSync(folder);
      return missing.length === 0 ? real : join(real, ...missing.reverse());
    } catch {
      const parent = dirname(folder);
      if (parent === folder) return absolute;
      missing.push(folder.slice(parent.length).replace(/^[/\\]+/, ''));
      folder = parent;
    }
  }
}

/**
 * realPathAllowMissing for many paths in a few folders (every session's worktree in the
 * sessions folder): each folder is resolved once, and each path then costs one lstat of its
 * last step (resolved in full only when that step is a symlink itself).
 */
export function realPathResolver(): (path: string) => string {
  const folders = new Map<string, string>();
  return (path) => {
    const absolute = isNormalAbsolute(path) ? path : resolve(path);
    // resolve() normalised it: its folder and name are either side of the last slash (path.dirname and basename
    // would walk it again, in every session, for every edit).
    const slash = absolute.lastIndexOf('/');
    if (slash <= 0 || Buffer.byteLength(absolute) > MAX_PATH_BYTES) return realPathAllowMissing(absolute);
    const parent = absolute.slice(0, slash);
    let realParent = folders.get(parent);
    if (realParent === undefined) folders.set(parent, (realParent = realPathAllowMissing(parent)));
    const candidate = below(realParent, absolute.slice(slash + 1));
    try {
      return lstatSync(candidate, { throwIfNoEntry: false })?.isSymbolicLink()
        ? realPathAllowMissing(candidate)
        : candidate;
    } catch {
      return realPathAllowMissing(absolute);
    }
  };
}

/** SHA-256 of a regular file's content, read in chunks; null when it is not a regular file. */
export function fileDigest(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!fstatSync(fd).isFile()) return null;
    const hash = cryptoModule().createHash('sha256');
    const chunk = Buffer.alloc(1 << 20);
    for (
      let read = readSync(fd, chunk, 0, chunk.length, null);
      read > 0;
      read = readSync(fd, chunk, 0, chunk.length, null)
    ) {
      hash.update(chunk.subarray(0, read));
    }
    return hash.digest('hex');
  } finally {
    closeSync(fd);
  }
}

/**
 * Which of `paths` (relative to `root`) a checkout would have to write over: the path itself
 * exists, or a step of it exists as something other than a folder. For the files a merge adds,
 * these are untracked or ignored files there that git would replace or refuse on.
 */
export function pathsInTheWay(root: string, paths: readonly string[]): string[] {
  return [...whatStandsInTheWay(root, paths).keys()];
}

/** The same, each with what stands there: the path itself, or the step of it that is not a folder. */
export function whatStandsInTheWay(root: string, paths: readonly string[]): Map<string, string> {
  const known = new Map<string, 'dir' | 'other' | 'none'>();
  const kind = (path: string) => {
    let found = known.get(path);
    if (!found) {
      const stat = lstatOrNull(join(root, path));
      found = !stat ? 'none' : stat.isDirectory() && !stat.isSymbolicLink() ? 'dir' : 'other';
      known.set(path, found);
    }
    return found;
  };
  const standingAt = (path: string): string | null => {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const step = parts.slice(0, i).join('/');
      const found = kind(step);
      if (found === 'none') return null;
      if (found === 'other') return step;
    }
    return kind(path) === 'none' ? null : path;
  };
  const standing = new Map<string, string>();
  for (const path of paths) {
    const blocker = standingAt(path);
    if (blocker !== null) standing.set(path, blocker);
  }
  return standing;
}
