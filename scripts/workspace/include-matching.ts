/**
 * Which ignored files are offered for copying into a new worktree, and the rules for the
 * patterns and paths that name them. Pure: matching itself is left to git.
 */
import { isAbsolute } from 'node:path';
import { UsageError } from '../lib/errors.js';

/** Claude Code's convention: gitignore syntax at the repository root. */
export const INCLUDE_FILE = '.worktreeinclude';

/** Used when there is neither a .worktreeinclude nor config `copy`: env files at the root. */
export const DEFAULT_COPY_PATTERNS = ['/.env', '/.env.local', '/.env.*.local', '/.envrc'];

export type CopyChoice = { mode: 'auto' } | { mode: 'none' } | { mode: 'list'; paths: string[] };

export function parseCopyChoice(value: string | undefined): CopyChoice {
  if (value === undefined || value === 'auto') return { mode: 'auto' };
  if (value === 'none') return { mode: 'none' };
  const paths = value
    .split(',')
    .map((path) => path.trim())
    .filter(Boolean);
  if (paths.length === 0)
    throw new UsageError(
      '--copy needs auto, none, or a comma-separated list of paths',
      'e.g. --copy .env,config/local.json',
    );
  return { mode: 'list', paths };
}

const hasParentSegment = (text: string) => text.split(/[\\/]/).includes('..');

/**
 * Why a gitignore-syntax pattern is refused, or null. A leading / anchors at the repository
 * root, as in .gitignore; it never means the filesystem root. Git only ever matches paths
 * inside the repository, so a refused pattern could match nothing: the refusal is a warning
 * that tells the user so.
 */
export function patternProblem(pattern: string, mainCheckout: string): string | null {
  const body = pattern.startsWith('!') ? pattern.slice(1) : pattern;
  if (hasParentSegment(body)) return 'it climbs out of the repository with ..';
  if (body.startsWith('~')) return 'it names a home folder; patterns are relative to the repository root';
  if (body === mainCheckout || body.startsWith(`${mainCheckout}/`))
    return 'it is an absolute path; write it relative to the repository root';
  if (/^[A-Za-z]:[\\/]/.test(body)) return 'it is an absolute path; write it relative to the repository root';
  return null;
}

/** Why a --copy path is refused, or null. These are literal paths relative to the repository root. */
export function literalPathProblem(path: string): string | null {
  if (isAbsolute(path) || path.startsWith('~'))
    return 'it is an absolute path; give it relative to the repository root';
  if (hasParentSegment(path)) return 'it climbs out of the repository with ..';
  if (path.split('/').includes('.git')) return 'it is inside .git';
  return null;
}

/** The pattern lines of a gitignore-syntax file (comments and blank lines dropped). */
export function patternLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/(?<!\\)\s+$/, ''))
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}

/** Drops paths below the sessions folder, when that folder lies inside the repository. */
export function outsideSessionsDir(paths: string[], sessionsDirRel: string | null): string[] {
  if (!sessionsDirRel) return paths;
  return paths.filter((path) => path !== sessionsDirRel && !path.startsWith(`${sessionsDirRel}/`));
}

export interface CopyPatterns {
  /** In the order git must apply them (later lines win, `!` negates). */
  patterns: string[];
  sources: string[];
  rejected: Array<{ pattern: string; source: string; reason: string }>;
}

/**
 * The gitignore-syntax patterns that name the ignored files a session needs: the lines of
 * `.worktreeinclude`, then the config's `copy`, or the defaults when neither is there.
 * Pure: the include file's text is read by the caller (bounded, never through a symlink).
 */
export function copyPatterns(
  includeText: string | null,
  configCopy: readonly string[] | undefined,
  mainCheckout: string,
): CopyPatterns {
  const result: CopyPatterns = { patterns: [], sources: [], rejected: [] };
  const take = (pattern: string, source: string) => {
    const reason = patternProblem(pattern, mainCheckout);
    if (reason) result.rejected.push({ pattern, source, reason });
    else result.patterns.push(pattern);
  };
  if (includeText !== null) {
    result.sources.push(INCLUDE_FILE);
    for (const pattern of patternLines(includeText)) take(pattern, INCLUDE_FILE);
  }
  if (configCopy) {
    result.sources.push('config copy');
    for (const pattern of configCopy) take(pattern, 'config copy');
  }
  if (includeText === null && !configCopy) {
    result.sources.push('defaults');
    result.patterns.push(...DEFAULT_COPY_PATTERNS);
  }
  return result;
}
