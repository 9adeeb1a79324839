/**
 * Every command with `!` lines must load in every state the user can be in, since the client aborts the whole
 * command when a `!` line exits non-zero. So each `!` line is `<helper call> 2>/dev/null || echo "<note>"`, which
 * the client runs without asking (the call matches allowed-tools, echo is read-only) and which cannot fail. Each
 * state is a real repository (or a plain folder) set up as a user gets there, in the project, user and plugin forms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, ROOT, type Repo } from '../helpers/gitdir.js';
import { missingHelperNote } from '../../scripts/install/command-text.js';
import { main as install } from '../../scripts/install/main.js';
import { describeClient } from './availability.js';
import { bash, commandText, lastToolResult } from './messages.js';
import { copyPack } from './pack-copy.js';
import { installedProject } from './project.js';
import { ClientHome, runClaude } from './runner.js';

/** The commands whose text runs something before the prompt is sent, read from the source. */
const BANG_COMMANDS = readdirSync(join(ROOT, 'commands'))
  .filter(
    (file) =>
      file.endsWith('.md') &&
      readFileSync(join(ROOT, 'commands', file), 'utf8')
        .split('\n')
        .some((line) => line.startsWith('!`')),
  )
  .map((file) => file.slice(0, -'.md'.length))
  .sort();

it('knows which commands have `!` lines', () => {
  expect(BANG_COMMANDS).toEqual(['dev-session.end', 'dev-session.start', 'parallel.overview', 'parallel.status']);
});

interface Place {
  home: ClientHome;
  cwd: string;
  repo: Repo;
  /** Load the commands from this plugin folder instead of an install (`--plugin-dir`). */
  pluginDir?: string;
}

interface State {
  name: string;
  setup(): Promise<Place>;
  /** What the `!` output says in this state. */
  loadsWith(place: Place): string;
  /** A state where the helper cannot run: its `!` lines print the one note of their fallback, and nothing else. */
  missing?: boolean;
  /** What the text must not say in this state. */
  never?: string[];
  /** The command the note tells the agent to run instead, and what it prints: it must run without a prompt. */
  advice?(place: Place): { command: string; prints: string };
}

async function userInstall(repo: Repo): Promise<void> {
  let output = '';
  const io = {
    cwd: repo.main,
    env: repo.env,
    stdout: { write: (text: string) => (output += text) },
    stderr: { write: (text: string) => (output += text) },
  };
  if ((await install(['--user'], io)) !== 0) throw new Error(output);
}

