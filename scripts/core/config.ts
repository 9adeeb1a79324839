/**
 * The project config: choices a team makes once, committed at .claude/flight-rules.json.
 * Every field is optional; defaults live here.
 */
export const CONFIG_PATH = '.claude/flight-rules.json';

export interface Config {
  /** Where session worktrees live, relative to the main checkout. Default: ../<name>-sessions */
  sessionsDir?: string;
  branchPrefix: string;
  /** Default base branch for new sessions; default: the main checkout's current branch. */
  baseBranch?: string;
  /** Globs (gitignore syntax) of ignored files to copy into new worktrees. */
  copy?: string[];
  /** Shell command run in a new worktree instead of the detected install. */
  postCreate?: string;
  ports?: { base: number; blockSize: number; blocks: number };
  /** Status warns about sessions older than this. */
  staleAfterDays: number;
  /** Status warns about sessions more than this many commits behind their base. */
  behindWarningCommits: number;
}

export const DEFAULT_CONFIG: Config = {
  branchPrefix: 'session/',
  staleAfterDays: 3,
  behindWarningCommits: 10,
};
