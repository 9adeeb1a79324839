/** `/parallel.status` through the real client: the `!` line's output reaches the model, with no permission asked. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import { describeClient } from './availability.js';
import { bash, commandText } from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { ClientHome, runClaude } from './runner.js';

describeClient('/parallel.status in the real client', () => {
  let project: ClientProject;
  beforeAll(async () => {
    project = await installedProject();
    const started = project.repo.helper(['start', 'status-one', '--goal', 'Show the status']);
    if (started.exitCode !== 0) throw new Error(started.stderr);
  });
  afterAll(() => project?.cleanup());

  it('inlines the status from the main checkout', async () => {
    const run = await runClaude({ home: project.home, cwd: project.repo.main, prompt: '/parallel.status', script: () => 'Reported.' });
    expect(run.result.permission_denials).toEqual([]);
    expect(run.result.result).toBe('Reported.');
    expect(run.main).toHaveLength(1);
    const text = commandText(run.main[0]!, '/parallel.status');
    expect(text).toMatch(/^# Parallel sessions\n\n✓ 1 parallel session, 0 needing attention/);
    expect(text).toContain('- You are in the main checkout.');
    expect(text).toContain(`Main checkout: ${project.repo.main} on main, clean`);
    expect(text).toMatch(/status-one +active +main/);
    expect(text).not.toContain('!`');
    expect(text).not.toContain('${CLAUDE_PROJECT_DIR}');
    // The fallback line names the installed helper by its absolute path.
    expect(text).toContain(`node "${project.repo.main}/.claude/commands/flight-rules/session.mjs" status`);
  });

  it('inlines the status from inside a session worktree, naming that session', async () => {
    const worktree = project.worktree('status-one');
    const run = await runClaude({ home: project.home, cwd: worktree, prompt: '/parallel.status', script: () => 'Reported.' });
    expect(run.result.permission_denials).toEqual([]);
    const text = commandText(run.main[0]!, '/parallel.status');
    expect(text).toContain('- You are in session "status-one" (its worktree).');
    expect(text).toContain(`Main checkout: ${project.repo.main} on main, clean`);
    // ${CLAUDE_PROJECT_DIR} is the folder claude started in: the worktree's own copy of the helper.
    expect(text).toContain(`node "${worktree}/.claude/commands/flight-rules/session.mjs" status`);
  });

  it('grants only what the command names: a start from the status command is denied', async () => {
    const helper = `${project.repo.main}/.claude/commands/flight-rules/session.mjs`;
    const run = await runClaude({
      home: project.home,
      cwd: project.repo.main,
      prompt: '/parallel.status',
      script: (_request, turn) => (turn === 0 ? [bash(`node "${helper}" status --json`), bash(`node "${helper}" start not-allowed --json`)] : 'Stopped.'),
    });
    expect(run.result.permission_denials.map((denial) => denial.tool_input.command)).toEqual([`node "${helper}" start not-allowed --json`]);
    expect(project.repo.git(['branch', '--list', 'session/not-allowed'])).toBe('');
  });

  it('trusts a worktree through its main checkout, but the installed allow rules grant nothing, trusted or not', async () => {
    // Documents a defect: the installer's settings.json rules read `Bash(node "${CLAUDE_PROJECT_DIR}/…/session.mjs"
    // status:*)`. The client substitutes ${CLAUDE_PROJECT_DIR} in command text and allowed-tools, not in settings
    // rules, so outside a command's turn the model is asked for approval (denied in -p mode) even for status.
    const calls = (folder: string) => [`node "${folder}/.claude/commands/flight-rules/session.mjs" status --json`, `node "${folder}/.claude/commands/flight-rules/session.mjs" overlap --json`];
    const worktree = project.worktree('status-one');
    const trusted = await runClaude({ home: project.home, cwd: worktree, prompt: 'How are the sessions?', script: (_request, turn) => (turn === 0 ? calls(worktree).map((call) => bash(call)) : 'Fine.') });
    expect(trusted.stderr).not.toContain('has not been trusted');
    expect(trusted.result.permission_denials.map((denial) => denial.tool_input.command)).toEqual(calls(worktree));

    const untrustedHome = new ClientHome(join(project.repo.root, 'untrusted-home'));
    const main = project.repo.main;
    const untrusted = await runClaude({ home: untrustedHome, cwd: main, prompt: 'How are the sessions?', script: (_request, turn) => (turn === 0 ? calls(main).map((call) => bash(call)) : 'Fine.') });
    expect(untrusted.result.permission_denials.map((denial) => denial.tool_input.command)).toEqual(calls(main));
    expect(untrusted.stderr).toContain('Ignoring 2 permissions.allow entries from .claude/settings.json: this workspace has not been trusted.');
    expect(untrusted.stderr).toContain(`set projects["${main}"].hasTrustDialogAccepted: true in ${untrustedHome.path}/.claude.json`);
  });
});
