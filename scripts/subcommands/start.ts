import { shortSha } from '../core/format.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RefusalError, UsageError } from '../lib/errors.js';
import { helper } from '../lib/invocation.js';
import { MARK } from '../lib/output.js';
import { listOption, stringOption, type Subcommand } from '../lib/subcommand.js';
import { findProject, worktreePathOf } from '../store/project.js';
import { checkoutBusy, checkoutBusySync } from '../git/checkout-state.js';
import { busyRefusal } from '../core/busy.js';
import { readManifest } from '../store/manifest-store.js';
import { findSession } from '../core/manifest-types.js';
import { claudeSessionProblem, goalsProblem, openCommand, planProblem, SESSION_NAME_RULE, sessionNameProblem, suggestSessionName } from '../core/names.js';
import { dirtyRefusal, parseIfDirty, planDirty, startRefusal } from '../core/start-rules.js';
import { sessionIdForWorktree } from '../core/session-lookup.js';
import { shortBranch } from '../core/worktree-list.js';
import { branchTips } from '../git/branches.js';
import { commitTrackedChanges, readStatus, stashTrackedChanges } from '../git/changes.js';
import { createSession } from '../engine/create-session.js';
import { withMergeLock } from '../store/merge-lock.js';
import { excludeSessionsDir, prepareWorkspaceSafely } from '../engine/prepare-workspace.js';
import { parseCopyChoice } from '../workspace/include-matching.js';
import { renderWorkspace, setupNext, workspaceJson } from '../workspace/report.js';
import { describeOrphan, orphanReport } from '../core/orphans.js';
import { gatherOrphanFacts } from '../engine/cleanup-facts.js';
import { commandLine } from '../lib/shell-words.js';

