/**
 * git's index file (the staging area) read from its bytes, versions 2, 3 and 4, as
 * Documentation/gitformat-index.txt lays it out. Pure: the caller reads the bytes.
 *
 * An index of a 5,000-file worktree is about 450 KB, and the editing hook asks about one path
 * in every other session's index, so reading each whole index on every edit is too slow. The
 * layout (`indexLayout`) is made once per version of an index file and cached by the caller:
 * where every step-th entry starts and what its path is, the submodules and `.gitattributes`
 * files it holds, the extensions it needs and git's cached root tree. A lookup then reads only
 * the window of entries that can hold the path.
 *
 * Paths are kept as byte strings (one character per byte, latin1), so that comparing two of
 * them in JavaScript orders them as git does, byte by byte.
 */
import { cryptoModule } from '../lib/builtins.js';
import { sha1Hex } from './sha1.js';

/** Bytes in an object id: 20 for SHA-1 repositories, 32 for SHA-256 ones. */
export type HashBytes = 20 | 32;

/** Entries between two marks of a layout, at least; a large index gets no more than MAX_MARKS marks. */
export const LAYOUT_STEP = 128;
const MAX_MARKS = 256;

export const MODE_FILE = 0o100644;
export const MODE_EXECUTABLE = 0o100755;
export const MODE_SYMLINK = 0o120000;
export const MODE_GITLINK = 0o160000;

export interface IndexEntry {
  /** Byte string (see above). */
  path: string;
  /** 0 normally; 1, 2 and 3 for the sides of an unresolved conflict. */
  stage: number;
  mode: number;
  oid: string;
  ctimeSec: number;
  ctimeNsec: number;
  mtimeSec: number;
  mtimeNsec: number;
  ino: number;
  uid: number;
  gid: number;
  /** The file's size, truncated to 32 bits as git stores it; 0 when git smudged a racily clean entry. */
  size: number;
  /** `git update-index --assume-unchanged`: git does not look at the file. */
  assumeValid: boolean;
  /** Outside a sparse checkout (`--skip-worktree`): git does not look at the file. */
  skipWorktree: boolean;
  /** `git add -N`: a new file recorded without its content. */
  intentToAdd: boolean;
}

export interface IndexLayout {
  version: 2 | 3 | 4;
  hashBytes: HashBytes;
  count: number;
  /** Offset just past the last entry. */
  entriesEnd: number;
  /** Where every step-th entry from the first starts, and its path. */
  offsets: number[];
  paths: string[];
  /** Version 4 only (empty otherwise): the path of the entry before each of those, which its path is compressed against. */
  previous: string[];
  /** Paths of gitlink (submodule) entries. */
  submodules: string[];
  /** Paths of `.gitattributes` entries. */
  attributes: string[];
  /** How many entries are marked assume-unchanged or skip-worktree (git/changes.ts, hiddenChanges). */
  marked: number;
  /**
   * Extensions that change what the entries mean and that this reader does not follow: the
   * split index (`link`), sparse directories (`sdir`), or any other required one.
   */
  unsupported: string[];
  /** git's cached root tree (the TREE extension's first node), or null when the index has none. */
  cacheTree: CacheTreeRoot | null;
  /** The trailing checksum, hex: all zeros when git was told not to write it (index.skipHash). */
  checksum: string;
}

export class IndexFormatError extends Error {
  constructor(message: string) {
    super(`not an index git writes: ${message}`);
    this.name = 'IndexFormatError';
  }
}

/** A path as the byte string the index holds. */
export function bytePath(path: string): string {
  return Buffer.from(path, 'utf8').toString('latin1');
}

/** Above this, a blob is hashed by node's crypto module rather than by core/sha1.ts. */
const PLAIN_SHA1_BYTES = 64 * 1024;