const STATES: State[] = [
  {
    name: 'not a git repository (user-wide install, claude opened in a plain folder)',
    async setup() {
      const repo = makeRepo();
      await userInstall(repo);
      const cwd = join(repo.root, 'plain-folder');
      mkdirSync(cwd);
      return { repo, cwd, home: new ClientHome(repo.env.HOME!).trust(cwd) };
    },
    loadsWith: () => 'plain-folder is not inside a git repository.',
  },
  {
    name: 'corrupt manifest',
    async setup() {
      const project = await installedProject();
      mkdirSync(project.repo.sessions, { recursive: true });
      writeFileSync(project.repo.manifestPath, '{ "version": 1, "sessions": [');
      return { repo: project.repo, cwd: project.repo.main, home: project.home };
    },
    loadsWith: () => '.manifest.json is unusable: it is not valid JSON',
  },
  {
    name: 'inside a session worktree',
    async setup() {
      const project = await installedProject();
      const cwd = project.worktree('inside');
      const started = project.repo.helper(['start', 'inside', '--goal', 'Be inside']);
      if (started.exitCode !== 0) throw new Error(started.stderr);
      return { repo: project.repo, cwd, home: project.home };
    },
    loadsWith: () => '- You are in session "inside" (its worktree).',
  },
  {
    // A project that commits the command files but ignores the helper's folder, and a worktree made with plain
    // `git worktree add` (`session start` would have copied the helper in): the commands are there, the helper
    // is not. The `!` line's fallback names the main checkout's copy.
    name: 'helper file missing (a worktree made by hand in a project that ignores .claude/commands/flight-rules/)',
    async setup() {
      const project = await installedProject({
        files: { 'README.md': '# sample\n', '.gitignore': '/.claude/commands/flight-rules/\n' },
      });
      const cwd = join(project.repo.root, 'by-hand');
      project.repo.git(['worktree', 'add', '-q', '-b', 'by-hand', cwd]);
      return { repo: project.repo, cwd, home: project.home };
    },
    loadsWith: () => missingHelperNote('project'),
    missing: true,
    advice(place) {
      const main = /^worktree (.*)$/m.exec(place.repo.git(['worktree', 'list', '--porcelain'], place.cwd))![1]!;
      return {
        command: `node "${main}/.claude/commands/flight-rules/session.mjs" status`,
        prints: `Main checkout: ${place.repo.main} on main`,
      };
    },
  },
  {
    name: 'helper file missing (a user-wide install whose helper was deleted)',
    async setup() {
      const repo = makeRepo();
      await userInstall(repo);
      rmSync(join(repo.env.HOME!, '.claude/commands/flight-rules/session.mjs'));
      return { repo, cwd: repo.main, home: new ClientHome(repo.env.HOME!).trust(repo.main) };
    },
    loadsWith: (place) => missingHelperNote('user', place.repo.env.HOME!),
    missing: true,
  },
  {
    // The plugin as a clone gives it, with its built files gone: the note says to update, reinstall or rebuild
    // the plugin, and never points at a project install's copy.
    name: 'plugin without its dist/',
    async setup() {
      const repo = makeRepo();
      const pluginDir = join(
        copyPack(join(repo.root, 'pack'), (path) => path.startsWith('plugin/dist/')),
        'plugin',
      );
      return { repo, cwd: repo.main, home: new ClientHome(repo.env.HOME!).trust(repo.main), pluginDir };
    },
    loadsWith: () => missingHelperNote('plugin'),
    missing: true,
    never: ['.claude/commands/flight-rules', "main checkout's copy"],
  },
];

describeClient('`!` lines in every state', () => {
  describe.each(STATES)('$name', (state) => {
    let place: Place;
    beforeAll(async () => {
      place = await state.setup();
    });
    afterAll(() => place?.repo.cleanup());

    it.each(BANG_COMMANDS)('/%s loads, and its `!` output says what the state is', async (command) => {
      const name = `${place.pluginDir ? '/flight-rules:' : '/'}${command}`;
      const run = await runClaude({
        home: place.home,
        cwd: place.cwd,
        prompt: name,
        pluginDir: place.pluginDir,
        script: () => 'Loaded.',
      });
      expect(run.result.permission_denials).toEqual([]);
      expect(run.result.result).toBe('Loaded.');
      const text = commandText(run.main[0]!, name);
      expect(text).toContain(state.loadsWith(place));
      expect(text).not.toMatch(/^!`/m);
      for (const phrase of state.never ?? []) expect(text).not.toContain(phrase);
      if (state.missing) {
        // One clear line per `!` line, in place of node's stack trace.
        const bangs = readFileSync(join(ROOT, 'commands', `${command}.md`), 'utf8')
          .split('\n')
          .filter((line) => line.startsWith('!`')).length;
        expect(text.split('\n').filter((line) => line === state.loadsWith(place))).toHaveLength(bangs);
        expect(text).not.toContain('Cannot find module');
        expect(text).not.toContain('node:internal');
      }
    });

    // The committed settings' rules allow it, in any checkout of the project.
    if (state.advice)
      it('what the note says to run instead runs, without a prompt', async () => {
        const { command, prints } = state.advice!(place);
        const run = await runClaude({
          home: place.home,
          cwd: place.cwd,
          prompt: 'How are the sessions?',
          script: (_request, turn) => (turn === 0 ? [bash(command)] : 'Done.'),
        });
        expect(run.result.permission_denials).toEqual([]);
        expect(lastToolResult(run.main.at(-1)!)?.output).toContain(prints);
      });
  });
});
