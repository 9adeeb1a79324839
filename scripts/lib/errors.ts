/** Exit codes the slash commands rely on: 0 done, 1 refused, 2 usage. */
import { helper } from './invocation.js';

export const EXIT = { done: 0, refused: 1, usage: 2 } as const;

/** A git (or other tool) process that failed. Carries what is needed to diagnose it. */
export class GitError extends Error {
  constructor(
    readonly command: string[],
    readonly cwd: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly stdout = '',
  ) {
    super(
      `${command.join(' ')} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim() || stdout.trim() || 'no output'}`,
    );
    this.name = 'GitError';
  }
}

/** The caller asked for something malformed: a bad flag, a bad name. Exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly next?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Every code a refusal carries: the agent branches on them, the command texts name them, and
 * the error schema lists them, so they are one closed set.
 */
export const REFUSAL_CODES = [
  'bare-repository',
  'base-checked-out-elsewhere',
  'base-missing',
  'branch-checked-out-elsewhere',
  'branch-exists',
  'branch-missing',
  'branch-moved',
  'branch-prefix-mismatch',
  'branch-writes-sessions',
  'config-invalid',
  'confirmation-mismatch',
  'detached-head',
  'end-incomplete',
  'entry-untrusted',
  'git-busy',
  'git-failed',
  'git-too-old',
  'history-unreadable',
  'home-unusable',
  'inside-session',
  'install-record-invalid',
  'interrupted',
  'land-incomplete',
  'lock-busy',
  'main-changed',
  'main-dirty',
  'manifest-full',
  'manifest-invalid',
  'manifest-locked',
  'merge-conflicts',
  'merge-failed',
  'merge-locked',
  'no-commits',
  'no-home',
  'no-remote',
  'no-such-end',
  'no-such-folder',
  'no-such-session',
  'not-a-repository',
  'not-in-tmux',
  'not-on-session-branch',
  'nothing-to-land',
  'nothing-to-propose',
  'nothing-to-restore',
  'pr-from-fork',
  'pr-unreadable',
  'push-failed',
  'rebase-conflicts',
  'save-failed',
  'saved-work-mismatch',
  'session-busy',
  'session-dirty',
  'session-exists',
  'session-not-ready',
  'settings-invalid',
  'sync-conflict',
  'tmux-failed',
  'uncommitted-work',
  'unknown-base',
  'unknown-remote',
  'unsaved-work',
  'worktree-add-unreadable',
  'worktree-changing',
  'worktree-locked',
  'worktree-missing',
  'worktree-off-branch',
  'worktree-path-exists',
  'worktree-record-exists',
  'worktrees-locked',
  'would-overwrite',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** The codes describeError gives what is not a refusal. */
export const OTHER_ERROR_CODES = ['usage', 'internal-error'] as const;

/**
 * A precondition failed. Nothing was changed. Exit 1.
 * `code` is a stable identifier for tools; `next` tells the agent what to do.
 */
export class RefusalError extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
    readonly next: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RefusalError';
  }
}

/**
 * The same failure, with what was checked afterwards added to its message: "rolled back" is
 * said only once it was verified. A git failure keeps its code and its details.
 */
export function withOutcome(error: unknown, outcome: string): unknown {
  if (error instanceof RefusalError)
    return new RefusalError(error.code, `${error.message} ${outcome}`, error.next, error.details);
  if (error instanceof GitError) {
    return new RefusalError(
      'git-failed',
      `git failed: ${error.command.join(' ')} (exit ${error.exitCode ?? 'signal'}) in ${error.cwd}: ${error.stderr.trim() || error.stdout.trim()} ${outcome}`,
      'Fix the git problem shown above, then run the same command again.',
      { command: error.command, exitCode: error.exitCode, stderr: error.stderr, cwd: error.cwd },
    );
  }
  return error;
}

/**
 * What any error means to the caller: its exit code, a stable code, what is wrong and what to
 * do next. The CLI prints it; read-only reports, which always exit 0, list it as a problem.
 */
export function describeError(error: unknown, command: string) {
  if (error instanceof UsageError) {
    return {
      exit: EXIT.usage,
      kind: 'usage',
      code: 'usage',
      message: error.message,
      next: error.next ?? `Run \`session ${command} --help\`.`,
      details: {},
    };
  }
  if (error instanceof RefusalError) {
    return {
      exit: EXIT.refused,
      kind: 'refused',
      code: error.code,
      message: error.message,
      next: error.next,
      details: error.details,
    };
  }
  if (error instanceof GitError) {
    return {
      exit: EXIT.refused,
      kind: 'git',
      code: 'git-failed',
      message: `git failed: ${error.command.join(' ')} (exit ${error.exitCode ?? 'signal'}) in ${error.cwd}: ${error.stderr.trim() || error.stdout.trim()}`,
      next: `Fix the git problem shown above, then retry; \`${helper('status')}\` shows where things stand.`,
      details: { command: error.command, exitCode: error.exitCode, stderr: error.stderr, cwd: error.cwd },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    exit: EXIT.refused,
    kind: 'internal',
    code: 'internal-error',
    message,
    next: 'This is a bug in the helper; report it with the command you ran.',
    details: {},
  };
}
