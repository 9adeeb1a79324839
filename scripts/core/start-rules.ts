/** The decisions `session start` makes from gathered facts, kept pure so they can be tested as tables. */
import { blockList } from './format.js';
import { helper } from '../lib/invocation.js';
import { RefusalError, UsageError } from '../lib/errors.js';
import { formatStatusEntry, isTrackedChange, isUntracked, type StatusEntry } from './status-porcelain.js';
import { commandLine } from '../lib/shell-words.js';

export interface StartFacts {
  name: string;
  branch: string;
  worktreePath: string;
  mainCheckout: string;
  hasCommits: boolean;
  /** The session id whose worktree holds cwd, if any. */
  insideSession: string | null;
  nameInManifest: boolean;
  worktreePathExists: boolean;
  branchExists: boolean;
}

export function startRefusal(facts: StartFacts): RefusalError | null {
  if (facts.insideSession) {
    return new RefusalError(
      'inside-session',
      `You are inside the parallel session "${facts.insideSession}"; a new session cannot start from a session worktree.`,
      `Start new sessions from the main checkout: ${commandLine(['cd', facts.mainCheckout])}`,
    );
  }
  if (!facts.hasCommits) {
    return new RefusalError(
      'no-commits',
      'The repository has no commits yet, so there is nothing to branch from.',
      'Make a first commit (git add -A && git commit -m "Initial commit"), then start the session.',
    );
  }
  if (facts.nameInManifest) {
    return new RefusalError(
      'session-exists',
      `A session named "${facts.name}" is already registered.`,
      `Resume it (${commandLine(['cd', facts.worktreePath])} && claude), end it with \`${helper(`end ${facts.name}`)}\`, or pick another name.`,
    );
  }
  if (facts.worktreePathExists) {
    return new RefusalError(
      'worktree-path-exists',
      `The path ${facts.worktreePath} already exists.`,
      `Pick another session name, or run \`${helper('cleanup')}\` if it is left over from an old session.`,
    );
  }
  if (facts.branchExists) {
    return new RefusalError(
      'branch-exists',
      `The branch ${facts.branch} already exists.`,
      `Pick another session name, or delete the old branch once its work is safe (${commandLine(['git', 'branch', '-d', facts.branch])}).`,
    );
  }
  return null;
}

export const IF_DIRTY_MODES = ['abort', 'stash', 'commit', 'proceed'] as const;
export type IfDirtyMode = (typeof IF_DIRTY_MODES)[number];

export function parseIfDirty(value: string | undefined, commitMessage: string | undefined): IfDirtyMode {
  const mode = (value ?? 'abort') as IfDirtyMode;
  if (!IF_DIRTY_MODES.includes(mode)) {
    throw new UsageError(`--if-dirty must be one of ${IF_DIRTY_MODES.join(', ')}; got "${value}"`);
  }
  if (mode === 'commit' && !commitMessage?.trim()) {
    throw new UsageError(
      '--if-dirty commit needs --commit-message MSG',
      'Ask the user for a commit message and pass it with --commit-message.',
    );
  }
  return mode;
}

export interface DirtyPlan {
  action: 'none' | IfDirtyMode;
  tracked: string[];
  untracked: string[];
}

/** Dirty means tracked changes, staged or not. Untracked files never block. */
export function planDirty(mode: IfDirtyMode, status: StatusEntry[]): DirtyPlan {
  const tracked = status.filter(isTrackedChange).map(formatStatusEntry);
  const untracked = status.filter(isUntracked).map((entry) => entry.path);
  return { action: tracked.length === 0 ? 'none' : mode, tracked, untracked };
}

export function dirtyRefusal(plan: DirtyPlan, mainCheckout: string): RefusalError {
  return new RefusalError(
    'main-dirty',
    `The main checkout ${mainCheckout} has uncommitted changes; a parallel session branches from the last commit, so they would not come along:\n${blockList(plan.tracked)}`,
    'Ask the user, then rerun with --if-dirty commit --commit-message MSG (commit them first), --if-dirty stash (stash them), or --if-dirty proceed (leave them behind).',
    { tracked: plan.tracked },
  );
}

/** The message of the stash start makes of the main checkout's uncommitted changes; cleanup knows a start's stash by it. */
export const startStashMessage = (name: string) => `flight-rules: before session ${name}`;

/** The session a stash's reflog subject ("On <branch>: <message>") says a start made it for, or null. */
export function startOfStash(subject: string): string | null {
  const match = /^On [^:]*: flight-rules: before session (\S+)$/.exec(subject);
  return match ? match[1]! : null;
}
