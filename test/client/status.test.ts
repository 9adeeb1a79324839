/** `/parallel.status` through the real client: the `!` line's output reaches the model, with no permission asked. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { makeRepo } from '../helpers/gitdir.js';
import { packSettings } from '../../scripts/install/settings.js';
import { join } from 'node:path';
import { describeClient } from './availability.js';
import { bash, commandText, toolExchanges } from './messages.js';
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
    const run = await runClaude({
      home: project.home,
      cwd: project.repo.main,
      prompt: '/parallel.status',
      script: () => 'Reported.',
    });
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

  it('inlines the stash a start made of the main checkout, with the line that puts it back', async () => {
    project.repo.write('README.md', 'an edit the user had not committed\n');
    const started = project.repo.helper(['start', 'status-stash', '--no-setup', '--if-dirty', 'stash']);
    if (started.exitCode !== 0) throw new Error(started.stderr);
    const stash = project.repo.git(['rev-parse', 'stash@{0}']).trim();
    const run = await runClaude({
      home: project.home,
      cwd: project.repo.main,
      prompt: '/parallel.status',
      script: () => 'Reported.',
    });
    const text = commandText(run.main[0]!, '/parallel.status');
    expect(text).toContain(
      `- stash@{0} (${stash.slice(0, 12)}) holds the uncommitted changes the start of "status-stash" set aside here; put them back with: git -C ${project.repo.main} stash pop 'stash@{0}'\n`,
    );
    expect(text).toContain('and each stash a start made of its uncommitted changes');
    project.repo.git(['stash', 'drop', '--quiet']);
    expect(
      project.repo.helper(['end', 'status-stash', '--strategy', 'abandon', '--confirm', 'status-stash']).exitCode,
    ).toBe(0);
  });

  it('inlines the status from inside a session worktree, naming that session', async () => {
    const worktree = project.worktree('status-one');
    const run = await runClaude({
      home: project.home,
      cwd: worktree,
      prompt: '/parallel.status',
      script: () => 'Reported.',
    });
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
      script: (_request, turn) =>
        turn === 0
          ? [bash(`node "${helper}" status --json`), bash(`node "${helper}" start not-allowed --json`)]
          : 'Stopped.',
    });
    expect(run.result.permission_denials.map((denial) => denial.tool_input.command)).toEqual([
      `node "${helper}" start not-allowed --json`,
    ]);
    expect(project.repo.git(['branch', '--list', 'session/not-allowed'])).toBe('');
  });

  it('allows status and overlap with any flags outside the commands, in the main checkout and in a session worktree', async () => {
    // The committed settings.json cannot name a folder (it is shared between machines, and each worktree has its
    // own path), and the client substitutes no variable in a settings rule. Its rules name the path's end, with
    // `*` for the folder: the client matches `*` against the raw command text.
    const rules = project.repo.git(['show', 'HEAD:.claude/settings.json']);
    expect(rules).not.toContain(project.repo.root);
    const calls = (folder: string) =>
      ['status', 'status --json', 'overlap', 'overlap --json', 'overlap status-one --json'].map(
        (args) => `node "${folder}/.claude/commands/flight-rules/session.mjs" ${args}`,
      );
    for (const folder of [project.repo.main, project.worktree('status-one')]) {
      const run = await runClaude({
        home: project.home,
        cwd: folder,
        prompt: 'How are the sessions?',
        script: (_request, turn) => (turn === 0 ? calls(folder).map((call) => bash(call)) : 'Fine.'),
      });
      expect(run.stderr).not.toContain('has not been trusted');
      expect(run.result.permission_denials).toEqual([]);
      const outputs = toolExchanges(run.main.at(-1)!).map((exchange) => exchange.output);
      expect(outputs).toHaveLength(5);
      expect(outputs[0]).toContain(`Main checkout: ${project.repo.main} on main`);
      expect(JSON.parse(outputs[1]!)).toMatchObject({ ok: true, command: 'status' });
      expect(outputs[2]).toContain('No file is changed by more than one session');
      expect(JSON.parse(outputs[3]!)).toMatchObject({ ok: true, command: 'overlap' });
      expect(JSON.parse(outputs[4]!)).toMatchObject({ ok: true, command: 'overlap' });
    }
  });

  it('allows nothing else through those rules: other subcommands, other scripts, node options, chained commands', async () => {
    const folder = project.worktree('status-one');
    const helper = `${folder}/.claude/commands/flight-rules/session.mjs`;
    const marker = join(project.repo.root, 'ran');
    project.repo.write(
      'evil.mjs',
      `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'evil');\n`,
      project.repo.root,
    );
    const evil = join(project.repo.root, 'evil.mjs');
    const calls = [
      `node "${helper}" start not-allowed --json`,
      `node "${helper}" cleanup --yes --json`,
      // The folder wildcard would match across the quotes: the deny rule refuses a " before the helper's path.
      `node "${evil}" "${helper}" status --json`,
      `node "${evil}" "/x/.claude/commands/flight-rules/session.mjs" overlap`,
      // The path must start with /, so the first word is a script, never an option.
      `node "--eval=require('fs').writeFileSync('${marker}','eval')//.claude/commands/flight-rules/session.mjs" status --json`,
      `node "${helper}" status --json; node "${evil}"`,
      `node "${helper}" status --json > ${marker}`,
    ];
    const run = await runClaude({
      home: project.home,
      cwd: folder,
      prompt: 'Try these.',
      script: (_request, turn) => (turn === 0 ? calls.map((call) => bash(call)) : 'Stopped.'),
    });
    expect(run.result.permission_denials.map((denial) => denial.tool_input.command)).toEqual(calls);
    expect(existsSync(marker)).toBe(false);
    expect(project.repo.git(['branch', '--list', 'session/not-allowed'])).toBe('');

    // Why the deny rule is there: with the allow rules alone, the client runs the other script.
    const bare = makeRepo();
    try {
      bare.write(
        '.claude/settings.json',
        `${JSON.stringify({ permissions: { allow: packSettings('project', false).allow } }, null, 2)}\n`,
      );
      const home = new ClientHome(bare.env.HOME!).trust(bare.main);
      const quoteCrossing = calls[2]!;
      const loose = await runClaude({
        home,
        cwd: bare.main,
        prompt: 'Try this.',
        script: (_request, turn) => (turn === 0 ? [bash(quoteCrossing)] : 'Stopped.'),
      });
      expect(loose.result.permission_denials).toEqual([]);
      expect(readFileSync(marker, 'utf8')).toBe('evil');
    } finally {
      bare.cleanup();
    }
  });

  it('trusts a worktree through its main checkout; in an untrusted folder the client ignores the rules', async () => {
    const main = project.repo.main;
    const call = `node "${main}/.claude/commands/flight-rules/session.mjs" status --json`;
    const untrustedHome = new ClientHome(join(project.repo.root, 'untrusted-home'));
    const untrusted = await runClaude({
      home: untrustedHome,
      cwd: main,
      prompt: 'How are the sessions?',
      script: (_request, turn) => (turn === 0 ? [bash(call)] : 'Fine.'),
    });
    expect(untrusted.result.permission_denials.map((denial) => denial.tool_input.command)).toEqual([call]);
    expect(untrusted.stderr).toContain(
      'Ignoring 4 permissions.allow entries from .claude/settings.json: this workspace has not been trusted.',
    );
    expect(untrusted.stderr).toContain(
      `set projects["${main}"].hasTrustDialogAccepted: true in ${untrustedHome.path}/.claude.json`,
    );
  });
});
