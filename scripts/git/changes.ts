/** Uncommitted changes in a worktree: reading them, stashing them, committing them. */
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { git, lines } from '../lib/shell.js';
import { parseStatus, type StatusEntry } from '../core/status-porcelain.js';
import { hiddenChange, parseMarkedEntries, type DiskKind } from '../core/hidden-entries.js';
import { blobOid } from '../core/git-index.js';
import { startOfStash } from '../core/start-rules.js';
import { fileOids } from './raw-files.js';
import { openIndex } from './index-file.js';
import { readRepoFiles, worktreeFromFiles } from './repo-files.js';

/**
 * By default `--no-optional-locks` keeps git from refreshing and rewriting the index while
 * it reads, so this is safe in read-only commands and beside other agents. Commands that
 * change the repository anyway pass `mayRefreshIndex`: the refreshed index makes this and
 * every later status fast instead of re-reading racily clean files each time.
 */
export async function readStatus(
  worktree: string,
  options: { mayRefreshIndex?: boolean; ignored?: boolean; skipSubmodules?: boolean; hidden?: boolean } = {},
): Promise<StatusEntry[]> {
  // Before a worktree goes: the changes git status cannot show, too (see hiddenChanges).
  if (options.hidden) {
    const [shown, hidden] = await Promise.all([
      readStatus(worktree, { ...options, hidden: false }),
      hiddenChanges(worktree),
    ]);
    return [...shown, ...hidden];
  }
  const lockFlag = options.mayRefreshIndex ? [] : ['--no-optional-locks'];
  // `matching` lists an ignored folder once (node_modules/) instead of every file in it.
  const ignored = options.ignored ? ['--ignored=matching'] : [];
  // For a caller that looks into each submodule itself (git would fail there once the worktree moved).
  const submodules = options.skipSubmodules ? ['--ignore-submodules=all'] : [];
  const { stdout } = await git(worktree, [
    ...lockFlag,
    'status',
    '--porcelain=v1',
    '-z',
    '--untracked-files=all',
    ...ignored,
    ...submodules,
  ]);
  return parseStatus(stdout);
}

/** Stashes tracked changes (staged and not); untracked files stay. Returns the stash commit. */
export async function stashTrackedChanges(worktree: string, message: string): Promise<string> {
  await git(worktree, ['stash', 'push', '--quiet', '--message', message]);
  const { stdout } = await git(worktree, ['rev-parse', '--verify', 'refs/stash']);
  return stdout.trim();
}

/** A stash entry: `stash@{N}`, its commit, and the reflog's subject ("On <branch>: <message>"). */
export interface StashEntry {
  ref: string;
  commit: string;
  subject: string;
}

/** The stash's entries, newest first; `limit` stops after that many. None when there is no stash. */
export async function stashEntries(checkout: string, limit?: number): Promise<StashEntry[]> {
  const { exitCode, stdout } = await git(
    checkout,
    ['log', '-g', ...(limit ? [`-${limit}`] : []), '--format=%gd%x00%H%x00%gs', 'refs/stash', '--'],
    { okExitCodes: [0, 128] },
  );
  if (exitCode !== 0) return [];
  return lines(stdout).flatMap((line) => {
    const [ref, commit, subject] = line.split('\0');
    return ref && commit && subject !== undefined ? [{ ref, commit, subject }] : [];
  });
}

/**
 * The stash entries a start made (core/start-rules.ts, startOfStash) that are still there, newest first. No stash
 * has no stash reflog (`logs/refs/stash` in the common dir), so status asks git only when there is one.
 */
export async function stashesMadeByStart(
  checkout: string,
  commonDir: string,
): Promise<Array<{ ref: string; commit: string; session: string }>> {
  if (!existsSync(join(commonDir, 'logs', 'refs', 'stash'))) return [];
  return (await stashEntries(checkout)).flatMap(({ ref, commit, subject }) => {
    const session = startOfStash(subject);
    return session ? [{ ref, commit, session }] : [];
  });
}

/** Commits every tracked change, staged or not. Returns the new commit. */
export async function commitTrackedChanges(worktree: string, message: string): Promise<string> {
  await git(worktree, ['commit', '--quiet', '--all', '--message', message]);
  const { stdout } = await git(worktree, ['rev-parse', '--verify', 'HEAD']);
  return stdout.trim();
}

/** Sets the index entries of `paths` back to HEAD's; the files themselves stay as they are. */
export async function unstagePaths(worktree: string, paths: readonly string[]): Promise<void> {
  await git(worktree, ['--literal-pathspecs', 'reset', '--quiet', 'HEAD', '--', ...paths], { okExitCodes: [0, 1] });
}

function diskKind(path: string): DiskKind {
  try {
    const stat = lstatSync(path);
    return stat.isSymbolicLink() ? 'symlink' : stat.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

/**
 * The changes to files whose index entries are marked assume-unchanged or skip-worktree
 * (core/hidden-entries.ts), which git status, git stash and git add --all pass over: each
 * marked file on disk is hashed as `git add` would stage it (its filters applied) and compared
 * with the index. One `git ls-files` when nothing is marked; a file that cannot be hashed counts
 * as changed.
 */
export async function hiddenChanges(worktree: string): Promise<StatusEntry[]> {
  if (indexMarksNothing(worktree)) return [];
  const { stdout } = await git(worktree, ['--no-optional-locks', 'ls-files', '-z', '-v', '-s']);
  const marked = parseMarkedEntries(stdout).map((entry) => ({ entry, kind: diskKind(join(worktree, entry.path)) }));
  const oids = new Map<string, string | null>();
  for (const { entry, kind } of marked) {
    if (kind !== 'symlink' || entry.mode !== '120000') continue;
    try {
      oids.set(
        entry.path,
        blobOid(Buffer.from(readlinkSync(join(worktree, entry.path), 'buffer')), entry.oid.length === 64 ? 32 : 20),
      );
    } catch {
      oids.set(entry.path, null);
    }
  }
  const files = marked
    .filter(({ entry, kind }) => kind === 'file' && entry.mode !== '120000')
    .map(({ entry }) => entry.path);
  for (let at = 0; at < files.length; at += 500) {
    const chunk = files.slice(at, at + 500);
    const found = await fileOids(worktree, chunk, { asStaged: true });
    chunk.forEach((path, i) => oids.set(path, found?.[i] || null));
  }
  return marked.flatMap(({ entry, kind }) => hiddenChange(entry, kind, oids.get(entry.path) ?? null) ?? []);
}

/**
 * True when the worktree's index, read in-process (core/git-index.ts), marks no entry: nearly always, and then
 * git need not list the whole index. False wherever git is asked instead: an index this reader does not take (a
 * split or sparse one, SHA-256), a layout other than the plain one (git/repo-files.ts), no index at all.
 */
function indexMarksNothing(worktree: string): boolean {
  const files = worktreeFromFiles(worktree);
  if (!files || files.toplevel !== worktree || !readRepoFiles(files.commonDir, process.env)) return false;
  const index = openIndex(files.gitDir, 20, () => undefined);
  if (!index) return false;
  try {
    return index.layout.unsupported.length === 0 && index.layout.marked === 0;
  } finally {
    index.close();
  }
}
