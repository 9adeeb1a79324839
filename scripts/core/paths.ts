/** Pure path rules: where the sessions folder, worktrees and manifest live. */
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isNormalAbsolute, resolveFrom } from '../lib/below.js';

export function defaultSessionsDir(mainCheckout: string): string {
  return join(dirname(mainCheckout), `${basename(mainCheckout)}-sessions`);
}

export function sessionsDirFor(mainCheckout: string, configured: string | undefined): string {
  return configured ? resolve(mainCheckout, configured) : defaultSessionsDir(mainCheckout);
}

export const MANIFEST_FILE = '.manifest.json';
export const HISTORY_FILE = '.history.jsonl';

/** Stored form: relative to the main checkout, always with / separators. */
export function toStoredPath(mainCheckout: string, absolute: string): string {
  return relative(mainCheckout, absolute).split(sep).join('/');
}

/** A stored path made absolute against the main checkout (itself absolute), as path.resolve would. */
export function fromStoredPath(mainCheckout: string, stored: string): string {
  return isNormalAbsolute(stored) ? stored : resolveFrom(mainCheckout, stored);
}

/** True when `inner` is `outer` or lies below it. Both must be absolute and normalised. */
export function isWithin(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The one "is this a session worktree's place" test: `path` is a folder directly inside `folder`. */
export function isDirectlyInside(folder: string, path: string): boolean {
  return dirname(path) === folder && path !== folder;
}

/** For display: relative to cwd when that is shorter and does not climb far, else absolute. */
export function displayPath(cwd: string, absolute: string): string {
  const rel = relative(cwd, absolute);
  if (rel === '') return '.';
  if (rel.split(sep).filter((part) => part === '..').length > 2) return absolute;
  return rel.length < absolute.length ? rel : absolute;
}

/** `.land-check-<pid>` in the sessions folder: the scratch worktree a land run checks its candidates in. */
export function checkWorktreePath(sessionsDir: string, pid: number): string {
  return join(sessionsDir, `.land-check-${pid}`);
}

/** The pid of the land run a check worktree belongs to, or null when `path` is not one (directly in the sessions folder). */
export function checkWorktreePid(sessionsDir: string, path: string): number | null {
  if (!isDirectlyInside(sessionsDir, path)) return null;
  const match = /^\.land-check-(\d+)$/.exec(basename(path));
  return match ? Number(match[1]) : null;
}

/** `<name>.check.log` in the sessions folder: the log of the last land check of a session. */
export function checkLogName(id: string): string {
  return `${id}.check.log`;
}

/** Every folder above a slash-separated path, nearest first: `a/b/c` → `a/b`, `a`; none for `a`. */
export function foldersAbove(path: string): string[] {
  const folders: string[] = [];
  for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) folders.push(path.slice(0, cut));
  return folders;
}
