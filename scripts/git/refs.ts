/**
 * Refs in bulk, for status and cleanup: one for-each-ref for every branch and every saved
 * ref under refs/sessions/, which of them a base already holds, and compare-and-delete.
 */
import { git, lines } from '../lib/shell.js';

export interface RefFacts {
  /** Full ref name. */
  ref: string;
  commit: string;
  /** Committer date of the commit, ISO 8601 UTC. */
  date: string;
  /** The branch's upstream (full ref name), or null. */
  upstream: string | null;
}

const iso = (unix: string) => new Date(Number(unix) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Every local branch and every ref under refs/sessions/, in one call. */
export async function readRefs(cwd: string): Promise<RefFacts[]> {
  const { stdout } = await git(cwd, [
    'for-each-ref',
    '--format=%(refname)%00%(objectname)%00%(committerdate:unix)%00%(upstream)',
    'refs/heads/',
    'refs/sessions/',
  ]);
  return lines(stdout).map((line) => {
    const [ref = '', commit = '', unix = '0', upstream = ''] = line.split('\0');
    return { ref, commit, date: iso(unix || '0'), upstream: upstream || null };
  });
}

/** The refs (full names) among those below `prefixes` whose commit `base` already holds. */
export async function refsMergedInto(cwd: string, base: string, prefixes: string[]): Promise<Set<string>> {
  const { stdout } = await git(cwd, ['for-each-ref', `--merged=${base}`, '--format=%(refname)', ...prefixes]);
  return new Set(lines(stdout));
}

/** Every ref below the given prefixes, full name to commit. */
export async function refsUnder(cwd: string, prefixes: string[]): Promise<Map<string, string>> {
  if (prefixes.length === 0) return new Map();
  const { stdout } = await git(cwd, ['for-each-ref', '--format=%(refname) %(objectname)', ...prefixes]);
  const refs = new Map<string, string>();
  for (const line of lines(stdout)) {
    const space = line.lastIndexOf(' ');
    refs.set(line.slice(0, space), line.slice(space + 1));
  }
  return refs;
}

/** Deletes `ref` only if it still points at `expected`; false when it moved or is gone. */
export async function deleteRefIfAt(cwd: string, ref: string, expected: string): Promise<boolean> {
  const result = await git(cwd, ['update-ref', '-d', ref, expected], { okExitCodes: [0, 1, 128] });
  return result.exitCode === 0;
}

/** A commit's parents, in order; null when it is not a commit. */
export async function commitParents(cwd: string, commit: string): Promise<string[] | null> {
  const result = await git(cwd, ['rev-list', '--parents', '-n', '1', '--end-of-options', commit], {
    okExitCodes: [0, 128],
  });
  if (result.exitCode !== 0) return null;
  return result.stdout.trim().split(/\s+/).slice(1);
}

/**
 * Moves `ref` to `to` only if it still points at `from`: git compares and swaps under the
 * ref's lock, so a commit someone made meanwhile is never overwritten. False when it moved.
 */
export async function moveRefIfAt(
  cwd: string,
  ref: string,
  to: string,
  from: string,
  message: string,
): Promise<boolean> {
  const result = await git(cwd, ['update-ref', '-m', message, ref, to, from], { okExitCodes: [0, 1, 128] });
  return result.exitCode === 0;
}

/**
 * Detaches HEAD of `checkout` at `commit`, only while HEAD still resolves to `expected`: with
 * the two the same, index and files stay exactly as they are, and the branch it was on can
 * move without moving them.
 */
export async function detachHeadAt(
  checkout: string,
  commit: string,
  expected: string,
  message: string,
): Promise<boolean> {
  const result = await git(checkout, ['update-ref', '--no-deref', '-m', message, 'HEAD', commit, expected], {
    okExitCodes: [0, 1, 128],
  });
  return result.exitCode === 0;
}

/** Points HEAD of `checkout` at `branch` again (a symbolic ref); only for a HEAD detached at that branch's commit, so nothing else changes. */
export async function attachHead(checkout: string, branch: string, message: string): Promise<void> {
  await git(checkout, ['symbolic-ref', '-m', message, 'HEAD', `refs/heads/${branch}`]);
}

/** The branch HEAD of `checkout` is on (full ref name), or null when it is detached. */
export async function headBranchRef(checkout: string): Promise<string | null> {
  const result = await git(checkout, ['symbolic-ref', '--quiet', 'HEAD'], { okExitCodes: [0, 1, 128] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}
