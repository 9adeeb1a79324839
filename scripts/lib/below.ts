/** Paths joined and resolved as strings, for the paths a hook checks in every session. */
import { resolve } from 'node:path';

/**
 * `join(folder, rel)` for a folder that is already absolute and normalised and a `rel` that is normalised, with /
 * separators (the hook's paths, resolved once): joined as strings. path.join re-normalises its result character by
 * character, which in a process that lives for one edit costs more than the file system call the path is for.
 */
export function below(folder: string, rel: string): string {
  return folder === '/' ? `/${rel}` : `${folder}/${rel}`;
}

/** A part that path.resolve would change: an empty, `.` or `..` part, or a trailing slash. */
const NOT_NORMAL = /\/\/|\/\.\.?(?:\/|$)|.\/$/;

/** Whether `path` is absolute and exactly as path.resolve would give it back. */
export function isNormalAbsolute(path: string): boolean {
  return path.startsWith('/') && !NOT_NORMAL.test(path);
}

/**
 * `path.resolve(base, path)`, with / separators, from the path's parts where `path` or `base` is absolute: path.resolve walks
 * its paths character by character, some 10 µs a call in a hook's one short run, and the hooks resolve every
 * session's stored worktree path on every edit.
 */
export function resolveFrom(base: string, path: string): string {
  if (!path.startsWith('/') && !base.startsWith('/')) return resolve(base, path);
  const parts: string[] = [];
  for (const part of (path.startsWith('/') ? path : `${base}/${path}`).split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}
