/**
 * Files that are not what they seem: a config or include file that is a symbolic link to
 * /dev/zero or a FIFO, a symlinked session-log folder or sessions folder, a symlinked
 * .env.session, and ignored files the session edited. Nothing may hang, crash, write
 * outside the repository and its sessions, or silently delete the user's edits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, makeRepo, ROOT, snapshot, type Repo } from '../helpers/gitdir.js';
import { addOrigin, ghPresentEnv, sessionWithWork } from '../helpers/end.js';
import { blobId, expectDone, expectRefused, keptAtNamedPath, rev, savedObjects, settle } from '../helpers/safety.js';
import { runBounded } from '../helpers/processes.js';

const HOOK = join(ROOT, 'dist/hook.cjs');
let repo: Repo;
afterEach(() => repo?.cleanup());

function mkfifo(path: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  expect(spawnSync('mkfifo', [path]).status).toBe(0);
}

function hookInputs(r: Repo) {
  return {
    'session-start': {
      session_id: 's',
      transcript_path: join(r.root, 't.jsonl'),
      cwd: r.main,
      hook_event_name: 'SessionStart',
      source: 'startup',
    },
    'pre-tool-use': {
      session_id: 's',
      transcript_path: join(r.root, 't.jsonl'),
      cwd: r.main,
      permission_mode: 'default',
      hook_event_name: 'PreToolUse',
      tool_name: 'Edit',
      tool_input: { file_path: join(r.main, 'README.md'), old_string: 'a', new_string: 'b' },
    },
  };
}

describe('a config file that never ends or never opens', () => {
  const kinds: Array<[string, (r: Repo, path: string) => void]> = [
    [
      'a committed symlink to /dev/zero',
      (r, path) => {
        mkdirSync(join(path, '..'), { recursive: true });
        symlinkSync('/dev/zero', path);
        r.commitAll('config is a link');
      },
    ],
    ['a FIFO', (_r, path) => mkfifo(path)],
  ];

  it.each(kinds)(
    'status exits 0 within seconds and reports a config problem when .claude/flight-rules.json is %s',
    async (_label, arrange) => {
      repo = makeRepo();
      expectDone(await repo.cli(['start', 'x', '--no-setup']));
      arrange(repo, join(repo.main, '.claude/flight-rules.json'));

      const run = runBounded(repo, BUNDLE, ['status', '--json'], { timeoutMs: 6_000 });

      expect({ exitCode: run.exitCode, signal: run.signal, timedOut: run.timedOut }, run.stderr.slice(0, 500)).toEqual({
        exitCode: 0,
        signal: null,
        timedOut: false,
      });
      expect(run.ms).toBeLessThan(5_000);
      const json = JSON.parse(run.stdout);
      expect(
        json.problems.map((p: any) => p.code).some((code: string) => /^config/.test(code)),
        JSON.stringify(json.problems),
      ).toBe(true);
    },
  );

  const hookCases = kinds.flatMap(([label, arrange]) =>
    (['session-start', 'pre-tool-use'] as const).map((event) => ({ label, arrange, event })),
  );
  it.each(hookCases)('the $event hook exits 0 quickly when the config is $label', async ({ arrange, event }) => {
    repo = makeRepo();
    expectDone(await repo.cli(['start', 'x', '--no-setup']));
    arrange(repo, join(repo.main, '.claude/flight-rules.json'));

    const run = runBounded(repo, HOOK, [event], { input: JSON.stringify(hookInputs(repo)[event]), timeoutMs: 6_000 });

    expect({ exitCode: run.exitCode, signal: run.signal, timedOut: run.timedOut }, run.stderr.slice(0, 500)).toEqual({
      exitCode: 0,
      signal: null,
      timedOut: false,
    });
    expect(run.ms).toBeLessThan(3_000);
  });

  it.each(kinds)('start does not crash when .worktreeinclude is %s', async (_label, arrange) => {
    repo = makeRepo({ files: { 'README.md': '# sample\n', '.gitignore': '.env\n' } });
    repo.write('.env', 'A=1\n');
    arrange(repo, join(repo.main, '.worktreeinclude'));

    const run = runBounded(repo, BUNDLE, ['start', 'x', '--no-setup', '--json'], { timeoutMs: 6_000 });

    expect({ signal: run.signal, timedOut: run.timedOut }, run.stderr.slice(0, 500)).toEqual({
      signal: null,
      timedOut: false,
    });
    expect([0, 1], run.stderr.slice(0, 500)).toContain(run.exitCode);
    const json = JSON.parse(run.stdout);
    if (run.exitCode === 1) {
      expect(json.error.kind, json.error.message).toBe('refused');
    } else {
      expect(run.stdout, 'a warning about .worktreeinclude').toContain('.worktreeinclude');
    }
  });
});

describe('a committed symlink docs/session_logs pointing outside the repository', () => {
  function linkedLogs(): string {
    repo = makeRepo();
    const outside = join(repo.root, 'outside-logs');
    mkdirSync(outside);
    mkdirSync(join(repo.main, 'docs'));
    symlinkSync(outside, join(repo.main, 'docs/session_logs'));
    repo.commitAll('docs/session_logs is a link');
    return outside;
  }
  const contents = (folder: string) => readdirSync(folder);
  /** Names, bytes and modification times: a write that is later undone still shows. */
  const state = (folder: string) =>
    Object.fromEntries(
      readdirSync(folder).map((name) => {
        const path = join(folder, name);
        return [name, { content: readFileSync(path, 'utf8'), mtimeMs: statSync(path).mtimeMs }];
      }),
    );

  it('start writes nothing in the outside folder', async () => {
    const outside = linkedLogs();
    const result = await repo.cli(['start', 'x', '--json']);
    expect(contents(outside)).toEqual([]);
    expect([0, 1]).toContain(result.exitCode);
  });

  it('keep writes nothing outside, and completes or refuses cleanly', async () => {
    const outside = linkedLogs();
    await repo.cli(['start', 'x']);
    // Whatever start did there (today it writes the log stub), keep must add nothing and touch nothing.
    const afterStart = state(outside);
    const worktree = join(repo.sessions, 'x');
    repo.write('work.txt', 'work\n', worktree);
    repo.git(['add', 'work.txt'], worktree);
    repo.git(['commit', '-q', '-m', 'work'], worktree);
    const tip = rev(repo, 'refs/heads/session/x');

    const first = await repo.cli(['end', 'x', '--strategy', 'keep', '--json']);
    expect(state(outside), 'files written in the outside folder').toEqual(afterStart);
    if (first.exitCode === 0) {
      expect(existsSync(worktree)).toBe(false);
      expect(rev(repo, 'refs/heads/session/x')).not.toBe('');
      return;
    }
    expect(first.exitCode).toBe(1);
    expect(first.json.error.kind, first.json.error.message).toBe('refused');
    const again = await repo.cli(['end', 'x', '--strategy', 'keep', '--json']);
    expect(again.json.error?.code).toBe(first.json.error.code);
    expect(rev(repo, 'refs/heads/session/x')).toBe(tip);
    expect(state(outside)).toEqual(afterStart);
  });

  it('abandon writes nothing outside', async () => {
    const outside = linkedLogs();
    await repo.cli(['start', 'x']);
    const afterStart = state(outside);
    const result = await repo.cli(['end', 'x', '--strategy', 'abandon', '--confirm', 'x', '--json']);
    expect(state(outside)).toEqual(afterStart);
    expectDone(result);
  });
});

