import { shortSha } from '../core/format.js';
import { join } from 'node:path';
import { UsageError } from '../lib/errors.js';
import { helper } from '../lib/invocation.js';
import { MARK } from '../lib/output.js';
import { commandLine } from '../lib/shell-words.js';
import { listOption, stringOption, type Subcommand } from '../lib/subcommand.js';
import { claudeSessionProblem, goalsProblem, openCommand, planProblem, SESSION_NAME_RULE, sessionNameProblem, suggestSessionName } from '../core/names.js';
import { describeOrphan } from '../core/orphans.js';
import { parseIfDirty } from '../core/start-rules.js';
import { findProject } from '../store/project.js';
import { parseCopyChoice } from '../workspace/include-matching.js';
import { renderWorkspace, setupNext, workspaceJson } from '../workspace/report.js';
import { startSession } from '../engine/start/start-session.js';
import { openSession } from '../engine/open/open-session.js';
import { parseOpenMode } from '../core/open-plan.js';
import { openFields, renderOpen } from './open.js';

export const start: Subcommand = {
  name: 'start',
  summary: 'Create a parallel session: a worktree on a new branch, registered in the manifest, with a session log stub.',
  usage: 'start <name> [--goal TEXT]... [--base BRANCH] [--if-dirty abort|stash|commit|proceed] [--commit-message MSG] [--copy auto|none|PATH,...] [--no-setup] [--plan TEXT] [--claude-session ID] [--open tmux|print] [--json]',
  options: {
    goal: { type: 'string', multiple: true },
    base: { type: 'string' },
    'if-dirty': { type: 'string' },
    'commit-message': { type: 'string' },
    copy: { type: 'string' },
    'no-setup': { type: 'boolean' },
    'claude-session': { type: 'string' },
    plan: { type: 'string' },
    open: { type: 'string' },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }, context) {
    const name = positionals[0]!;
    const problem = sessionNameProblem(name);
    if (problem) {
      const suggestion = suggestSessionName(name);
      throw new UsageError(`invalid session name ${JSON.stringify(name)}: ${problem}. Rule: ${SESSION_NAME_RULE}.`, suggestion ? `Try: ${helper(`start ${suggestion}`)}` : 'Pick a name such as auth-refactor.');
    }
    const goals = listOption(values, 'goal').map((goal) => goal.trim()).filter(Boolean);
    const goalsIssue = goalsProblem(goals);
    if (goalsIssue) throw new UsageError(`invalid --goal: ${goalsIssue}`, 'Pass each goal as one short line of plain text.');
    const plan = stringOption(values, 'plan')?.trim() || null;
    const planIssue = plan ? planProblem(plan) : null;
    if (planIssue) throw new UsageError(`invalid --plan: ${planIssue}`, 'Pass the agreed plan as a few lines of plain text.');
    const commitMessage = stringOption(values, 'commit-message');
    const ifDirty = parseIfDirty(stringOption(values, 'if-dirty'), commitMessage);
    const copy = parseCopyChoice(stringOption(values, 'copy'));
    const openMode = parseOpenMode(stringOption(values, 'open'));
    // The conversation to continue in the worktree: as the command text passes it, else as the client sets it for its tools.
    const claudeSession = stringOption(values, 'claude-session') || context.env.CLAUDE_CODE_SESSION_ID || undefined;
    const sessionIdIssue = claudeSession ? claudeSessionProblem(claudeSession) : null;
    if (sessionIdIssue) throw new UsageError(`invalid --claude-session: ${sessionIdIssue}`, 'Pass the conversation id as the command text gives it (${CLAUDE_SESSION_ID}), or leave the flag out.');

    const project = await findProject(context.cwd);
    const result = await startSession(project, {
      name,
      goals,
      plan,
      base: stringOption(values, 'base'),
      ifDirty,
      commitMessage,
      copy,
      runSetup: values['no-setup'] !== true,
      claudeSession,
    }, context.now, (line) => context.stderr.write(`${line}\n`));
    const { session, worktreePath, branch, baseBranch, baseCommit, dirty, notes, stash, committed, createWarnings, workspace, orphans, leftBehind } = result;
    const main = project.mainCheckout;
    const opening = await openSession(project, session, worktreePath, openMode, context.env, context.now);
    const setupFailed = workspace.setup.status === 'failed' || workspace.setup.status === 'interrupted';
    const lines = [
      `${MARK.done} Session "${name}" created`,
      `${MARK.done} Worktree: ${worktreePath}`,
      `${MARK.done} Branch: ${branch} from ${baseBranch} at ${shortSha(baseCommit)}`,
      session.sessionLog ? `${MARK.done} Session log: ${session.sessionLog} (in the worktree)` : `${MARK.warn} No session log`,
      ...createWarnings.map((warning) => `${MARK.warn} ${warning}`),
      `${MARK.done} Registered in ${project.manifestPath}`,
      ...notes,
      ...renderWorkspace(workspace, name),
      ...orphans.map((finding) => `${MARK.warn} ${describeOrphan(finding)}`),
      ...(leftBehind.length > 0
        ? [`${MARK.info} ${leftBehind.length} untracked file(s) stay in the main checkout: ${leftBehind.slice(0, 5).join(', ')}${leftBehind.length > 5 ? ', ...' : ''}`]
        : []),
      ...(opening.opened
        ? [...renderOpen(name, worktreePath, opening), ...(setupFailed ? ['', `Next: ${setupNext(name)}`] : [])]
        : [
            ...(opening.problem ? [`${MARK.warn} No tmux window was opened: ${opening.problem}.`] : []),
            '',
            ...(setupFailed ? [`Next: ${setupNext(name)}`] : []),
            `${setupFailed ? 'Then' : 'Next'}: open a new terminal and run`,
            `  ${openCommand(worktreePath, claudeSession, commandLine)}`,
            claudeSession ? 'It continues this very conversation, in the worktree.' : 'then use /resume there to pick up this conversation.',
            ...(opening.insideTmux && opening.mode === 'print' ? [`Inside tmux, \`${helper(`open ${name}`)}\` opens it in a new window instead.`] : []),
          ]),
    ];
    return {
      text: lines.join('\n'),
      json: {
        session,
        worktreePath,
        sessionLogPath: session.sessionLog ? join(worktreePath, session.sessionLog) : null,
        mainCheckout: main,
        manifest: project.manifestPath,
        dirty: { action: dirty.action, tracked: dirty.tracked, untrackedLeftBehind: leftBehind, stash, commit: committed },
        workspace: workspaceJson(workspace, name),
        next: openCommand(worktreePath, claudeSession, commandLine),
        open: openFields(opening),
        orphans,
      },
    };
  },
};

