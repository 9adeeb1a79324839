/**
 * Copies files from the main checkout into a worktree under the rules of copy-plan.ts:
 * regular files only, never through a symbolic link on either side, never outside the
 * worktree, never over an existing file, modes kept.
 */
import { chmodSync, constants, copyFileSync, lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ignoredPaths } from '../git/ignored.js';
import { fileDigest } from '../lib/safe-fs.js';
import { isWithin } from '../core/paths.js';
import {
  copyVerdict,
  type CopyFacts,
  type CopyRules,
  type DestinationKind,
  type Skipped,
  type SourceKind,
} from './copy-plan.js';

export interface CopyResult {
  copied: string[];
  skipped: Skipped[];
  /** SHA-256 of each copied file as copied: a later edit makes it the session's own work. */
  digests: Record<string, string>;
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

export function inspectSource(mainReal: string, rel: string): SourceKind {
  const absolute = join(mainReal, rel);
  const stat = lstatOrNull(absolute);
  if (!stat) return 'missing';
  if (stat.isSymbolicLink()) return 'symlink';
  let parent: string;
  try {
    parent = realpathSync(dirname(absolute));
  } catch {
    return 'missing';
  }
  if (!isWithin(mainReal, parent) || parent !== dirname(absolute)) return 'beyond-symlink';
  return stat.isFile() ? 'file' : 'other';
}

export function inspectDestination(worktreeReal: string, rel: string): DestinationKind {
  const target = resolve(worktreeReal, rel);
  if (!isWithin(worktreeReal, target) || target === worktreeReal) return 'outside';
  const parts = rel.split('/');
  let current = worktreeReal;
  for (let i = 0; i < parts.length; i++) {
    current = join(current, parts[i]!);
    const stat = lstatOrNull(current);
    if (!stat) return 'free';
    if (stat.isSymbolicLink()) return i === parts.length - 1 ? 'exists' : 'through-symlink';
    if (i === parts.length - 1) return 'exists';
    if (!stat.isDirectory()) return 'blocked';
  }
  return 'exists';
}

/** Creates the parent folders and copies with O_EXCL, then sets the source's mode (umask-proof). */
function copyOne(mainReal: string, worktreeReal: string, rel: string): void {
  const source = join(mainReal, rel);
  const destination = join(worktreeReal, rel);
  mkdirSync(dirname(destination), { recursive: true });
  const parent = realpathSync(dirname(destination));
  if (!isWithin(worktreeReal, parent) || parent !== dirname(destination))
    throw new Error('its destination folder resolves outside the worktree');
  const mode = lstatSync(source).mode & 0o7777;
  copyFileSync(source, destination, constants.COPYFILE_EXCL);
  chmodSync(destination, mode);
}

export async function copyIntoWorktree(
  mainCheckout: string,
  worktree: string,
  paths: string[],
  rules: CopyRules,
): Promise<CopyResult> {
  const mainReal = realpathSync(mainCheckout);
  const worktreeReal = realpathSync(worktree);
  const facts: CopyFacts[] = paths.map((path) => ({
    path,
    source: inspectSource(mainReal, path),
    destination: inspectDestination(worktreeReal, path),
    ignoredInMain: false,
    ignoredInWorktree: false,
  }));
  const plain = facts.filter((fact) => fact.source === 'file').map((fact) => fact.path);
  const ignoredInMain = rules.requireIgnoredInMain ? await ignoredPaths(mainCheckout, plain) : new Set<string>();
  const placeable = facts
    .filter((fact) => fact.source === 'file' && fact.destination === 'free')
    .map((fact) => fact.path);
  const ignoredInWorktree = rules.requireIgnoredInWorktree
    ? await ignoredPaths(worktree, placeable)
    : new Set<string>();
  const result: CopyResult = { copied: [], skipped: [], digests: {} };
  for (const fact of facts) {
    fact.ignoredInMain = ignoredInMain.has(fact.path);
    fact.ignoredInWorktree = ignoredInWorktree.has(fact.path);
    const skipped = copyVerdict(fact, rules);
    if (skipped) {
      result.skipped.push(skipped);
      continue;
    }
    try {
      copyOne(mainReal, worktreeReal, fact.path);
      result.copied.push(fact.path);
      const digest = fileDigest(join(worktreeReal, fact.path));
      if (digest) result.digests[fact.path] = digest;
    } catch (error) {
      result.skipped.push({ path: fact.path, reason: 'copy-failed', message: (error as Error).message });
    }
  }
  return result;
}
