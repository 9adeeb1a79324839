/**
 * What a checkout's own git dir says is under way (a merge, rebase, cherry-pick, revert,
 * bisect, an index.lock), read from the files git keeps there: no process is started, so
 * every command can afford to ask before it changes anything.
 */
import { existsSync, lstatSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { readBoundedText } from '../lib/safe-fs.js';
import { busyState, heldBranchRef, NO_MARKS, UNMERGED_CODES, type Busy, type GitDirMarks } from '../core/busy.js';
import type { WorktreeRecord } from '../core/worktree-list.js';
import type { StatusEntry } from '../core/status-porcelain.js';

const SMALL = 64 * 1024;

function firstLine(path: string): string | null {
  try {
    const text = readBoundedText(path, SMALL);
    return text === null ? null : text.split('\n')[0]!.trim() || null;
  } catch {
    return null;
  }
}

/** The checkout's own git dir: `.git` itself, or where a `.git` file (a linked worktree) points. */
export function gitDirOf(checkout: string): string | null {
  const dotGit = join(checkout, '.git');
  let stat;
  try {
    stat = lstatSync(dotGit);
  } catch {
    return null;
  }
  if (stat.isDirectory()) return dotGit;
  if (!stat.isFile()) return null;
  const line = firstLine(dotGit);
  const match = line ? /^gitdir:\s*(.+)$/.exec(line) : null;
  if (!match) return null;
  return isAbsolute(match[1]!) ? match[1]! : resolve(checkout, match[1]!);
}

export function readGitDirMarks(gitDir: string | null): GitDirMarks {
  if (!gitDir) return NO_MARKS;
  const rebaseDir =
    ['rebase-merge', 'rebase-apply'].map((name) => join(gitDir, name)).find((path) => existsSync(path)) ?? null;
  return {
    mergeHead: firstLine(join(gitDir, 'MERGE_HEAD')),
    rebase: rebaseDir
      ? {
          headName: firstLine(join(rebaseDir, 'head-name')),
          origHead: firstLine(join(rebaseDir, 'orig-head')),
          onto: firstLine(join(rebaseDir, 'onto')),
        }
      : null,
    am: existsSync(join(gitDir, 'rebase-apply', 'applying')),
    cherryPickHead: firstLine(join(gitDir, 'CHERRY_PICK_HEAD')),
    revertHead: firstLine(join(gitDir, 'REVERT_HEAD')),
    bisectStart: firstLine(join(gitDir, 'BISECT_START')),
    indexLock: existsSync(join(gitDir, 'index.lock')),
  };
}

export function unmergedPathsIn(status: readonly StatusEntry[]): string[] {
  return status.filter((entry) => UNMERGED_CODES.has(entry.code)).map((entry) => entry.path);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Whether git is busy in `checkout`. A git command run by someone else (an editor's status
 * poll) holds index.lock for milliseconds, so a lock is looked at again for up to
 * `indexLockGraceMs` before it counts; one that stays is busy, stale or not.
 */
export async function checkoutBusy(
  checkout: string,
  status: readonly StatusEntry[],
  indexLockGraceMs = 1_500,
): Promise<Busy | null> {
  const gitDir = gitDirOf(checkout);
  const lockPath = gitDir ? join(gitDir, 'index.lock') : join(checkout, '.git', 'index.lock');
  let marks = readGitDirMarks(gitDir);
  for (let waited = 0; marks.indexLock && waited < indexLockGraceMs; waited += 50) {
    await sleep(50);
    marks = { ...marks, indexLock: existsSync(lockPath) };
  }
  return busyState(checkout, marks, unmergedPathsIn(status), lockPath);
}

/**
 * Each worktree with the branch it holds: the one checked out, or the one a rebase or bisect
 * in progress there will move or return to (its HEAD is detached meanwhile). A branch held
 * this way must not be moved or deleted from elsewhere.
 */
export function heldBranches(
  worktrees: readonly WorktreeRecord[],
): Array<{ path: string; branch: string | null; record: WorktreeRecord }> {
  return worktrees.map((record) => ({
    path: record.path,
    branch:
      record.branch ??
      (record.detached && !record.prunable ? heldBranchRef(null, readGitDirMarks(gitDirOf(record.path))) : null),
    record,
  }));
}

/**
 * The same answer without waiting on an index.lock: for read-only reports, which only tell.
 * `ignoreIndexLock`: for cleanup, which has proven that lock stale and removes it first.
 */
export function checkoutBusySync(
  checkout: string,
  status: readonly StatusEntry[],
  options: { ignoreIndexLock?: boolean } = {},
): Busy | null {
  const gitDir = gitDirOf(checkout);
  const marks = readGitDirMarks(gitDir);
  return busyState(
    checkout,
    options.ignoreIndexLock ? { ...marks, indexLock: false } : marks,
    unmergedPathsIn(status),
    gitDir ? join(gitDir, 'index.lock') : join(checkout, '.git', 'index.lock'),
  );
}
