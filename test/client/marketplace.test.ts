/**
 * The plugin as users install it: `claude plugin marketplace add <this repository>` and `claude plugin install
 * flight-rules@flight-rules`, with the repository exactly as git tracks it (so a built file that is not committed
 * is missing here, as it would be for them), under a fresh HOME, in the network namespace. Then, in a fresh
 * repository with nothing installed, the namespaced commands run the installed plugin's helper and its hooks speak.
 * The copy of the repository the marketplace reads is made from `git ls-files` and committed: what a clone holds. The
 * plugin is the `plugin/` folder: a plugin root holding a package.json and a lockfile makes the client run
 * `npm ci` there, which for this repository's would fetch the whole development toolchain.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, ROOT, type Repo } from '../helpers/gitdir.js';
import { describeClient } from './availability.js';
import { commandFromText } from './follow-text.js';
import { bash, commandText, hookContexts, lastToolResult } from './messages.js';
import { clonedPack } from './pack-copy.js';
import { ClientHome, runClaude, runClientCli } from './runner.js';

const MARKETPLACE = JSON.parse(readFileSync(join(ROOT, '.claude-plugin/marketplace.json'), 'utf8'));
const PLUGIN_ID = `flight-rules@${MARKETPLACE.name}`;
const NAME = 'from-marketplace';
const GOAL = 'Work through the installed plugin';

describeClient('the plugin installed from its marketplace', () => {
  let repo: Repo;
  let home: ClientHome;
  let pack: string;
  let installPath: string;
  beforeAll(async () => {
    repo = makeRepo();
    home = new ClientHome(repo.env.HOME!).trust(repo.main);
    pack = clonedPack(join(repo.root, 'flight-rules-pack'));
  });
  afterAll(() => repo?.cleanup());

  it.each(['.', 'plugin'])('`claude plugin validate %s` passes with no warnings, strict', async (target) => {
    const strict = await runClientCli({ home, cwd: pack, args: ['plugin', 'validate', target, '--strict', '--json'] });
    expect(strict.exitCode, strict.stdout).toBe(0);
    const report = JSON.parse(strict.stdout);
    expect(report.success).toBe(true);
    expect(report.manifest.type).toBe(target === '.' ? 'marketplace' : 'plugin');
    expect([report.manifest.errors, report.manifest.warnings]).toEqual([[], []]);
    for (const part of report.contents) expect([part.file, part.errors, part.warnings]).toEqual([part.file, [], []]);
    if (target === 'plugin') {
      expect(report.directory.findings).toEqual([]);
      // It reaches no network host, and says so.
      expect(report.hosts.declared.plugin).toBe(true);
    }
    const plain = await runClientCli({ home, cwd: pack, args: ['plugin', 'validate', target] });
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).not.toMatch(/warning/i);
    expect(plain.stdout).toContain('Validation passed');
  });

  it('adds as a marketplace and installs from it, with the built helper and hooks in the installed copy', async () => {
    const added = await runClientCli({ home, cwd: repo.main, args: ['plugin', 'marketplace', 'add', pack] });
    expect(added.exitCode, added.stdout + added.stderr).toBe(0);
    expect(added.stdout).toContain(`Successfully added marketplace: ${MARKETPLACE.name}`);
    const installed = await runClientCli({ home, cwd: repo.main, args: ['plugin', 'install', PLUGIN_ID] });
    expect(installed.exitCode, installed.stdout + installed.stderr).toBe(0);
    expect(installed.stdout).toContain(`Successfully installed plugin: ${PLUGIN_ID}`);
    const record = JSON.parse(readFileSync(join(home.path, '.claude/plugins/installed_plugins.json'), 'utf8'));
    installPath = record.plugins[PLUGIN_ID][0].installPath;
    expect(installPath.startsWith(join(home.path, '.claude/plugins/'))).toBe(true);
    for (const file of [
      'dist/session.mjs',
      'dist/hook.cjs',
      'dist/hook-code.cjs',
      'hooks/hooks.json',
      'commands/parallel.status.md',
    ])
      expect(existsSync(join(installPath, file)), file).toBe(true);
    // No package.json there, so the client installs no packages into the plugin.
    expect(existsSync(join(installPath, 'package.json'))).toBe(false);
    expect(existsSync(join(installPath, 'node_modules'))).toBe(false);
  });

  it('installs in one step too: `claude plugin install flight-rules --marketplace <path>`', async () => {
    const other = new ClientHome(join(repo.root, 'one-step-home'));
    const installed = await runClientCli({
      home: other,
      cwd: repo.main,
      args: ['plugin', 'install', 'flight-rules', '--marketplace', pack],
    });
    expect(installed.exitCode, installed.stdout + installed.stderr).toBe(0);
    expect(installed.stdout).toContain(`Successfully installed plugin: ${PLUGIN_ID}`);
    const record = JSON.parse(readFileSync(join(other.path, '.claude/plugins/installed_plugins.json'), 'utf8'));
    expect(Object.keys(record.plugins)).toEqual([PLUGIN_ID]);
  });

  it('/flight-rules:parallel.status inlines the status from the installed helper, in a repository where nothing else is installed', async () => {
    const run = await runClaude({
      home,
      cwd: repo.main,
      prompt: '/flight-rules:parallel.status',
      script: () => 'Reported.',
    });
    expect(run.result.permission_denials).toEqual([]);
    const text = commandText(run.main[0]!, '/flight-rules:parallel.status');
    expect(text).toContain('- No parallel sessions (sessions folder: ../project-sessions).');
    // A marketplace added from a local folder has its plugins read in place there (the copy under ~/.claude/plugins
    // is what a git-hosted marketplace runs): either way, only what is committed.
    expect(text).toContain(`node "${join(pack, 'plugin')}/dist/session.mjs" status`);
    expect(existsSync(join(repo.main, '.claude'))).toBe(false);
  });

  it('/flight-rules:dev-session.start starts a session, and the installed hooks speak inside it', async () => {
    let started: any;
    const run = await runClaude({
      home,
      cwd: repo.main,
      prompt: `/flight-rules:dev-session.start ${GOAL}. Parallel, named ${NAME}.`,
      script: (request, turn) => {
        if (turn === 0)
          return [
            bash(
              commandFromText(commandText(request, '/flight-rules:dev-session.start'), {
                subcommand: 'start',
                containing: '--claude-session',
                values: { name: NAME, 'goal 1': GOAL, 'goal 2': null, 'the agreed plan': '1. Do it.' },
              }),
            ),
          ];
        started = JSON.parse(lastToolResult(request)!.output);
        return 'Started.';
      },
    });
    expect(run.result.permission_denials).toEqual([]);
    expect(started).toMatchObject({ ok: true, worktreePath: join(repo.sessions, NAME), session: { goals: [GOAL] } });

    // Another session changes README.md, so the PreToolUse hook has something to say about editing it here.
    const other = repo.helper(['start', 'other', '--goal', 'Rewrite the readme']);
    expect(other.exitCode, other.stderr).toBe(0);
    repo.write('README.md', '# other\n', join(repo.sessions, 'other'));
    repo.commitAll('Rewrite the readme', join(repo.sessions, 'other'));

    const worktree = join(repo.sessions, NAME);
    const inside = await runClaude({
      home,
      cwd: worktree,
      prompt: 'Edit the app.',
      permissionMode: 'acceptEdits',
      script: (_request, turn) =>
        turn === 0
          ? [{ type: 'tool_use', name: 'Read', input: { file_path: join(worktree, 'README.md') } }]
          : turn === 1
            ? [
                {
                  type: 'tool_use',
                  name: 'Edit',
                  input: { file_path: join(worktree, 'README.md'), old_string: '# sample', new_string: '# sample app' },
                },
              ]
            : 'Edited.',
    });
    expect(inside.result.permission_denials).toEqual([]);
    expect(hookContexts(inside.main[0]!, 'SessionStart')).toEqual([
      expect.stringContaining(`This is parallel dev session "${NAME}"`),
    ]);
    expect(hookContexts(inside.main[2]!, 'PreToolUse:Edit')).toEqual([
      expect.stringContaining('Warning: README.md is also changed in parallel session "other"'),
    ]);
    expect(readFileSync(join(worktree, 'README.md'), 'utf8')).toBe('# sample app\n');
  });
});
