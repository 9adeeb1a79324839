/**
 * "Is every command the helper prints safe to paste?" A line the helper prints may hold a
 * branch name or path that carries `$(touch${IFS}pwned)`. Every command-looking piece of such
 * a line (from a command word to any later word boundary) is run through `sh -c` in a scratch
 * folder, with `git` and friends replaced by no-ops and `cd` disabled; a `pwned` file appearing
 * anywhere means some printed command runs the payload.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PAYLOAD = '$(touch${IFS}pwned)';
const MARKER = 'pwned';
const COMMAND_WORDS = ['git', 'cd', 'gh', 'session', 'node', 'npm', 'claude'];
const SUBCOMMANDS = ['start', 'end', 'status', 'overlap', 'sync', 'cleanup', 'setup'];

/**
 * Where a command that starts at `start` ends: at the end of the line, a backtick, or prose
 * punctuation (` (`, an unbalanced `)`, `, `, `; `, a final `.` or `. `), none of which counts
 * inside quotes or `$(...)`. Returns the cut points where a shell word ends, so placeholders
 * such as `<commit>` can be left off.
 */
function commandExtent(line: string, start: number): { end: number; wordEnds: number[] } {
  let quote: string | null = null;
  let depth = 0;
  const wordEnds: number[] = [];
  let i = start;
  for (; i < line.length; i++) {
    const c = line[i]!;
    const next = line[i + 1] ?? '';
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      continue;
    }
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '$' && next === '(') {
      depth++;
      i++;
      continue;
    }
    if (depth > 0) {
      if (c === ')') depth--;
      continue;
    }
    if (c === '`' || c === ')') break;
    if (c === ' ' && next === '(') break;
    if ((c === ',' || c === ';') && next === ' ') break;
    if (c === '.' && (next === ' ' || next === '')) break;
    if (c === ' ') wordEnds.push(i);
  }
  return { end: i, wordEnds: [...wordEnds, i] };
}

/**
 * The command-looking pieces of `text` that hold the payload marker: from a command word
 * (`git`, `cd`, `gh`, `node`, `session <subcommand>`, ...) at the start of a line, after a
 * colon, an opening parenthesis or a backtick, to where the command ends, and every shorter
 * piece of it that ends at a word boundary at or after the marker.
 */
export function pasteCandidates(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.includes(MARKER)) continue;
    const startPattern = new RegExp(`(^\\s*|[\`(]|: |&& )(${COMMAND_WORDS.join('|')})(?= )`, 'g');
    for (let match = startPattern.exec(line); match; match = startPattern.exec(line)) {
      const start = match.index + match[1]!.length;
      if (match[2] === 'session' && !SUBCOMMANDS.some((sub) => line.startsWith(`session ${sub}`, start))) continue;
      const { end, wordEnds } = commandExtent(line, start);
      const firstMarker = line.indexOf(MARKER, start);
      if (firstMarker === -1 || firstMarker >= end) continue;
      for (const cut of wordEnds) if (cut > firstMarker) out.add(line.slice(start, cut));
    }
  }
  return [...out];
}

/** A folder with no-op stand-ins for the commands printed lines call. */
export function pasteScratch(root: string): string {
  const scratch = join(root, 'paste-scratch');
  const bin = join(scratch, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of COMMAND_WORDS.filter((word) => word !== 'cd')) {
    writeFileSync(join(bin, name), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, name), 0o755);
  }
  return scratch;
}

/** Runs each candidate as its own shell line (a syntax error elsewhere cannot hide it). */
export function pasteAll(candidates: string[], scratch: string): void {
  for (const candidate of candidates) {
    spawnSync('sh', ['-c', `cd() { :; }\n${candidate}\n`], {
      cwd: scratch,
      env: { PATH: `${join(scratch, 'bin')}:/usr/bin:/bin`, HOME: scratch },
      stdio: 'ignore',
      timeout: 5_000,
    });
  }
}

/** Paths of every `pwned` file below `root`. */
export function pwnedFiles(root: string): string[] {
  const out = spawnSync('find', [root, '-name', MARKER], { encoding: 'utf8' }).stdout ?? '';
  return out.split('\n').filter(Boolean);
}