/** The id git gives a file's content: `blob <size>\0<content>`, hashed. */
export function blobOid(content: Uint8Array, hashBytes: HashBytes): string {
  const header = Buffer.from(`blob ${content.length}\0`, 'latin1');
  if (hashBytes === 20 && content.length <= PLAIN_SHA1_BYTES) return sha1Hex(Buffer.concat([header, content]));
  return cryptoModule()
    .createHash(hashBytes === 20 ? 'sha1' : 'sha256')
    .update(header)
    .update(content)
    .digest('hex');
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const FLAG_ASSUME_VALID = 0x8000;
const FLAG_EXTENDED = 0x4000;
const FLAG_STAGE = 0x3000;
const NAME_MASK = 0x0fff;
const EXT_SKIP_WORKTREE = 0x4000;
const EXT_INTENT_TO_ADD = 0x2000;

interface Located {
  path: string;
  /** Offset, in the window, of the entry's first byte. */
  at: number;
  flags: number;
  extended: number;
  next: number;
}

/**
 * The path of the entry at `offset` of `buffer`, whose first byte is at `base` in the file,
 * and where the next entry starts. `previous` is the path of the entry before it, which
 * version 4 compresses against.
 */
function pathAt(
  buffer: Buffer,
  base: number,
  offset: number,
  version: number,
  hashBytes: HashBytes,
  previous: string,
): Located {
  const at = offset - base;
  const flagsAt = at + 40 + hashBytes;
  if (at < 0 || flagsAt + 2 > buffer.length) throw new IndexFormatError('an entry runs past the end');
  const flags = buffer.readUInt16BE(flagsAt);
  let name = flagsAt + 2;
  let extended = 0;
  if (flags & FLAG_EXTENDED) {
    if (version < 3) throw new IndexFormatError('an extended entry in a version 2 index');
    extended = buffer.readUInt16BE(name);
    name += 2;
  }
  if (version === 4) {
    let byte = buffer[name++] ?? 0;
    let strip = byte & 0x7f;
    while (byte & 0x80) {
      byte = buffer[name++] ?? 0;
      strip = (strip + 1) * 128 + (byte & 0x7f);
    }
    const end = buffer.indexOf(0, name);
    if (end < 0 || strip > previous.length) throw new IndexFormatError('a version 4 path does not decode');
    return {
      path: previous.slice(0, previous.length - strip) + buffer.toString('latin1', name, end),
      at,
      flags,
      extended,
      next: base + end + 1,
    };
  }
  const length = flags & NAME_MASK;
  const end = length < NAME_MASK ? name + length : buffer.indexOf(0, name + NAME_MASK);
  if (end < 0 || end >= buffer.length || buffer[end] !== 0) throw new IndexFormatError('a path is not terminated');
  return {
    path: buffer.toString('latin1', name, end),
    at,
    flags,
    extended,
    next: offset + ((name - at + (end - name) + 8) & ~7),
  };
}

function entryOf(buffer: Buffer, located: Located, hashBytes: HashBytes): IndexEntry {
  const { at, flags, extended } = located;
  const word = (index: number) => buffer.readUInt32BE(at + index * 4);
  return {
    path: located.path,
    stage: (flags & FLAG_STAGE) >> 12,
    mode: word(6),
    oid: buffer.toString('hex', at + 40, at + 40 + hashBytes),
    ctimeSec: word(0),
    ctimeNsec: word(1),
    mtimeSec: word(2),
    mtimeNsec: word(3),
    ino: word(5),
    uid: word(7),
    gid: word(8),
    size: word(9),
    assumeValid: (flags & FLAG_ASSUME_VALID) !== 0,
    skipWorktree: (extended & EXT_SKIP_WORKTREE) !== 0,
    intentToAdd: (extended & EXT_INTENT_TO_ADD) !== 0,
  };
}

/** Marked assume-unchanged or skip-worktree: git status does not look at the file. */
function isMarked(flags: number, extended: number): boolean {
  return (flags & FLAG_ASSUME_VALID) !== 0 || (extended & EXT_SKIP_WORKTREE) !== 0;
}

/** The size of the v2/v3 entry at `at` without decoding its path: the walk over a whole index. */
function skipEntry(
  buffer: Buffer,
  at: number,
  hashBytes: HashBytes,
): { next: number; attributes: boolean; marked: boolean } {
  const flagsAt = at + 40 + hashBytes;
  if (flagsAt + 2 > buffer.length) throw new IndexFormatError('an entry runs past the end');
  const flags = buffer.readUInt16BE(flagsAt);
  const marked = isMarked(flags, flags & FLAG_EXTENDED ? buffer.readUInt16BE(flagsAt + 2) : 0);
  const name = flagsAt + 2 + (flags & FLAG_EXTENDED ? 2 : 0);
  const length = flags & NAME_MASK;
  const end = length < NAME_MASK ? name + length : buffer.indexOf(0, name + NAME_MASK);
  if (end < 0 || end >= buffer.length || buffer[end] !== 0) throw new IndexFormatError('a path is not terminated');
  const attributes =
    end - name >= ATTRIBUTES.length &&
    buffer[end - 1] === 0x73 &&
    buffer[end - ATTRIBUTES.length] === 0x2e &&
    buffer.toString('latin1', end - ATTRIBUTES.length, end) === ATTRIBUTES &&
    (end - name === ATTRIBUTES.length || buffer[end - ATTRIBUTES.length - 1] === 0x2f);
  return { next: at + ((name - at + (end - name) + 8) & ~7), attributes, marked };
}

const ATTRIBUTES = '.gitattributes';
const isAttributesPath = (path: string) => path === ATTRIBUTES || path.endsWith(`/${ATTRIBUTES}`);

/** Reads the header, walks every entry and lists the extensions: what later lookups need. */
export function indexLayout(bytes: Uint8Array, hashBytes: HashBytes, minimumStep = LAYOUT_STEP): IndexLayout {
  const buffer = asBuffer(bytes);
  if (buffer.length < 12 + hashBytes || buffer.toString('latin1', 0, 4) !== 'DIRC')
    throw new IndexFormatError('no DIRC header');
  const version = buffer.readUInt32BE(4);
  if (version !== 2 && version !== 3 && version !== 4) throw new IndexFormatError(`version ${version}`);
  const count = buffer.readUInt32BE(8);
  const step = Math.max(1, minimumStep, Math.ceil(count / MAX_MARKS));
  const end = buffer.length - hashBytes;
  const offsets: number[] = [];
  const paths: string[] = [];
  const previousPaths: string[] = [];
  const submodules: string[] = [];
  const attributes: string[] = [];
  let marked = 0;
  let offset = 12;
  let previous = '';
  for (let i = 0; i < count; i++) {
    if (offset + 28 > end) throw new IndexFormatError('fewer entries than the header says');
    const gitlink = buffer.readUInt32BE(offset + 24) === MODE_GITLINK;
    const skippable = version !== 4 && i % step !== 0 && !gitlink;
    if (skippable) {
      const skipped = skipEntry(buffer, offset, hashBytes);
      if (skipped.marked) marked++;
      if (!skipped.attributes) {
        offset = skipped.next;
        continue;
      }
    }
    const located = pathAt(buffer, 0, offset, version, hashBytes, previous);
    if (!skippable && isMarked(located.flags, located.extended)) marked++;
    if (i % step === 0) {
      offsets.push(offset);
      paths.push(located.path);
      if (version === 4) previousPaths.push(previous);
    }
    if (gitlink) submodules.push(located.path);
    if (isAttributesPath(located.path)) attributes.push(located.path);
    previous = located.path;
    offset = located.next;
  }
  const entriesEnd = offset;
  let cacheTree: CacheTreeRoot | null = null;
  const unsupported: string[] = [];
  while (offset < end) {
    if (offset + 8 > end) throw new IndexFormatError('a torn extension header');
    const signature = buffer.toString('latin1', offset, offset + 4);
    const length = buffer.readUInt32BE(offset + 4);
    if (offset + 8 + length > end) throw new IndexFormatError(`extension ${signature} runs past the end`);
    if (signature === 'TREE') cacheTree = cacheTreeRoot(buffer.subarray(offset + 8, offset + 8 + length), hashBytes);
    // An extension whose signature starts with A-Z is optional: git itself may ignore it.
    const first = signature.charCodeAt(0);
    if (!(first >= 65 && first <= 90)) unsupported.push(signature);
    offset += 8 + length;
  }
  if (offset !== end) throw new IndexFormatError('extensions do not end at the checksum');
  return {
    version,
    hashBytes,
    count,
    entriesEnd,
    offsets,
    paths,
    previous: previousPaths,
    submodules,
    attributes,
    marked,
    unsupported,
    cacheTree,
    checksum: buffer.toString('hex', end),
  };
}

/** Reads `[start, end)` of the index file. */
export type ReadRange = (start: number, end: number) => Uint8Array;

export interface PathLookup {
  /** Every entry of exactly this path: one at stage 0, or the sides of a conflict. */
  entries: IndexEntry[];
  /** The index holds paths below `path/`: in this worktree it is a folder. */
  folder: boolean;
  /** A gitlink (submodule) sits at one of the path's parent folders. */
  insideSubmodule: boolean;
}

/** The last mark whose path sorts before `path`; 0 when none does. The entries of `path` (all its stages) come after it. */
function markBefore(layout: IndexLayout, path: string): number {
  let low = 0;
  let high = layout.paths.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (layout.paths[middle]! < path) low = middle;
    else high = middle - 1;
  }
  return low;
}

