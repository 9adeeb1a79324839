/**
 * Where the helper and the hooks keep V8's code cache of their own code (scripts/code-loader.ts), and which of the
 * files there are left over. Pure: the environment and the facts come in, names go out.
 *
 * A cache is V8's compiled form of one source text, for one node and one processor. V8 refuses one made by another
 * node or with other flags, but it checks the source only by its length, so the name carries everything that tells
 * one code from another: the build's hash of it and the installed file's size and modification time (a file
 * edited in place changes the time). Each hook mode and each subcommand has a file of its own, because each caches
 * the functions its own run compiled.
 */

/** Below the user's cache folder. */
export const CODE_CACHE_SUBDIR = 'flight-rules/code-cache';

/** A cache no run has rewritten in this long belongs to a code that is no longer installed, most likely. */
export const CODE_CACHE_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

/** The user's cache folder: $XDG_CACHE_HOME, else ~/.cache; null when neither is an absolute path. */
export function codeCacheDir(env: NodeJS.ProcessEnv): string | null {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg?.startsWith('/')) return `${xdg.replace(/\/+$/, '')}/${CODE_CACHE_SUBDIR}`;
  const home = env.HOME;
  if (home?.startsWith('/')) return `${home.replace(/\/+$/, '')}/.cache/${CODE_CACHE_SUBDIR}`;
  return null;
}

export interface CodeIdentity {
  /** The build's sha256 of the code, hex. */
  codeHash: string;
  size: number;
  mtimeMs: number;
  /** The hook's mode or the helper's subcommand (the first argument). */
  mode: string | undefined;
  nodeVersion: string;
  arch: string;
}

const SAFE_WORD = /^[a-z0-9-]{1,32}$/;

export function codeCacheName(code: CodeIdentity): string {
  const mode = code.mode !== undefined && SAFE_WORD.test(code.mode) ? code.mode : 'other';
  const node = code.nodeVersion.replace(/[^A-Za-z0-9.]/g, '');
  const arch = code.arch.replace(/[^A-Za-z0-9]/g, '');
  return `${code.codeHash.slice(0, 16)}-${code.size}-${Math.trunc(code.mtimeMs)}-${mode}-${node}-${arch}.bin`;
}

/** The files of the cache folder to remove when a cache is written: any other one untouched for the maximum age. */
export function staleCodeCaches(
  entries: readonly { name: string; mtimeMs: number }[],
  written: string,
  now: number,
): string[] {
  return entries
    .filter((entry) => entry.name !== written && now - entry.mtimeMs > CODE_CACHE_MAX_AGE_MS)
    .map((entry) => entry.name);
}
