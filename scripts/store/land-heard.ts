/**
 * The land notice's "last spoke" marker: `.<name>.heard` in the sessions folder holds the key of
 * the notice the UserPromptSubmit hook last told that session's agent, so it tells each one once.
 * Read bounded and never through a symlink; written through a temporary file and a rename, never
 * through or over a symlink. Nothing in git is touched.
 */
import { readBoundedText, UnsafeFileError, writeConfinedFile } from '../lib/safe-fs.js';
import { join } from 'node:path';

const MAX_MARKER_BYTES = 4 * 1024;

export function heardMarkerName(id: string): string {
  return `.${id}.heard`;
}

/** The key last spoken for `id`; null when none was, or the marker is not a plain file. */
export function readHeard(sessionsDir: string, id: string): string | null {
  try {
    return readBoundedText(join(sessionsDir, heardMarkerName(id)), MAX_MARKER_BYTES)?.trim() ?? null;
  } catch (error) {
    if (error instanceof UnsafeFileError) return null;
    throw error;
  }
}

export function writeHeard(sessionsDir: string, id: string, key: string): void {
  writeConfinedFile(sessionsDir, heardMarkerName(id), `${key}\n`);
}
