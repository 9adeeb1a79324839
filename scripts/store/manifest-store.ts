/**
 * Reading and writing the manifest. Every read and every write is validated against
 * schemas/manifest.schema.json. Writes happen only under the lock, through a temp file
 * in the same folder that is renamed over the manifest, so a crash leaves either the old
 * or the new manifest, never a torn one.
 */
import { helper } from '../lib/invocation.js';
import { mkdirSync } from 'node:fs';
import { readBoundedText, UnsafeFileError, writeAtomically } from '../lib/safe-fs.js';
import { dirname } from 'node:path';
import { validateManifest } from '../generated/validators.js';
import { describeSchemaErrors } from '../core/schema-errors.js';
import { RefusalError } from '../lib/errors.js';
import { acquireLock, assertLockHeld, LockLostError, releaseLock, withLock } from '../lib/lock.js';
import { emptyManifest, type Manifest } from '../core/manifest-types.js';

/** A real manifest of 1000 sessions is far below this; anything bigger is not ours. */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

export function lockPathFor(manifestPath: string): string {
  return `${manifestPath}.lock`;
}

export const MANIFEST_LOCK = { label: 'the session manifest', code: 'manifest-locked' } as const;

function schemaProblem(): string {
  // The first few are enough to find a hand edit; a broken file can hold thousands.
  return describeSchemaErrors(validateManifest.errors?.slice(0, 5), 'it does not match the manifest schema');
}

export class ManifestInvalidError extends RefusalError {
  constructor(path: string, problem: string) {
    super(
      'manifest-invalid',
      `The session manifest ${path} is unusable: ${problem}. It was left untouched.`,
      `Run \`${helper('cleanup --yes')}\` to move it aside and rebuild it from \`git worktree list\`, or fix the file by hand.`,
      { manifest: path, problem },
    );
  }
}

/** Reads and validates. A missing manifest is an empty one. */
export function readManifest(path: string, project: string): Manifest {
  return readManifestText(path, project).manifest;
}

/**
 * The same, with the text it was read from (null for a missing manifest), for a caller that
 * remembers the last text it found valid (`validated`: the hooks keep it in their cache): the
 * very same bytes are not checked against the schema again.
 */
export function readManifestText(
  path: string,
  project: string,
  validated?: string,
): { manifest: Manifest; text: string | null } {
  let text: string | null;
  try {
    text = readBoundedText(path, MAX_MANIFEST_BYTES);
  } catch (error) {
    if (!(error instanceof UnsafeFileError)) throw error;
    const problem =
      error.reason === 'symlink'
        ? 'it is a symbolic link, not a file'
        : error.reason === 'too-large'
          ? `it is over the ${MAX_MANIFEST_BYTES}-byte limit`
          : 'it is not a regular file';
    throw new ManifestInvalidError(path, problem);
  }
  if (text === null) return { manifest: emptyManifest(project), text: null };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ManifestInvalidError(path, `it is not valid JSON (${(error as Error).message})`);
  }
  if (text === validated) return { manifest: data as Manifest, text };
  if (data && typeof data === 'object' && 'version' in data && (data as { version: unknown }).version !== 1) {
    throw new ManifestInvalidError(
      path,
      `it has version ${JSON.stringify((data as { version: unknown }).version)}, and this helper reads version 1 only`,
    );
  }
  if (!validateManifest(data)) throw new ManifestInvalidError(path, schemaProblem());
  return { manifest: data as unknown as Manifest, text };
}

function writeManifestFile(path: string, manifest: Manifest): void {
  if (!validateManifest(manifest)) {
    throw new Error(`refusing to write an invalid manifest: ${schemaProblem()}`);
  }
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  // Never write what the next read would refuse: every later command would be locked out.
  if (Buffer.byteLength(text) > MAX_MANIFEST_BYTES) {
    throw new RefusalError(
      'manifest-full',
      `The session manifest would grow to ${Buffer.byteLength(text)} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit, so it was not written; nothing was changed.`,
      `End or clean up sessions you no longer need (\`${helper('cleanup')}\`), or keep goals short, then run the same command again.`,
      { manifest: path, bytes: Buffer.byteLength(text) },
    );
  }
  writeAtomically(path, text, { durable: true });
}

/**
 * Read-modify-write under the lock. `change` may mutate the manifest it is given and may be
 * called more than once (if the lock is lost it is retried on a fresh read), so it must not
 * have side effects outside the manifest. Returning false skips the write.
 */
export async function updateManifest<T>(
  path: string,
  project: string,
  change: (manifest: Manifest) => T,
): Promise<{ manifest: Manifest; result: T }> {
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const lock = await acquireLock(lockPathFor(path), MANIFEST_LOCK);
    try {
      const manifest = readManifest(path, project);
      const result = change(manifest);
      if (result !== false) {
        assertLockHeld(lock);
        writeManifestFile(path, manifest);
      }
      return { manifest, result };
    } catch (error) {
      if (error instanceof LockLostError && attempt < 5) continue;
      throw error;
    } finally {
      releaseLock(lock);
    }
  }
}

/**
 * Runs `body` while holding the manifest lock, without reading the manifest first: for the
 * rare writer that cannot go through updateManifest, such as a rebuild that replaces a corrupt
 * file, or a removal that must append its history line only after the write. `write`
 * validates, checks the lock is still ours, and replaces the file atomically.
 */
export async function withManifestLock<T>(
  path: string,
  body: (write: (manifest: Manifest) => void) => T | Promise<T>,
): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  return withLock(lockPathFor(path), MANIFEST_LOCK, (lock) =>
    body((manifest) => {
      assertLockHeld(lock);
      writeManifestFile(path, manifest);
    }),
  );
}
