/** `/parallel.status` through the real client: the `!` line's output reaches the model, with no permission asked. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeClient } from './availability.js';
import { bash, commandText } from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude } from './runner.js';

describeClient('/parallel.status in the real client', () => {
  let project: ClientProject;
  beforeAll(async () => {
    project = await installedProject();
    project.home.trust(project.worktree('status-one'));
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
});
