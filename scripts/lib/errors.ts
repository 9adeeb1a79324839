/** Exit codes the slash commands rely on: 0 done, 1 refused, 2 usage. */
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
    super(`${command.join(' ')} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim() || stdout.trim() || 'no output'}`);
    this.name = 'GitError';
  }
}

/** The caller asked for something malformed: a bad flag, a bad name. Exit 2. */
export class UsageError extends Error {
  constructor(message: string, readonly next?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A precondition failed. Nothing was changed. Exit 1.
 * `code` is a stable identifier for tools; `next` tells the agent what to do.
 */
export class RefusalError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly next: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RefusalError';
  }
}