/**
 * Walks the entries from mark `index` on, one window (up to the next mark) at a time, handing
 * each path to `visit` with a way to decode the whole entry, until `visit` returns true, the
 * entries end, or (with `oneWindow`) the window does.
 */
function walkFrom(
  layout: IndexLayout,
  read: ReadRange,
  index: number,
  oneWindow: boolean,
  visit: (path: string, entry: () => IndexEntry) => boolean | void,
): void {
  let previous = layout.previous[index] ?? '';
  for (let mark = index; mark < layout.offsets.length; mark++) {
    const start = layout.offsets[mark]!;
    const stop = layout.offsets[mark + 1] ?? layout.entriesEnd;
    const buffer = asBuffer(read(start, stop));
    if (buffer.length !== stop - start) throw new IndexFormatError('the index is shorter than its layout');
    let offset = start;
    while (offset < stop) {
      const located = pathAt(buffer, start, offset, layout.version, layout.hashBytes, previous);
      if (offset === start && located.path !== layout.paths[mark])
        throw new IndexFormatError('the layout does not fit this index');
      if (visit(located.path, () => entryOf(buffer, located, layout.hashBytes))) return;
      previous = located.path;
      offset = located.next;
    }
    if (offset !== stop) throw new IndexFormatError('entries do not end where the layout says');
    if (oneWindow) return;
  }
}