describe('a sessions folder reached through a symbolic link', () => {
  function linkedSessions(): void {
    repo = makeRepo();
    mkdirSync(join(repo.root, 'real-sessions'));
    symlinkSync(join(repo.root, 'real-sessions'), repo.sessions);
  }

  it('status shows the session active', async () => {
    linkedSessions();
    expectDone(await repo.cli(['start', 'x']));
    const status = await repo.cli(['status', '--json']);
    expect(status.json.sessions.map((s: any) => [s.id, s.state, s.attention.map((a: any) => a.code)])).toEqual([
      ['x', 'active', []],
    ]);
  });

  it.each([
    ['the symlinked path', (r: Repo) => join(r.sessions, 'x')],
    ['the real path', (r: Repo) => join(r.root, 'real-sessions/x')],
  ])('end works from inside the worktree, reached by %s', async (_label, cwdOf) => {
    linkedSessions();
    sessionWithWork(repo, 'x');
    const result = await repo.cli(['end', '--strategy', 'merge', '--json'], { cwd: cwdOf(repo) });
    expectDone(result);
    expect(existsSync(join(repo.root, 'real-sessions/x'))).toBe(false);
    expect(repo.git(['log', '-1', '--format=%s', 'main']).trim()).toBe('Merge session x: Goal of x');
  });
});

