/**
 * The installed hooks as the real client runs them: SessionStart context when claude starts in a session worktree
 * (and none in the main checkout), and the PreToolUse warning before editing a file another session changes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeClient } from './availability.js';
import { edit, hookContexts, toolExchanges, write, type TurnBlock } from './messages.js';
import { makeRepo, type Repo } from '../helpers/gitdir.js';
import { main as install } from '../../scripts/install/main.js';
import { installedProject, type ClientProject } from './project.js';
import { ClientHome, runClaude } from './runner.js';

const read = (file_path: string): TurnBlock => ({ type: 'tool_use', name: 'Read', input: { file_path } });

describeClient('hooks in the real client', () => {
  let project: ClientProject;
  let alpha: string;
  beforeAll(async () => {
    project = await installedProject();
    alpha = project.worktree('alpha');
    const beta = project.worktree('beta');
    for (const [name, goal] of [
      ['alpha', 'Polish the app'],
      ['beta', 'Rewrite the app'],
    ]) {
      const started = project.repo.helper(['start', name!, '--goal', goal!]);
      if (started.exitCode !== 0) throw new Error(started.stderr);
    }
    project.repo.write('src/app.js', 'console.log(2);\n', beta);
    project.repo.write('src/new.js', 'export {};\n', beta);
    project.repo.commitAll('Rewrite the app', beta);
  });
  afterAll(() => project?.cleanup());

  it('gives the model the session context when claude starts in a session worktree', async () => {
    // The committed hook names the hook file through $CLAUDE_PROJECT_DIR: the client runs hook commands through
    // /bin/sh with CLAUDE_PROJECT_DIR (here the worktree) in the environment, so the shell expands it.
    const committed = JSON.parse(project.repo.git(['show', 'HEAD:.claude/settings.json']));
    expect(committed.hooks.SessionStart[0].hooks[0].command).toBe(
      'node "$CLAUDE_PROJECT_DIR/.claude/commands/flight-rules/hook.cjs" session-start || true',
    );
    const run = await runClaude({
      home: project.home,
      cwd: alpha,
      prompt: 'What is this session for?',
      script: () => 'Polishing the app.',
    });
    const contexts = hookContexts(run.main[0]!, 'SessionStart');
    expect(contexts).toHaveLength(1);
    expect(contexts[0]).toContain(
      `This is parallel dev session "alpha": branch session/alpha, based on main, worktree ${alpha}.`,
    );
    expect(contexts[0]).toContain('Goals:\n- Polish the app\n');
    expect(contexts[0]).toContain(
      'Other parallel sessions (1); avoid changing the files they work on:\n- beta: Rewrite the app\n',
    );
    expect(contexts[0]).toContain('run /dev-session.end');
  });

  it('gives none in the main checkout', async () => {
    const run = await runClaude({
      home: project.home,
      cwd: project.repo.main,
      prompt: 'Hello.',
      script: () => 'Hello.',
    });
    expect(run.result.result).toBe('Hello.');
    expect(hookContexts(run.main[0]!, 'SessionStart')).toEqual([]);
    expect(JSON.stringify(run.main[0]!.messages)).not.toContain('hook additional context');
  });

  it('warns before an Edit or Write of a file another session changes, lets it go ahead, and is silent otherwise', async () => {
    const app = join(alpha, 'src/app.js');
    const readme = join(alpha, 'README.md');
    const fresh = join(alpha, 'src/new.js');
    const run = await runClaude({
      home: project.home,
      cwd: alpha,
      prompt: 'Polish the app.',
      permissionMode: 'acceptEdits',
      script: (_request, turn) =>
        [
          [read(app), read(readme)],
          [edit(app, 'console.log(1);', 'console.log(3);')],
          [edit(readme, '# sample', '# sample app')],
          [write(fresh, 'export const fresh = true;\n')],
        ][turn] ?? 'Polished.',
    });
    expect(run.result.permission_denials).toEqual([]);
    expect(toolExchanges(run.main.at(-1)!).map((exchange) => [exchange.name, exchange.isError])).toEqual([
      ['Read', false],
      ['Read', false],
      ['Edit', false],
      ['Edit', false],
      ['Write', false],
    ]);
    const afterAppEdit = hookContexts(run.main[2]!, 'PreToolUse:Edit');
    expect(afterAppEdit).toEqual([
      // The helper the agent can run: the copy installed beside the hook, in this worktree.
      `Warning: src/app.js is also changed in parallel session "beta" (in its commits). Editing it in parallel session "alpha" too may cause a merge conflict later. Keep the change small, tell the user, and run \`node ${alpha}/.claude/commands/flight-rules/session.mjs overlap\` to see predicted conflicts and a merge order.`,
    ]);
    // README.md is changed by no other session: no new warning.
    expect(hookContexts(run.main[3]!, 'PreToolUse:Edit')).toEqual(afterAppEdit);
    expect(hookContexts(run.main[4]!, 'PreToolUse:Write')).toEqual([
      expect.stringContaining('Warning: src/new.js is also changed in parallel session "beta"'),
    ]);
    // The warning never blocks.
    expect(readFileSync(app, 'utf8')).toBe('console.log(3);\n');
    expect(readFileSync(fresh, 'utf8')).toBe('export const fresh = true;\n');
  });
});

describeClient('hooks of a user install in the real client', () => {
  let repo: Repo;
  let home: ClientHome;
  beforeAll(async () => {
    repo = makeRepo();
    let output = '';
    const io = {
      cwd: repo.main,
      env: repo.env,
      stdout: { write: (text: string) => (output += text) },
      stderr: { write: (text: string) => (output += text) },
    };
    if ((await install(['--user'], io)) !== 0) throw new Error(output);
    home = new ClientHome(repo.env.HOME!).trust(repo.main);
    const started = repo.helper(['start', 'gamma', '--goal', 'Work user-wide']);
    if (started.exitCode !== 0) throw new Error(started.stderr);
  });
  afterAll(() => repo?.cleanup());

  it("names the hook file through $HOME, which the hook's shell expands", async () => {
    const settings = JSON.parse(readFileSync(join(repo.env.HOME!, '.claude/settings.json'), 'utf8'));
    expect(settings.hooks.SessionStart[0].hooks[0].command).toBe(
      'node "$HOME/.claude/commands/flight-rules/hook.cjs" session-start || true',
    );
    const run = await runClaude({
      home,
      cwd: join(repo.sessions, 'gamma'),
      prompt: 'What is this session for?',
      script: () => 'Working.',
    });
    expect(hookContexts(run.main[0]!, 'SessionStart')).toEqual([
      expect.stringContaining('This is parallel dev session "gamma"'),
    ]);
  });
});