/**
 * What the index says about one path (a byte string), reading only the windows of entries
 * that can hold it and the first path below it as a folder.
 */
export function lookupPath(layout: IndexLayout, read: ReadRange, path: string): PathLookup {
  const insideSubmodule = layout.submodules.some((submodule) => path.startsWith(`${submodule}/`));
  if (layout.paths.length === 0) return { entries: [], folder: false, insideSubmodule };
  const entries: IndexEntry[] = [];
  const below = `${path}/`;
  const first = markBefore(layout, path);
  // The first path at or after `path/`: in the window of the last mark before it, or the next mark's.
  const second = markBefore(layout, below);
  let next: string | null = null;
  if (first === second) {
    // One window holds both (the next mark sorts at or after `path/`, so after every entry of `path`): read it once.
    walkFrom(layout, read, first, true, (name, entry) => {
      if (name === path) entries.push(entry());
      else if (name >= below) next = name;
      return next !== null;
    });
  } else {
    walkFrom(layout, read, first, false, (name, entry) => {
      if (name === path) entries.push(entry());
      return name > path;
    });
    walkFrom(layout, read, second, true, (name) => {
      if (name >= below) next = name;
      return next !== null;
    });
  }
  const after: string = next ?? layout.paths[second + 1] ?? '';
  return { entries, folder: after.startsWith(below), insideSubmodule };
}

export interface CacheTreeRoot {
  /** False once a staged change made git forget the tree the whole index would write. */
  valid: boolean;
  /** The tree the index would write, when valid. */
  oid: string | null;
}

/** The root node of the TREE extension (git's cache of the trees the index would write). */
export function cacheTreeRoot(data: Uint8Array, hashBytes: HashBytes): CacheTreeRoot {
  const buffer = asBuffer(data);
  if (buffer[0] !== 0) throw new IndexFormatError('the cache tree does not start at the root');
  const newline = buffer.indexOf(10, 1);
  if (newline < 0) throw new IndexFormatError('a torn cache tree');
  const [entries = '', subtrees = ''] = buffer.toString('latin1', 1, newline).split(' ');
  if (!/^-?\d+$/.test(entries) || !/^\d+$/.test(subtrees))
    throw new IndexFormatError('a cache tree count is not a number');
  if (Number(entries) < 0) return { valid: false, oid: null };
  if (newline + 1 + hashBytes > buffer.length) throw new IndexFormatError('a torn cache tree');
  return { valid: true, oid: buffer.toString('hex', newline + 1, newline + 1 + hashBytes) };
}