describe('a symlinked .env.session', () => {
  it('setup never writes through it', async () => {
    repo = makeRepo();
    expectDone(await repo.cli(['start', 'x', '--no-setup']));
    const worktree = join(repo.sessions, 'x');
    const victim = join(repo.root, 'victim.env');
    writeFileSync(victim, 'PRECIOUS=1\n');
    rmSync(join(worktree, '.env.session'), { force: true });
    symlinkSync(victim, join(worktree, '.env.session'));

    const result = await repo.cli(['setup', 'x', '--json']);

    expect(readFileSync(victim, 'utf8')).toBe('PRECIOUS=1\n');
    expect([0, 1]).toContain(result.exitCode);
    if (result.exitCode === 1) expect(result.json.error.kind).toBe('refused');
  });
});

describe('an ignored file copied in by start and then edited in the session', () => {
  const EDITED = 'SECRET=rotated inside the session\n';

  function editedEnv(): string {
    repo = makeRepo({ files: { 'README.md': '# sample\n', '.gitignore': '.env\n' } });
    repo.write('.env', 'SECRET=from main\n');
    const worktree = sessionWithWork(repo, 'x');
    expect(readFileSync(join(worktree, '.env'), 'utf8')).toBe('SECRET=from main\n');
    writeFileSync(join(worktree, '.env'), EDITED);
    return worktree;
  }

  it.each([
    ['merge', ['end', 'x', '--strategy', 'merge'], {}],
    ['keep', ['end', 'x', '--strategy', 'keep'], {}],
    ['pr', ['end', 'x', '--strategy', 'pr'], 'gh'],
  ] as const)(
    'end --strategy %s keeps the edit where the output says, or refuses unsaved-work',
    (_label, args, extra) => {
      const worktree = editedEnv();
      const env = extra === 'gh' ? (addOrigin(repo), ghPresentEnv(repo)) : {};
      settle(repo, worktree);
      const before = snapshot(repo);

      const result = repo.helper([...args, '--json'], { env });

      if (result.exitCode === 0) {
        const saved =
          savedObjects(repo, result.json).has(blobId(repo, EDITED)) ||
          keptAtNamedPath(result.json, '.env', EDITED, [join(repo.main, '.env')]);
        expect(
          saved,
          `the edited .env is in no refs/sessions/ ref, named bundle or named file (worktree ${existsSync(worktree) ? 'kept' : 'removed'})`,
        ).toBe(true);
        expect(readFileSync(join(repo.main, '.env'), 'utf8')).toBe('SECRET=from main\n');
      } else {
        const error = expectRefused(result, 'unsaved-work');
        expect(JSON.stringify(error.details)).toContain('.env');
        expect(readFileSync(join(worktree, '.env'), 'utf8')).toBe(EDITED);
        expect(snapshot(repo)).toEqual(before);
      }
    },
  );

  it('end --strategy abandon saves the edit too', async () => {
    editedEnv();
    const result = await repo.cli(['end', 'x', '--strategy', 'abandon', '--confirm', 'x', '--json']);
    expectDone(result);
    expect(
      savedObjects(repo, result.json).has(blobId(repo, EDITED)) ||
        keptAtNamedPath(result.json, '.env', EDITED, [join(repo.main, '.env')]),
    ).toBe(true);
  });
});
