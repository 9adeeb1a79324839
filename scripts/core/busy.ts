/**
 * "Is git busy in this checkout?": one answer for every command that changes something.
 * Pure: the marks are read from the checkout's git dir elsewhere (git/checkout-state.ts).
 */
import { RefusalError } from '../lib/errors.js';
import { commandLine } from '../lib/shell-words.js';

export const BUSY_OPERATIONS = [
  'merge',
  'rebase',
  'am',
  'cherry-pick',
  'revert',
  'bisect',
  'unmerged-paths',
  'index-lock',
] as const;
export type BusyOperation = (typeof BUSY_OPERATIONS)[number];

/** What a checkout's git dir says is under way; each null or false when absent. */
export interface GitDirMarks {
  /** MERGE_HEAD's commit. */
  mergeHead: string | null;
  /** A rebase stopped part way: the branch it rebases, where that branch was, and what it goes onto. */
  rebase: { headName: string | null; origHead: string | null; onto: string | null } | null;
  /** rebase-apply/applying: `git am`, not a rebase. */
  am: boolean;
  cherryPickHead: string | null;
  revertHead: string | null;
  /** BISECT_START: the branch (or commit) the bisect returns to. */
  bisectStart: string | null;
  indexLock: boolean;
}

export const NO_MARKS: GitDirMarks = {
  mergeHead: null,
  rebase: null,
  am: false,
  cherryPickHead: null,
  revertHead: null,
  bisectStart: null,
  indexLock: false,
};

export interface Busy {
  operation: BusyOperation;
  checkout: string;
  /** For people: what is under way. */
  what: string;
  /** The git commands that finish it, and those that abort it. */
  finish: string[];
  abort: string[];
}

/** The first thing under way in the checkout, or null when git is idle there. */
export function busyState(
  checkout: string,
  marks: GitDirMarks,
  unmergedPaths: readonly string[] = [],
  indexLockPath = '.git/index.lock',
): Busy | null {
  const at = (words: string[]) => commandLine(['git', '-C', checkout, ...words]);
  if (marks.rebase && !marks.am) {
    const branch = marks.rebase.headName?.replace(/^refs\/heads\//, '') ?? 'a detached HEAD';
    return {
      operation: 'rebase',
      checkout,
      what: `a rebase of ${branch} is stopped part way`,
      finish: [at(['rebase', '--continue'])],
      abort: [at(['rebase', '--abort'])],
    };
  }
  if (marks.am)
    return {
      operation: 'am',
      checkout,
      what: 'a `git am` is stopped part way',
      finish: [at(['am', '--continue'])],
      abort: [at(['am', '--abort'])],
    };
  if (marks.mergeHead) {
    const what =
      unmergedPaths.length > 0
        ? `a merge is in progress with ${unmergedPaths.length} unmerged path(s)`
        : 'a merge is in progress (its conflicts are resolved but not committed)';
    return { operation: 'merge', checkout, what, finish: [at(['commit'])], abort: [at(['merge', '--abort'])] };
  }
  if (marks.cherryPickHead)
    return {
      operation: 'cherry-pick',
      checkout,
      what: 'a cherry-pick is stopped part way',
      finish: [at(['cherry-pick', '--continue'])],
      abort: [at(['cherry-pick', '--abort'])],
    };
  if (marks.revertHead)
    return {
      operation: 'revert',
      checkout,
      what: 'a revert is stopped part way',
      finish: [at(['revert', '--continue'])],
      abort: [at(['revert', '--abort'])],
    };
  if (marks.bisectStart !== null)
    return {
      operation: 'bisect',
      checkout,
      what: 'a bisect is in progress',
      finish: [at(['bisect', 'reset'])],
      abort: [at(['bisect', 'reset'])],
    };
  if (unmergedPaths.length > 0) {
    return {
      operation: 'unmerged-paths',
      checkout,
      what: `${unmergedPaths.length} path(s) are unmerged (${unmergedPaths.slice(0, 3).join(', ')}${unmergedPaths.length > 3 ? ', ...' : ''})`,
      finish: [`resolve each file, then ${at(['add', '--'])} <file>`],
      abort: [`${at(['reset', '--merge'])} (other uncommitted changes stay)`],
    };
  }
  if (marks.indexLock) {
    return {
      operation: 'index-lock',
      checkout,
      what: `another git process holds ${indexLockPath} (or one crashed and left it)`,
      finish: ['wait for that git command to finish'],
      abort: [`if no git command is running there: ${commandLine(['rm', indexLockPath])}`],
    };
  }
  return null;
}

/** Unmerged entries in `git status --porcelain=v1` have one of these codes. */
export const UNMERGED_CODES = new Set(['DD', 'AU', 'UD', 'UA', 'DU', 'AA', 'UU']);

export function busyRefusal(busy: Busy, role: string): RefusalError {
  return new RefusalError(
    'git-busy',
    `Git is busy in ${role} ${busy.checkout}: ${busy.what}. Nothing was changed.`,
    `Finish it (${busy.finish.join('; ')}) or abort it (${busy.abort.join('; ')}), then run the same command again.`,
    { checkout: busy.checkout, operation: busy.operation, finish: busy.finish, abort: busy.abort },
  );
}

/**
 * The branch a checkout holds: the one HEAD names, or, while HEAD is detached by a rebase or
 * a bisect, the branch that operation will move or return to. Git itself treats such a
 * branch as checked out, and so must every command that moves or deletes a branch.
 */
export function heldBranchRef(headRef: string | null, marks: GitDirMarks): string | null {
  if (headRef) return headRef;
  if (marks.rebase?.headName?.startsWith('refs/heads/')) return marks.rebase.headName;
  // BISECT_START holds the short branch name, or a commit when the bisect began detached.
  if (marks.bisectStart && !/^[0-9a-f]{40,64}$/.test(marks.bisectStart))
    return `refs/heads/${marks.bisectStart.replace(/^refs\/heads\//, '')}`;
  return null;
}
