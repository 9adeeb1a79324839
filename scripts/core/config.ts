/**
 * The project config: choices a team makes once, committed at .claude/flight-rules.json.
 * Every field is optional; defaults live here.
 */
export const CONFIG_PATH = '.claude/flight-rules.json';

export interface Config {
  /** Where session worktrees live, relative to the main checkout. Default: ../<name>-sessions */
  sessionsDir?: string;
  branchPrefix: string;
  baseBranch?: string;
}

export const DEFAULT_CONFIG: Config = {
  branchPrefix: 'session/',
};
