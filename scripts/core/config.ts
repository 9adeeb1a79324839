/**
 * The project config: choices a team makes once, committed at .claude/flight-rules.json.
 * Every field is optional; defaults live here. Validation is pure: the schema
 * (schemas/config.schema.json) first, then the rules a schema cannot say.
 */
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { validateConfig } from '../generated/validators.js';
import { describeSchemaErrors } from './schema-errors.js';
import { isWithin } from './paths.js';

export const CONFIG_PATH = '.claude/flight-rules.json';

export interface PortSettings {
  /** First port of the first block. */
  base: number;
  /** Ports per session. */
  blockSize: number;
  /** How many blocks, so how many sessions can hold ports at once. */
  blocks: number;
}

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
  /** Shell command `session land` runs on each candidate merge before it moves the base. */
  check?: string;
  ports?: Partial<PortSettings>;
  /** Status warns about sessions older than this. */
  staleAfterDays: number;
  /** Status warns about sessions more than this many commits behind their base. */
  behindWarningCommits: number;
  /** What /dev-session.start does when the user does not say: ask, or go straight to one kind. */
  sessionMode: SessionMode;
  /** Cleanup offers to prune saved refs of ended sessions older than this. */
  savedRefsMaxAgeDays: number;
  /** How a new worktree gets an installed tree the main checkout already has (see the schema). */
  dependencyClone: DependencyClone;
  /** Status shows a waiting agent as idle after this many minutes with no turn. */
  agentIdleMinutes: number;
}

export const DEPENDENCY_CLONES = ['auto', 'hardlink', 'off'] as const;
export type DependencyClone = (typeof DEPENDENCY_CLONES)[number];

export const SESSION_MODES = ['ask', 'parallel', 'standard'] as const;
export type SessionMode = (typeof SESSION_MODES)[number];

export const DEFAULT_CONFIG: Config = {
  branchPrefix: 'session/',
  staleAfterDays: 3,
  behindWarningCommits: 10,
  sessionMode: 'ask',
  savedRefsMaxAgeDays: 30,
  dependencyClone: 'auto',
  agentIdleMinutes: 30,
};

export const DEFAULT_PORTS: PortSettings = { base: 3100, blockSize: 10, blocks: 100 };

export function portSettings(config: Config): PortSettings {
  return { ...DEFAULT_PORTS, ...config.ports };
}

/** The fields a config may have, for messages: the user's project has no copy of the schema. */
export const CONFIG_FIELDS = [
  'sessionsDir',
  'branchPrefix',
  'baseBranch',
  'copy',
  'postCreate',
  'check',
  'ports',
  'staleAfterDays',
  'behindWarningCommits',
  'sessionMode',
  'savedRefsMaxAgeDays',
  'dependencyClone',
  'agentIdleMinutes',
];

function schemaProblem(): string {
  return describeSchemaErrors(
    validateConfig.errors,
    'it does not match the config schema',
    `the fields are ${CONFIG_FIELDS.join(', ')}`,
  );
}

/**
 * Where the sessions folder may not be: the main checkout itself, a folder holding it
 * (worktrees would become its siblings), or inside .git. Absolute paths are refused because
 * the file is committed and shared between machines.
 */
export function sessionsDirProblem(mainCheckout: string, configured: string): string | null {
  if (isAbsolute(configured) || configured.startsWith('~')) {
    return `/sessionsDir must be a path relative to the main checkout, not ${JSON.stringify(configured)}`;
  }
  const resolved = resolve(mainCheckout, configured);
  if (isWithin(resolved, mainCheckout)) {
    return `/sessionsDir must not be the main checkout or a folder that holds it (${JSON.stringify(configured)} is ${resolved})`;
  }
  if (isWithin(join(mainCheckout, '.git'), resolved)) return '/sessionsDir must not be inside .git';
  return null;
}

/** The sessions folder relative to the main checkout when it lies inside it, else null. */
export function sessionsDirInsideRepo(mainCheckout: string, sessionsDir: string): string | null {
  if (!isWithin(mainCheckout, sessionsDir) || sessionsDir === mainCheckout) return null;
  return relative(mainCheckout, sessionsDir).split(sep).join('/');
}

/** Checks parsed JSON and returns the config with defaults, or the first problem naming the field. */
export function parseConfig(data: unknown, mainCheckout: string): { config: Config } | { problem: string } {
  if (!validateConfig(data)) return { problem: schemaProblem() };
  const raw = { ...(data as Record<string, unknown>) };
  delete raw.$schema;
  const config = { ...DEFAULT_CONFIG, ...(raw as Partial<Config>) };
  if (config.sessionsDir !== undefined) {
    const problem = sessionsDirProblem(mainCheckout, config.sessionsDir);
    if (problem) return { problem };
  }
  const ports = portSettings(config);
  const last = ports.base + ports.blocks * ports.blockSize - 1;
  if (last > 65535) {
    return { problem: `/ports: base + blocks * blockSize - 1 = ${last}, above the last port 65535` };
  }
  return { config };
}
