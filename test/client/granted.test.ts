/**
 * Every helper call a command's text gives (its `!` lines and its code blocks) must be granted by that command's
 * own `allowed-tools`, as the real client matches them, in each form the pack ships: installed into the project,
 * installed for the user, and the plugin. The `!` lines run before the text is sent; then the scripted model runs
 * each code-block line of the text in turn, from inside a session worktree, with names that
 * make every changing subcommand refuse (no such session; no start inside a session), so nothing but the
 * permission check is at stake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, ROOT, type Repo } from '../helpers/gitdir.js';
import { isBangLine } from '../../scripts/install/command-text.js';
import { main as install } from '../../scripts/install/main.js';
import { describeClient } from './availability.js';
import { fillPlaceholders, helperLines, placeholdersOf } from './follow-text.js';
import { bash, commandText, toolExchanges } from './messages.js';
import { installedProject } from './project.js';
import { ClientHome, runClaude } from './runner.js';

const COMMANDS = readdirSync(join(ROOT, 'commands'))
  .filter((file) => file.endsWith('.md'))
  .map((file) => file.slice(0, -'.md'.length))
  .sort();
const SESSION = 'here';
const BANG_COMMANDS = new Set(
  COMMANDS.filter((command) =>
    readFileSync(join(ROOT, 'commands', `${command}.md`), 'utf8')
      .split('\n')
      .some(isBangLine),
  ),
);

interface Form {
  name: string;
  /** The folder every helper line names, as the client sent the text. */
  helperDir(repo: Repo, worktree: string): string;
  /** How the user types the command. */
  prefix: string;
  pluginDir?: string;
  setup(): Promise<{ repo: Repo; home: ClientHome }>;
}

const FORMS: Form[] = [
  {
    name: 'project install',
    prefix: '/',
    helperDir: (_repo, worktree) => `${worktree}/.claude/commands/flight-rules`,
    setup: async () => installedProject(),
  },
  {
    // The client expands no variable in a rule: the user form names the home folder the installer saw.
    name: 'user install',
    prefix: '/',
    helperDir: (repo) => `${repo.env.HOME}/.claude/commands/flight-rules`,
    async setup() {
      const repo = makeRepo();
      let output = '';
      const io = {
        cwd: repo.main,
        env: repo.env,
        stdout: { write: (text: string) => (output += text) },
        stderr: { write: (text: string) => (output += text) },
      };
      if ((await install(['--user'], io)) !== 0) throw new Error(output);
      return { repo, home: new ClientHome(repo.env.HOME!).trust(repo.main) };
    },
  },
  {
    name: 'plugin',
    prefix: '/flight-rules:',
    pluginDir: join(ROOT, 'plugin'),
    helperDir: () => join(ROOT, 'plugin/dist'),
    setup: async () => {
      const repo = makeRepo();
      return { repo, home: new ClientHome(repo.env.HOME!).trust(repo.main) };
    },
  },
];

describeClient('every helper line is granted by its command', () => {
  describe.each(FORMS)('$name', (form) => {
    let repo: Repo;
    let home: ClientHome;
    let worktree: string;
    beforeAll(async () => {
      ({ repo, home } = await form.setup());
      worktree = join(repo.sessions, SESSION);
      const started = repo.helper(['start', SESSION, '--goal', 'Stand here']);
      if (started.exitCode !== 0) throw new Error(started.stderr);
    });
    afterAll(() => repo?.cleanup());

    it.each(COMMANDS)('%s', async (command) => {
      const values: Record<string, string | null> = {
        name: 'ghost',
        'typed name': 'ghost',
        'goal 1': 'Nothing',
        'goal 2': null,
        'the agreed plan': 'Nothing',
        remote: 'origin',
        title: 'Nothing',
        file: join(repo.root, 'pr-body.md'),
      };
      let lines: string[] = [];
      let text = '';
      const run = await runClaude({
        home,
        cwd: worktree,
        prompt: `${form.prefix}${command}`,
        pluginDir: form.pluginDir,
        script: (request, turn) => {
          if (turn === 0) {
            text = commandText(request, `${form.prefix}${command}`);
            lines = [...new Set(helperLines(text).map((line) => line.line))];
            lines = lines.map((line) =>
              fillPlaceholders(line, Object.fromEntries(placeholdersOf(line).map((key) => [key, values[key] ?? null]))),
            );
          }
          const line = lines[turn];
          return line ? [bash(line, 'Run the helper as the text says')] : 'Done.';
        },
      });
      expect(lines.length).toBeGreaterThan(0);
      // Its `!` lines ran too, before the text was sent: their status output is in it.
      expect(text).not.toMatch(/^!`/m);
      if (BANG_COMMANDS.has(command)) expect(text).toContain(`- You are in session "${SESSION}" (its worktree).`);
      for (const line of lines)
        expect(line.startsWith(`node "${form.helperDir(repo, worktree)}/session.mjs" `), line).toBe(true);
      expect(run.result.permission_denials).toEqual([]);
      const exchanges = toolExchanges(run.main.at(-1)!);
      expect(exchanges.map((exchange) => exchange.input.command)).toEqual(lines);
      for (const exchange of exchanges) {
        const command = String(exchange.input.command);
        const subcommand = /session\.mjs" (\S+)/.exec(command)![1];
        // The helper ran: a --json call printed its one document (after "Exit code 1" when it refused).
        if (command.endsWith(' --json'))
          expect(JSON.parse(exchange.output.replace(/^Exit code \d+\n/, '')), exchange.output).toMatchObject({
            command: subcommand,
          });
        else expect(exchange.output).toMatch(/session|No file/);
      }
    });
  });
});
