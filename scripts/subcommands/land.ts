import { UsageError } from '../lib/errors.js';
import { stringOption, type Subcommand } from '../lib/subcommand.js';
import { SPECS } from './specs.js';
import { renderLand } from '../core/land-plan.js';
import { findProject } from '../store/project.js';
import { landSessions } from '../engine/land/land-run.js';

export const land: Subcommand = {
  ...SPECS.land,
  async run({ values, positionals }, context) {
    const given = stringOption(values, 'check');
    if (given !== undefined && given.trim() === '')
      throw new UsageError(
        '--check is empty',
        'Pass the command to run on each candidate merge, e.g. --check "npm test", or leave it out.',
      );
    if (given !== undefined && values['no-check'] === true)
      throw new UsageError('--check and --no-check contradict each other', 'Pass one of them.');
    const project = await findProject(context.cwd);
    const configured = project.config.check;
    const check =
      values['no-check'] === true
        ? null
        : given !== undefined
          ? { command: given, source: 'flag' as const }
          : configured
            ? { command: configured, source: 'config' as const }
            : null;
    const report = await landSessions({
      project,
      named: positionals,
      check,
      dryRun: values['dry-run'] === true,
      now: context.now,
      progress: (line) => context.stderr.write(`${line}\n`),
      callerFolder: context.env.CLAUDECODE ? project.cwd : null,
    });
    return { text: renderLand(report), json: { ...report } };
  },
};
