/** The repository's own exclude file, shared by every worktree (info/exclude in the common git dir). */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeAtomically } from '../lib/safe-fs.js';
import { dirname, join } from 'node:path';
import { commonGitDir } from './repo.js';

export async function excludeFilePath(cwd: string): Promise<string> {
  return join(await commonGitDir(cwd), 'info', 'exclude');
}

/** The text with the missing lines appended, or null when every line is already there. */
export function withExcludeLines(text: string, wanted: string[]): string | null {
  const present = new Set(text.split('\n').map((line) => line.trim()));
  const missing = wanted.filter((line) => !present.has(line));
  if (missing.length === 0) return null;
  const prefix = text.length === 0 || text.endsWith('\n') ? text : `${text}\n`;
  return `${prefix}# added by flight-rules parallel sessions\n${missing.join('\n')}\n`;
}

/**
 * Adds lines to info/exclude unless present. Callers serialise this (under the manifest
 * lock); the write is a rename so a reader never sees half a file.
 */
export function ensureExcludeLines(excludeFile: string, lines: string[]): boolean {
  const text = existsSync(excludeFile) ? readFileSync(excludeFile, 'utf8') : '';
  const next = withExcludeLines(text, lines);
  if (next === null) return false;
  mkdirSync(dirname(excludeFile), { recursive: true });
  writeAtomically(excludeFile, next);
  return true;
}
