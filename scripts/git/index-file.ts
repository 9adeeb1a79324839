/**
 * A worktree's index file, opened for one question without starting git: what identifies
 * this version of it (the key its cached layout is stored under), its layout, and reads of
 * the few bytes a lookup needs. Read only; git replaces an index by renaming a new file over
 * it, so an open descriptor keeps seeing one whole version.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { below } from '../lib/below.js';
import { indexLayout, IndexFormatError, type HashBytes, type IndexLayout, type ReadRange } from '../core/git-index.js';
import type { StatFacts } from '../core/settled-stat.js';

export interface OpenIndex {
  /**
   * Device, inode, size, change and modification times, and the trailing checksum: a
   * rewritten index differs in at least the checksum. Null when the index carries no checksum
   * (index.skipHash): then nothing read from it is cached.
   */
  identity: string | null;
  /** The stat data of the version opened, for answers kept under it (core/settled-stat.ts). */
  stat: StatFacts;
  /** The index file's modification time: entries as recent are racily clean. */
  mtimeNs: bigint;
  layout: IndexLayout;
  /** True when the layout was made from the file now rather than taken from the cache. */
  fresh: boolean;
  read: ReadRange;
  close(): void;
}

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

function readAt(fd: number, start: number, end: number): Buffer {
  const buffer = Buffer.allocUnsafe(end - start);
  let done = 0;
  while (done < buffer.length) {
    const read = readSync(fd, buffer, done, buffer.length - done, start + done);
    if (read === 0) break;
    done += read;
  }
  return buffer.subarray(0, done);
}

/**
 * Opens `<gitDir>/index`, taking its layout from `cached` when that knows this very version.
 * Null when there is no index, or one this reader does not take (see core/git-index.ts).
 */
export function openIndex(
  gitDir: string,
  hashBytes: HashBytes,
  cached: (identity: string) => IndexLayout | undefined,
): OpenIndex | null {
  let fd: number;
  try {
    fd = openSync(below(gitDir, 'index'), constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const stat = fstatSync(fd, { bigint: true });
    const size = Number(stat.size);
    if (!stat.isFile() || size < 12 + hashBytes) throw new IndexFormatError('too short');
    const checksum = readAt(fd, size - hashBytes, size).toString('hex');
    // Without its checksum (index.skipHash) two versions may share all the rest: times are as coarse as the clock's tick.
    const identity = /[^0]/.test(checksum)
      ? `${stat.dev}:${stat.ino}:${size}:${stat.ctimeNs}:${stat.mtimeNs}:${checksum}`
      : null;
    let layout = identity ? cached(identity) : undefined;
    let whole: Buffer | null = null;
    if (layout && (layout.hashBytes !== hashBytes || layout.checksum !== checksum)) layout = undefined;
    const fresh = !layout;
    if (!layout) {
      whole = readAt(fd, 0, size);
      if (whole.length !== size) throw new IndexFormatError('the file shrank while read');
      layout = indexLayout(whole, hashBytes);
    }
    const read: ReadRange = (start, end) => (whole ? whole.subarray(start, end) : readAt(fd, start, end));
    let closed = false;
    return {
      identity,
      stat: {
        kind: 'file',
        dev: stat.dev,
        ino: stat.ino,
        size: stat.size,
        mtimeNs: stat.mtimeNs,
        ctimeNs: stat.ctimeNs,
      },
      mtimeNs: stat.mtimeNs,
      layout,
      fresh,
      read,
      close() {
        if (closed) return;
        closed = true;
        closeSync(fd);
      },
    };
  } catch (error) {
    closeSync(fd);
    if (error instanceof IndexFormatError || error instanceof RangeError) return null;
    throw error;
  }
}