export const start: Subcommand = {
  name: 'start',
  summary: 'Create a parallel session: a worktree on a new branch, registered in the manifest, with a session log stub.',
  usage: 'start <name> [--goal TEXT]... [--base BRANCH] [--if-dirty abort|stash|commit|proceed] [--commit-message MSG] [--copy auto|none|PATH,...] [--no-setup] [--plan TEXT] [--claude-session ID] [--json]',
  options: {
    goal: { type: 'string', multiple: true },
    base: { type: 'string' },
    'if-dirty': { type: 'string' },
    'commit-message': { type: 'string' },
    copy: { type: 'string' },
    'no-setup': { type: 'boolean' },
    'claude-session': { type: 'string' },
    plan: { type: 'string' },
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
    // The conversation to continue in the worktree: as the command text passes it, else as the client sets it for its tools.
    const claudeSession = stringOption(values, 'claude-session') || context.env.CLAUDE_CODE_SESSION_ID || undefined;
    const sessionIdIssue = claudeSession ? claudeSessionProblem(claudeSession) : null;
    if (sessionIdIssue) throw new UsageError(`invalid --claude-session: ${sessionIdIssue}`, 'Pass the conversation id as the command text gives it (${CLAUDE_SESSION_ID}), or leave the flag out.');

    const project = await findProject(context.cwd);
    const main = project.mainCheckout;
    const branch = `${project.config.branchPrefix}${name}`;
    const worktreePath = join(project.sessionsDir, name);
    const manifest = readManifest(project.manifestPath, project.name);
    // Reported, never blocking: the agent offers "resume, clean up, or ignore" (7.2).
    const orphans = orphanReport(gatherOrphanFacts(project, manifest, context.now));
    const currentBranch = shortBranch(project.worktrees[0]!.branch);
    const chosenBase = stringOption(values, 'base') ?? project.config.baseBranch ?? currentBranch;
    // Under the merge lock, from the first read to the stash or commit: a session being merged
    // into the main checkout stages files there for a moment, and must not look like the user's work.
    const checked = await withMergeLock(main, async () => {
      const [tips, status] = await Promise.all([
        branchTips(main, chosenBase ? [branch, chosenBase] : [branch]),
        readStatus(main, { mayRefreshIndex: checkoutBusySync(main, []) === null }),
      ]);
      const busy = await checkoutBusy(main, status);
      if (busy) throw busyRefusal(busy, 'the main checkout');
      const head = project.worktrees[0]!.head;
      const refusal = startRefusal({
        name,
        branch,
        worktreePath,
        mainCheckout: main,
        hasCommits: head !== null && !/^0+$/.test(head),
        insideSession: sessionIdForWorktree(main, project.sessionsDir, manifest, project.currentWorktree, (entry) => worktreePathOf(project, entry)),
        nameInManifest: findSession(manifest, name) !== undefined,
        worktreePathExists: existsSync(worktreePath),
        branchExists: tips.has(branch),
      });
      if (refusal) throw refusal;
      const baseBranch = chosenBase;
      if (!baseBranch) {
        throw new RefusalError('detached-head', 'The main checkout is on a detached HEAD, so there is no branch to base the session on.', 'Pass --base BRANCH, or check out a branch in the main checkout.');
      }
      let baseCommit = tips.get(baseBranch)?.commit ?? null;
      if (!baseCommit) {
        throw new RefusalError('unknown-base', `There is no local branch ${JSON.stringify(baseBranch)} to base the session on.`, 'Pass --base with an existing local branch (git branch --list), or create it first: git branch NAME origin/NAME');
      }
      const dirty = planDirty(ifDirty, status);
      const notes: string[] = [];
      let stash: string | null = null;
      let committed: string | null = null;
      if (dirty.action === 'abort') throw dirtyRefusal(dirty, main);
      if (dirty.action === 'stash') {
        stash = await stashTrackedChanges(main, `flight-rules: before session ${name}`);
        notes.push(`${MARK.done} Stashed ${dirty.tracked.length} uncommitted change(s) in the main checkout as ${shortSha(stash)}. Restore them with: ${commandLine(['git', '-C', main, 'stash', 'pop'])}`);
      }
      if (dirty.action === 'commit') {
        committed = await commitTrackedChanges(main, commitMessage!);
        if (currentBranch === baseBranch) baseCommit = committed;
        notes.push(`${MARK.done} Committed ${dirty.tracked.length} change(s) in the main checkout as ${shortSha(committed)}.`);
      }
      if (dirty.action === 'proceed') {
        notes.push(`${MARK.warn} ${dirty.tracked.length} uncommitted change(s) stay in the main checkout and are not in the session.`);
      }
      return { baseBranch, baseCommit, dirty, notes, stash, committed };
    });
    const { baseCommit, dirty, notes, stash, committed } = checked;
    const baseBranch = checked.baseBranch;

    await excludeSessionsDir(project);
    const { entry: created, warnings: createWarnings } = await createSession(project, { name, branch, worktreePath, goals, baseBranch, baseCommit, startedAt: context.now, plan, ...(claudeSession ? { claudeSession } : {}) });
    // The session exists from here on; a workspace step that fails is reported, never rolled back.
    const workspace = await prepareWorkspaceSafely(project, created, {
      copy,
      runSetup: values['no-setup'] !== true,
      progress: (line) => context.stderr.write(`${line}\n`),
      now: context.now,
    });
    const session = findSession(readManifest(project.manifestPath, project.name), name) ?? created;
    const setupFailed = workspace.setup.status === 'failed' || workspace.setup.status === 'interrupted';
    const leftBehind = dirty.untracked.filter((path) => !workspace.packFiles.copied.includes(path));
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
      '',
      ...(setupFailed ? [`Next: ${setupNext(name)}`] : []),
      `${setupFailed ? 'Then' : 'Next'}: open a new terminal and run`,
      `  ${openCommand(worktreePath, claudeSession, commandLine)}`,
      claudeSession ? 'It continues this very conversation, in the worktree.' : 'then use /resume there to pick up this conversation.',
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
        orphans,
      },
    };
  },
};

