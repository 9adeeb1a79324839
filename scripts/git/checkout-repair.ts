/**
 * Putting a checkout back after a merge was killed while git wrote its files: no MERGE_HEAD is
 * left (a clean merge never writes one) and HEAD has not moved, but some files already hold
 * the merged result. Only files whose content is exactly the merge's version go back.
 */
import { lstatSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { git, lines } from '../lib/shell.js';
import { planHalfCheckoutUndo, type HalfCheckoutUndo, type PathVersions } from '../core/interrupted-edits.js';

const CHUNK = 200;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** Blob ids by path in a commit or tree (regular files only; other entries map to undefined). */
async function blobsIn(cwd: string, treeish: string): Promise<Map<string, string | undefined>> {
  const { stdout } = await git(cwd, ['ls-tree', '-r', '-z', '--full-tree', treeish]);
  const blobs = new Map<string, string | undefined>();
  for (const record of stdout.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab === -1) continue;
    const [mode, , id] = record.slice(0, tab).split(' ');
    blobs.set(record.slice(tab + 1), mode === '100644' || mode === '100755' ? id : undefined);
  }
  return blobs;
}

/** The blob each file in the working tree would be (git's filters applied, as `git add` would). */
async function blobsOnDisk(
  checkout: string,
  paths: readonly string[],
): Promise<Map<string, string | null | undefined>> {
  const found = new Map<string, string | null | undefined>();
  const regular: string[] = [];
  for (const path of paths) {
    try {
      const stat = lstatSync(join(checkout, path));
      if (stat.isFile()) regular.push(path);
      else found.set(path, undefined);
    } catch {
      found.set(path, null);
    }
  }
  for (const group of chunks(regular)) {
    const ids = lines((await git(checkout, ['hash-object', '--', ...group])).stdout);
    group.forEach((path, index) => found.set(path, ids[index]));
  }
  return found;
}

async function isStartOf(cwd: string, file: string, blob: string): Promise<boolean> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const { stdout } = await git(cwd, ['cat-file', 'blob', blob]);
  return text.length < stdout.length && stdout.startsWith(text);
}

/**
 * Undoes the part of a merge's checkout that reached the working tree and index of `checkout`,
 * whose HEAD is still `before`; `mergedTree` is what that merge writes (merge-tree's result).
 */
export async function undoHalfCheckout(
  checkout: string,
  before: string,
  mergedTree: string,
): Promise<HalfCheckoutUndo> {
  const changed = (
    await git(checkout, ['diff-tree', '-r', '-z', '--no-renames', '--name-only', before, mergedTree])
  ).stdout
    .split('\0')
    .filter(Boolean);
  if (changed.length === 0) return { restore: [], remove: [], left: [] };
  const [beforeBlobs, targetBlobs, onDisk] = await Promise.all([
    blobsIn(checkout, before),
    blobsIn(checkout, mergedTree),
    blobsOnDisk(checkout, changed),
  ]);
  const versions: PathVersions[] = changed.map((path) => ({
    path,
    before: beforeBlobs.has(path) ? (beforeBlobs.get(path) ?? 'not-a-file') : null,
    target: targetBlobs.has(path) ? (targetBlobs.get(path) ?? 'not-a-file') : null,
    now: onDisk.get(path),
  }));
  // A file git was killed while writing holds the start of the merge's version.
  for (const version of versions) {
    if (
      typeof version.now === 'string' &&
      version.now !== version.before &&
      version.now !== version.target &&
      version.target &&
      version.target !== 'not-a-file'
    ) {
      version.partOfTarget = await isStartOf(checkout, join(checkout, version.path), version.target);
    }
  }
  const undo = planHalfCheckoutUndo(versions);
  // The index first (a killed merge may have written it), then the files.
  for (const group of chunks([...undo.restore, ...undo.remove]))
    await git(checkout, ['--literal-pathspecs', 'reset', '--quiet', before, '--', ...group]);
  for (const group of chunks(undo.restore))
    await git(checkout, ['--literal-pathspecs', 'checkout', before, '--', ...group]);
  for (const path of undo.remove) unlinkSync(join(checkout, path));
  return undo;
}
