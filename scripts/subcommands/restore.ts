import { inlineList, shortSha } from '../core/format.js';
import { join } from 'node:path';
import { UsageError } from '../lib/errors.js';
import { helper } from '../lib/invocation.js';
import { MARK } from '../lib/output.js';
import { commandLine } from '../lib/shell-words.js';
import { stringOption, type Subcommand } from '../lib/subcommand.js';
import { SPECS } from './specs.js';
import { HISTORY_FILE } from '../core/paths.js';
import { SESSION_NAME_RULE, sessionNameProblem } from '../core/names.js';
import { atProblem, nestedRestoreCommand, nestedRestoreTemplate, planRestore } from '../core/restore-plan.js';
import { findProject } from '../store/project.js';
import { gatherRestoreFacts } from '../engine/restore/restore-facts.js';
import { restoreSession } from '../engine/restore/restore-session.js';
import { describePortBlock } from '../workspace/ports.js';
import { renderWorkspace, workspaceJson } from '../workspace/report.js';

const short = shortSha;
const list = (paths: string[]) => inlineList(paths);

export const restore: Subcommand = {
  ...SPECS.restore,
  async run({ values, positionals }, context) {
    const name = positionals[0]!;
    const problem = sessionNameProblem(name);
    if (problem)
      throw new UsageError(
        `invalid session name ${JSON.stringify(name)}: ${problem}. Rule: ${SESSION_NAME_RULE}.`,
        `Run \`${helper('status')}\`: its Leftovers name the sessions that can be restored.`,
      );
    const at = stringOption(values, 'at');
    const badAt = at === undefined ? null : atProblem(at);
    if (badAt) throw badAt;

    const project = await findProject(context.cwd);
    const facts = await gatherRestoreFacts(project, name, at);
    const plan = planRestore(facts);
    if (plan instanceof Error) throw plan;
    const run = await restoreSession(project, plan, {
      runSetup: values['no-setup'] !== true,
      now: context.now,
      progress: (line) => process.stderr.write(`${line}\n`),
    });

    const worktree = plan.worktreePath;
    const main = project.mainCheckout;
    const nested = plan.nested.map((saved) => {
      const command = nestedRestoreCommand(main, worktree, saved);
      return {
        path: saved.path,
        ref: saved.prefix,
        command,
        template: command ? null : nestedRestoreTemplate(main, saved),
      };
    });
    const setupFailed = run.workspace.setup.status === 'failed' || run.workspace.setup.status === 'interrupted';
    const next = [
      `${commandLine(['cd', worktree])} && claude`,
      ...nested.flatMap((item) => (item.command ? [item.command] : [])),
      ...(setupFailed ? [helper(`setup ${name}`)] : []),
    ];
    const record = facts.record;
    const port = run.entry.port ?? null;
    const warnings = [...plan.warnings, ...run.warnings];
    const lines = [
      `${MARK.done} Session "${name}" restored from its ${record.strategy} end at ${record.endedAt} (${plan.restoredFrom.savedAs})`,
      `${MARK.done} Branch: ${plan.branch} at ${short(plan.tip)}${plan.createBranch ? ' (made again)' : ' (as it is)'}`,
      `${MARK.done} Worktree: ${worktree}`,
      ...(run.changes
        ? [
            `${MARK.done} Uncommitted work back as it was, from ${run.changes.ref}: ${run.changes.files.length} file(s), ${run.changes.staged} staged, ${run.changes.untracked} untracked`,
          ]
        : [`${MARK.info} No uncommitted work was saved, so the worktree is the branch as committed`]),
      ...(run.ignored && run.ignored.restored.length > 0
        ? [`${MARK.done} Ignored files back from ${run.ignored.ref}: ${list(run.ignored.restored)}`]
        : []),
      ...(run.ignored?.skipped ?? []).map((skip) => `${MARK.warn} Not restored: ${skip.path}: ${skip.message}`),
      `${MARK.done} Goals: ${plan.goals.length > 0 ? plan.goals.join('; ') : '(none recorded)'}`,
      ...(port
        ? [
            `${MARK.info} Ports: ${describePortBlock(port)}${plan.port ? (run.portReused ? ' (the same block as before)' : ` (a new block: ${describePortBlock(plan.port)} is held by another session)`) : ''}`,
          ]
        : []),
      ...(run.entry.sessionLog ? [`${MARK.done} Session log: ${run.entry.sessionLog} (in the worktree)`] : []),
      `${MARK.done} Registered in ${project.manifestPath}`,
      ...renderWorkspace(run.workspace, name).filter((line) => !line.startsWith(`${MARK.done} Ports:`)),
      ...warnings.map((warning) => `${MARK.warn} ${warning}`),
      ...plan.notes.map((note) => `${MARK.info} ${note}`),
      ...nested.flatMap((item) =>
        item.command
          ? [
              `${MARK.warn} The repository ${item.path} inside the worktree was saved under ${item.ref}/; to put it back, run:`,
              `    ${item.command}`,
            ]
          : [
              `${MARK.warn} A repository inside the worktree was saved under ${item.ref}/ (its folder was not recorded); to put it back, run with <folder> filled in:`,
              `    ${item.template}`,
            ],
      ),
      '',
      `Next: open a new terminal and run`,
      `  ${next[0]}`,
      ...next.slice(1).map((line) => `  then: ${line}`),
    ];
    return {
      text: lines.join('\n'),
      json: {
        session: run.entry,
        worktreePath: worktree,
        mainCheckout: main,
        manifest: project.manifestPath,
        from: {
          strategy: record.strategy,
          endedAt: record.endedAt,
          savedAs: plan.restoredFrom.savedAs,
          history: join(project.sessionsDir, HISTORY_FILE),
        },
        branch: { name: plan.branch, tip: plan.tip, created: plan.createBranch },
        restored: {
          changes: run.changes,
          ignored: run.ignored,
          nested: nested.map(({ path, ref, command, template }) => ({ path, ref, command, template })),
          missing: plan.missing,
        },
        port: { block: port, previous: plan.port, reused: run.portReused },
        workspace: (({ setup, ...rest }) => ({
          ...rest,
          setup: { ...setup, next: setupFailed ? helper(`setup ${name}`) : null },
        }))(workspaceJson(run.workspace, name)),
        warnings,
        notes: plan.notes,
        next,
      },
    };
  },
};
