import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../lib/errors.js';
import type { Agent } from './command-text.js';

export const INSTALL_USAGE =
  'npx tsx install.ts [project-dir] [--user] [--agent claude|cursor|both] [--dry-run] [--force] [--uninstall] [--no-hooks] [--no-gitattributes]';

export interface InstallOptions {
  /** Absent with --user. */
  projectDir: string | null;
  user: boolean;
  agents: Agent[];
  dryRun: boolean;
  force: boolean;
  uninstall: boolean;
  hooks: boolean;
  gitattributes: boolean;
  help: boolean;
}

export function parseInstallArgs(argv: string[], cwd: string): InstallOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        user: { type: 'boolean' },
        agent: { type: 'string' },
        'dry-run': { type: 'boolean' },
        force: { type: 'boolean' },
        uninstall: { type: 'boolean' },
        'no-hooks': { type: 'boolean' },
        'no-gitattributes': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!, `usage: ${INSTALL_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1)
    throw new UsageError(`expected at most one project folder, got ${positionals.length}`, `usage: ${INSTALL_USAGE}`);
  if (values.user && positionals.length === 1)
    throw new UsageError(
      '--user installs into your home folder; leave out the project folder',
      `usage: ${INSTALL_USAGE}`,
    );
  const agent = values.agent ?? 'claude';
  if (!['claude', 'cursor', 'both'].includes(agent))
    throw new UsageError(`--agent must be claude, cursor or both; got "${agent}"`, `usage: ${INSTALL_USAGE}`);
  return {
    projectDir: values.user ? null : resolve(cwd, positionals[0] ?? '.'),
    user: values.user === true,
    agents: agent === 'both' ? ['claude', 'cursor'] : [agent as Agent],
    dryRun: values['dry-run'] === true,
    force: values.force === true,
    uninstall: values.uninstall === true,
    hooks: values['no-hooks'] !== true,
    gitattributes: values['no-gitattributes'] !== true,
    help: values.help === true,
  };
}
