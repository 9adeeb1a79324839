import { shortSha } from '../core/format.js';
import { join } from 'node:path';
import { UsageError } from '../lib/errors.js';
import { helper } from '../lib/invocation.js';
import { MARK } from '../lib/output.js';
import { commandLine } from '../lib/shell-words.js';
import { listOption, stringOption, type Outcome, type Subcommand } from '../lib/subcommand.js';
import { SPECS } from './specs.js';
import {
  claudeSessionProblem,
  goalsProblem,
  openCommand,
  planProblem,
  SESSION_NAME_RULE,
  sessionNameProblem,
  suggestSessionName,
} from '../core/names.js';
import { describeOrphan } from '../core/orphans.js';
import { parseIfDirty } from '../core/start-rules.js';
import { findProject } from '../store/project.js';
import { parseCopyChoice } from '../workspace/include-matching.js';
import { renderWorkspace, setupNext, workspaceJson } from '../workspace/report.js';
import { startSession } from '../engine/start/start-session.js';
import { openSession } from '../engine/open/open-session.js';
import { parseOpenMode } from '../core/open-plan.js';
import { openFields, renderOpen } from './open.js';
import { parseGitHubRef } from '../core/github.js';
import { readStartSource, type StartSource } from '../engine/start/from-github.js';

export const start: Subcommand = {
  ...SPECS.start,
  async run({ values, positionals }, context) {
    const issueRef = stringOption(values, 'issue');
    const prRef = stringOption(values, 'pr');
    if (issueRef !== undefined && prRef !== undefined)
      throw new UsageError(
        '--issue and --pr cannot go together',
        "Start from an issue (--issue N) or on a pull request's branch (--pr N).",
      );
    const fromGitHub = issueRef !== undefined || prRef !== undefined;
    const propose = values.propose === true;
    if (propose && !fromGitHub)
      throw new UsageError(
        '--propose needs --issue or --pr: it proposes a name and goals from one',
        `Try: ${helper('start --issue 42 --propose')}`,
      );
    if (stringOption(values, 'remote') !== undefined && prRef === undefined)
      throw new UsageError(
        "--remote goes with --pr: it names the remote the pull request's branch is fetched from",
        'Leave --remote out, or add --pr N.',
      );
    if (positionals.length === 0 && !fromGitHub)
      throw new UsageError('expected 1 argument(s), got 0', `usage: session ${start.usage}`);
    const given = positionals[0];
    if (given !== undefined) checkName(given);
    const goals = listOption(values, 'goal')
      .map((goal) => goal.trim())
      .filter(Boolean);
    const goalsIssue = goalsProblem(goals);
    if (goalsIssue)
      throw new UsageError(`invalid --goal: ${goalsIssue}`, 'Pass each goal as one short line of plain text.');
    const plan = stringOption(values, 'plan')?.trim() || null;
    const planIssue = plan ? planProblem(plan) : null;
    if (planIssue)
      throw new UsageError(`invalid --plan: ${planIssue}`, 'Pass the agreed plan as a few lines of plain text.');
    const commitMessage = stringOption(values, 'commit-message');
    const ifDirty = parseIfDirty(stringOption(values, 'if-dirty'), commitMessage);
    const copy = parseCopyChoice(stringOption(values, 'copy'));
    const openMode = parseOpenMode(stringOption(values, 'open'));
    // The conversation to continue in the worktree: as the command text passes it, else as the client sets it for its tools.
    const claudeSession = stringOption(values, 'claude-session') || context.env.CLAUDE_CODE_SESSION_ID || undefined;
    const sessionIdIssue = claudeSession ? claudeSessionProblem(claudeSession) : null;
    if (sessionIdIssue)
      throw new UsageError(
        `invalid --claude-session: ${sessionIdIssue}`,
        'Pass the conversation id as the command text gives it (${CLAUDE_SESSION_ID}), or leave the flag out.',
      );

    const issue = issueRef !== undefined ? parseGitHubRef(issueRef, 'issue') : undefined;
    const pr = prRef !== undefined ? parseGitHubRef(prRef, 'pr') : undefined;
    const project = await findProject(context.cwd);
    const source = await readStartSource(project, {
      ...(issue !== undefined ? { issue } : {}),
      ...(pr !== undefined ? { pr } : {}),
      remote: stringOption(values, 'remote') ?? 'origin',
      fetch: !propose,
    });
    if (propose) return proposal(source, given, goals, issue, pr);
    const name = given ?? source.proposal?.name;
    if (!name)
      throw new UsageError(
        `start needs a session name: ${source.problem ?? 'none was given'}, so none can be proposed from it`,
        `Pass a name: ${helper('start <name> ...')}`,
      );
    if (given === undefined) checkName(name);
    const result = await startSession(
      project,
      {
        name,
        goals: goals.length > 0 ? goals : (source.proposal?.goals ?? []),
        plan,
        base: stringOption(values, 'base') ?? source.prBase ?? undefined,
        ifDirty,
        commitMessage,
        copy,
        runSetup: values['no-setup'] !== true,
        claudeSession,
        ...(source.issue ? { issue: source.issue } : {}),
        ...(source.pr && source.startCommit ? { pr: source.pr, startCommit: source.startCommit } : {}),
      },
      context.now,
      (line) => context.stderr.write(`${line}\n`),
    );
    const {
      session,
      worktreePath,
      branch,
      baseBranch,
      baseCommit,
      dirty,
      notes,
      stash,
      committed,
      createWarnings,
      workspace,
      orphans,
      leftBehind,
    } = result;
    const main = project.mainCheckout;
    const opening = await openSession(project, session, worktreePath, openMode, context.env, context.now);
    const setupFailed = workspace.setup.status === 'failed' || workspace.setup.status === 'interrupted';
    const lines = [
      `${MARK.done} Session "${name}" created`,
      `${MARK.done} Worktree: ${worktreePath}`,
      session.pr && source.startCommit
        ? `${MARK.done} Branch: ${branch} at ${session.pr.remote}/${session.pr.branch} (${shortSha(source.startCommit)}), tracking it; based on ${baseBranch} at ${shortSha(baseCommit)}`
        : `${MARK.done} Branch: ${branch} from ${baseBranch} at ${shortSha(baseCommit)}`,
      ...githubLines(source),
      session.sessionLog
        ? `${MARK.done} Session log: ${session.sessionLog} (in the worktree)`
        : `${MARK.warn} No session log`,
      ...createWarnings.map((warning) => `${MARK.warn} ${warning}`),
      `${MARK.done} Registered in ${project.manifestPath}`,
      ...notes,
      ...renderWorkspace(workspace, name),
      ...orphans.map((finding) => `${MARK.warn} ${describeOrphan(finding)}`),
      ...(leftBehind.length > 0
        ? [
            `${MARK.info} ${leftBehind.length} untracked file(s) stay in the main checkout: ${leftBehind.slice(0, 5).join(', ')}${leftBehind.length > 5 ? ', ...' : ''}`,
          ]
        : []),
      ...(opening.opened
        ? [...renderOpen(name, worktreePath, opening), ...(setupFailed ? ['', `Next: ${setupNext(name)}`] : [])]
        : [
            ...(opening.problem ? [`${MARK.warn} No tmux window was opened: ${opening.problem}.`] : []),
            '',
            ...(setupFailed ? [`Next: ${setupNext(name)}`] : []),
            `${setupFailed ? 'Then' : 'Next'}: open a new terminal and run`,
            `  ${openCommand(worktreePath, claudeSession, commandLine)}`,
            claudeSession
              ? 'It continues this very conversation, in the worktree.'
              : 'then use /resume there to pick up this conversation.',
            ...(opening.insideTmux && opening.mode === 'print'
              ? [`Inside tmux, \`${helper(`open ${name}`)}\` opens it in a new window instead.`]
              : []),
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
        dirty: {
          action: dirty.action,
          tracked: dirty.tracked,
          untrackedLeftBehind: leftBehind,
          stash,
          commit: committed,
        },
        workspace: workspaceJson(workspace, name),
        next: openCommand(worktreePath, claudeSession, commandLine),
        open: openFields(opening),
        github: { issue: source.issue, pr: source.pr, problem: source.problem },
        orphans,
      },
    };
  },
};

function checkName(name: string): void {
  const problem = sessionNameProblem(name);
  if (!problem) return;
  const suggestion = suggestSessionName(name);
  throw new UsageError(
    `invalid session name ${JSON.stringify(name)}: ${problem}. Rule: ${SESSION_NAME_RULE}.`,
    suggestion ? `Try: ${helper(`start ${suggestion}`)}` : 'Pick a name such as auth-refactor.',
  );
}

/** What the issue or pull request gave the session, and what could not be read. */
function githubLines(source: StartSource): string[] {
  if (source.issue)
    return [
      `${MARK.done} Issue #${source.issue.number} "${source.issue.title}" (${source.issue.url}) recorded: end --strategy pr puts "Closes #${source.issue.number}" in the PR`,
    ];
  if (source.pr)
    return [
      `${MARK.done} Pull request #${source.pr.number} "${source.pr.title}" (${source.pr.url}): end --strategy pr pushes back to ${source.pr.remote}/${source.pr.branch}, and opens no new PR`,
    ];
  return source.problem ? [`${MARK.warn} The ${source.problem}; the session starts without it.`] : [];
}

/** `start --issue|--pr ... --propose`: the name and goals start would take, and the line that starts it; nothing is created. */
function proposal(
  source: StartSource,
  given: string | undefined,
  goals: string[],
  issueRef: string | undefined,
  prRef: string | undefined,
): Outcome {
  const name = given ?? source.proposal?.name ?? null;
  const proposedGoals = goals.length > 0 ? goals : (source.proposal?.goals ?? []);
  const flag = issueRef !== undefined ? ['--issue', issueRef] : ['--pr', prRef!];
  const next =
    name && (source.issue || source.pr)
      ? helper(commandLine(['start', name, ...flag, ...proposedGoals.flatMap((goal) => ['--goal', goal])]))
      : null;
  const item = source.issue
    ? `Issue #${source.issue.number} "${source.issue.title}" (${source.issue.url})`
    : source.pr
      ? `Pull request #${source.pr.number} "${source.pr.title}" (${source.pr.url}), from ${source.pr.remote}/${source.pr.branch}`
      : null;
  const lines = item
    ? [
        `${MARK.info} ${item}`,
        `${MARK.info} Proposed name: ${name}`,
        `${MARK.info} Proposed goals:`,
        ...proposedGoals.map((goal) => `    ${goal}`),
        'Nothing was created.',
        '',
        `Next: agree the name and goals with the user, then run: ${next}`,
      ]
    : [
        `${MARK.warn} The ${source.problem}, so there is nothing to propose. Nothing was created.`,
        '',
        'Next: start the session with a name and goals of your own, or fix gh and run the same command again.',
      ];
  return {
    text: lines.join('\n'),
    json: {
      proposal: item ? { name, goals: proposedGoals } : null,
      issue: source.issue,
      pr: source.pr,
      problem: source.problem,
      next,
    },
  };
}
