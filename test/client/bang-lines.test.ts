/**
 * Every command with `!` lines must load in every state the user can be in, since the client aborts the whole
 * command when a `!` line fails. Each state is a real repository (or a plain folder) set up as a user gets there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, ROOT, type Repo } from '../helpers/gitdir.js';
import { main as install } from '../../scripts/install/main.js';
import { describeClient } from './availability.js';
import { commandText } from './messages.js';
import { installedProject } from './project.js';
import { ClientHome, runClaude } from './runner.js';

/** The commands whose text runs something before the prompt is sent, read from the source. */
const BANG_COMMANDS = readdirSync(join(ROOT, 'commands'))
  .filter((file) => file.endsWith('.md') && readFileSync(join(ROOT, 'commands', file), 'utf8').split('\n').some((line) => line.startsWith('!`')))
  .map((file) => file.slice(0, -'.md'.length))
  .sort();

it('knows which commands have `!` lines', () => {
  expect(BANG_COMMANDS).toEqual(['dev-session.end', 'dev-session.start', 'parallel.overview', 'parallel.status']);
});

interface Place {
  home: ClientHome;
  cwd: string;
  repo: Repo;
}

interface State {
  name: string;
  setup(): Promise<Place>;
  /** What the status output says in this state, when the command loads; null when the client aborts it. */
  loadsWith: string | null;
}

async function userInstall(repo: Repo): Promise<void> {
  let output = '';
  const io = { cwd: repo.main, env: repo.env, stdout: { write: (text: string) => (output += text) }, stderr: { write: (text: string) => (output += text) } };
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
    loadsWith: 'plain-folder is not inside a git repository.',
  },
  {
    name: 'corrupt manifest',
    async setup() {
      const project = await installedProject();
      mkdirSync(project.repo.sessions, { recursive: true });
      writeFileSync(project.repo.manifestPath, '{ "version": 1, "sessions": [');
      return { repo: project.repo, cwd: project.repo.main, home: project.home };
    },
    loadsWith: '.manifest.json is unusable: it is not valid JSON',
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
    loadsWith: '- You are in session "inside" (its worktree).',
  },
  {
    // A project that commits the command files but ignores the helper's folder, and a worktree made with plain
    // `git worktree add` (`session start` would have copied the helper in): the commands are there, the helper
    // is not. This is the situation the commands' "if node says the helper file does not exist" advice is for.
    name: 'helper file missing (a worktree made by hand in a project that ignores .claude/commands/flight-rules/)',
    async setup() {
      const project = await installedProject({ files: { 'README.md': '# sample\n', '.gitignore': '/.claude/commands/flight-rules/\n' } });
      const cwd = join(project.repo.root, 'by-hand');
      project.repo.git(['worktree', 'add', '-q', '-b', 'by-hand', cwd]);
      return { repo: project.repo, cwd, home: project.home };
    },
    loadsWith: null,
  },
];

describeClient('`!` lines in every state', () => {
  describe.each(STATES)('$name', (state) => {
    let place: Place;
    beforeAll(async () => {
      place = await state.setup();
    });
    afterAll(() => place?.repo.cleanup());

    it.each(BANG_COMMANDS)(state.loadsWith === null ? '/%s is aborted by the client before the model sees it' : '/%s loads with the status inlined', async (command) => {
      const run = await runClaude({ home: place.home, cwd: place.cwd, prompt: `/${command}`, script: () => 'Loaded.' });
      expect(run.result.permission_denials).toEqual([]);
      if (state.loadsWith === null) {
        // Documents a defect: a `!` line that exits non-zero aborts the command, so its fallback text ("If node
        // says the helper file does not exist, ...") never reaches the model. The user sees only this result.
        expect(run.main).toHaveLength(0);
        expect(run.result.num_turns).toBe(0);
        // And the result does not even say it failed.
        expect(run.result).toMatchObject({ subtype: 'success', is_error: false });
        // The client runs a command's `!` lines at once and reports the first that failed (overview has two).
        const failed = /^Shell command failed for pattern "!`node "(.*)" (status|overlap)`": \[stderr\]\n/.exec(run.result.result);
        expect(failed?.[1]).toBe(`${place.cwd}/.claude/commands/flight-rules/session.mjs`);
        expect(run.result.result).toContain('Error: Cannot find module');
        return;
      }
      expect(run.result.result).toBe('Loaded.');
      const text = commandText(run.main[0]!, `/${command}`);
      expect(text).toContain(state.loadsWith);
      expect(text).not.toMatch(/^!`/m);
    });
  });
});
