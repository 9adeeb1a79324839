/** The decisions `session sync` makes from gathered facts, and its refusals; pure. */
import { helper } from '../lib/invocation.js';
import { RefusalError } from '../lib/errors.js';
import { commandLine } from '../lib/shell-words.js';
import { busyRefusal, type Busy } from './busy.js';
import type { SessionEntry } from './manifest-types.js';
import { formatStatusEntry, type StatusEntry } from './status-porcelain.js';
import { incomingOverwriteRefusal, sessionsPathsRefusal } from './end-plan.js';

export type SyncMode = 'rebase' | 'merge';

export interface SyncFacts {
  entry: SessionEntry;
  worktree: string;
  worktreeExists: boolean;
  baseCommit: string | null;
  tip: string | null;
  /** The full ref HEAD names in the worktree; null when detached. */
  headRef: string | null;
  /** The session's own uncommitted work (the untracked session log excepted: sync commits it). */
  work: StatusEntry[];
  busy: Busy | null;
  /** The branch's upstream (it was pushed): a rebase would rewrite published history. */
  upstream: string | null;
  sessionsPaths: string[];
  sessionsDirInRepo: string | null;
  /** Untracked or ignored files in the worktree that bringing the base in (in the mode syncMode picks) would write over. */
  inTheWay: string[];
  /** What the user asked for: --merge, --rebase, or neither. */
  asked: SyncMode | null;
  /** The name as the user gave it, for the command lines shown back. */
  named: boolean;
  /** The caller stands in the worktree: git steps shown back need no `-C <worktree>` (and an agent's permissions name them so). */
  callerInWorktree: boolean;
}

/** A git command line for the session's worktree, as the caller runs it from where it stands. */
export function gitInWorktree(facts: Pick<SyncFacts, 'worktree' | 'callerInWorktree'>, words: string[]): string {
  return commandLine(facts.callerInWorktree ? ['git', ...words] : ['git', '-C', facts.worktree, ...words]);
}

/**
 * Rebase by default, but merge when the branch has an upstream: it was pushed (kept, or in a
 * PR), and rebasing it would make the next push fail or need a force. --rebase still rebases.
 */
export function syncMode(facts: Pick<SyncFacts, 'asked' | 'upstream'>): SyncMode {
  return facts.asked ?? (facts.upstream ? 'merge' : 'rebase');
}

export function syncRefusal(facts: SyncFacts, mode: SyncMode): RefusalError | null {
  const { entry, worktree } = facts;
  if (!facts.worktreeExists) {
    return new RefusalError(
      'worktree-missing',
      `The worktree of "${entry.id}" (${worktree}) is missing.`,
      `Run \`${helper('cleanup')}\` to see how to recover it.`,
    );
  }
  if (!facts.baseCommit) {
    return new RefusalError(
      'base-missing',
      `The base branch ${entry.base.branch} of "${entry.id}" no longer exists, so there is nothing to sync with.`,
      `Recreate it (${commandLine(['git', 'branch', entry.base.branch, '<commit>'])}) or end the session with \`${helper(`end ${entry.id} --strategy keep`)}\`.`,
      { base: entry.base },
    );
  }
  if (facts.busy) return busyRefusal(facts.busy, `the worktree of session "${entry.id}"`);
  if (!facts.tip || facts.headRef !== `refs/heads/${entry.branch}`) {
    return new RefusalError(
      'not-on-session-branch',
      `The worktree ${worktree} is not on ${entry.branch} (HEAD: ${facts.headRef ?? 'detached'}).`,
      `Check the session branch out again (${gitInWorktree(facts, ['switch', entry.branch])}), then run the same command again.`,
    );
  }
  const again = [
    'session',
    'sync',
    ...(facts.named ? [entry.id] : []),
    ...(facts.asked ? [`--${facts.asked}`] : []),
  ].join(' ');
  if (facts.work.length > 0) {
    const files = facts.work.map(formatStatusEntry);
    return new RefusalError(
      'session-dirty',
      `Session "${entry.id}" has uncommitted changes, and a ${mode} needs a clean worktree:\n${files.map((line) => `  ${line}`).join('\n')}`,
      `Commit them in ${worktree} (or move them aside), then run \`${again}\` again.`,
      { files },
    );
  }
  if (facts.sessionsPaths.length > 0)
    return sessionsPathsRefusal(
      `Syncing ${entry.branch} with ${entry.base.branch}`,
      facts.sessionsDirInRepo!,
      facts.sessionsPaths,
    );
  if (facts.inTheWay.length > 0)
    return incomingOverwriteRefusal(
      {
        doing: `Syncing ${entry.branch} with ${entry.base.branch} by ${mode}`,
        baseBranch: entry.base.branch,
        worktree,
        again: `run \`${again}\` again`,
      },
      facts.inTheWay,
    );
  return null;
}
