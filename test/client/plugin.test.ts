/**
 * The plugin form: `claude --plugin-dir <this repository>/plugin`, the plugin folder as committed (its built
 * dist/ included), in a project where nothing is installed. Commands are namespaced (`/flight-rules:…`), run
 * `${CLAUDE_PLUGIN_ROOT}/dist/session.mjs`, and the hooks come from plugin/hooks/hooks.json.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, ROOT, type Repo } from '../helpers/gitdir.js';
import { describeClient } from './availability.js';
import { commandFromText } from './follow-text.js';
import { bash, commandText, hookContexts, lastToolResult, latestUserText } from './messages.js';
import { ClientHome, runClaude } from './runner.js';

const PLUGIN = join(ROOT, 'plugin');
const HELPER = join(PLUGIN, 'dist/session.mjs');
const NAME = 'plugin-work';
const GOAL = 'Work through the plugin';

describeClient('the plugin form in the real client', () => {
  let repo: Repo;
  let home: ClientHome;
  beforeAll(() => {
    if (!existsSync(HELPER) || !existsSync(join(PLUGIN, 'dist/hook.cjs')))
      throw new Error('plugin/dist/ is missing: run npm run build');
    repo = makeRepo();
    home = new ClientHome(repo.env.HOME!).trust(repo.main);
  });
  afterAll(() => repo?.cleanup());

  it("/flight-rules:parallel.status inlines the status from the plugin's own helper", async () => {
    const run = await runClaude({
      home,
      cwd: repo.main,
      prompt: '/flight-rules:parallel.status',
      pluginDir: PLUGIN,
      script: () => 'Reported.',
    });
    expect(run.result.permission_denials).toEqual([]);
    const text = commandText(run.main[0]!, '/flight-rules:parallel.status');
    expect(text).toContain('- No parallel sessions (sessions folder: ../project-sessions).');
    expect(text).toContain(`node "${HELPER}" status`);
    expect(text).not.toContain('${CLAUDE_PLUGIN_ROOT}');
  });

  it('does not answer to the bare command name: the client sends `/parallel.status` to the model as plain text', async () => {
    // A client fact the README states: only the namespaced name is a command. The bare one reaches the model as
    // the user's words, with no status, even when no other command has that name.
    const run = await runClaude({
      home,
      cwd: repo.main,
      prompt: '/parallel.status',
      pluginDir: PLUGIN,
      script: () => 'Reported.',
    });
    expect(run.main).toHaveLength(1);
    expect(latestUserText(run.main[0]!)).toMatch(/\n\/parallel\.status$/);
    expect(JSON.stringify(run.main[0]!.messages)).not.toContain('<command-name>');
    expect(JSON.stringify(run.main[0]!.messages)).not.toContain('Main checkout:');
  });

  it("/flight-rules:dev-session.start runs the plugin's start line, and the plugin's SessionStart hook speaks in the worktree", async () => {
    let started: any;
    const run = await runClaude({
      home,
      cwd: repo.main,
      prompt: `/flight-rules:dev-session.start ${GOAL}. Parallel, named ${NAME}.`,
      pluginDir: PLUGIN,
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
    expect(repo.manifest().sessions.map((session: any) => session.id)).toEqual([NAME]);

    const inside = await runClaude({
      home,
      cwd: join(repo.sessions, NAME),
      prompt: 'Where am I?',
      pluginDir: PLUGIN,
      script: () => 'In the session.',
    });
    expect(hookContexts(inside.main[0]!, 'SessionStart')).toEqual([
      expect.stringContaining(`This is parallel dev session "${NAME}"`),
    ]);
  });
});
