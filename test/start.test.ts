import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startHelperGroup, waitFor } from './helpers/processes.js';
import { makeRepo, normalise, snapshot, type Repo } from './helpers/gitdir.js';
import { outputSchemaErrors } from './helpers/schemas.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

describe('session start', () => {
  it('creates the worktree, branch, manifest entry and session log', async () => {
    repo = makeRepo();
    const base = repo.git(['rev-parse', 'HEAD']).trim();
    const result = await repo.cli([
      'start',
      'auth-refactor',
      '--goal',
      'Refactor auth',
      '--goal',
      'Add tests',
      '--json',
    ]);
    expect(result.exitCode).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    const worktree = join(repo.sessions, 'auth-refactor');
    expect(result.json.worktreePath).toBe(worktree);
    expect(repo.git(['rev-parse', 'session/auth-refactor']).trim()).toBe(base);
    expect(repo.git(['rev-parse', '--abbrev-ref', 'HEAD'], worktree).trim()).toBe('session/auth-refactor');

    const manifest = repo.manifest();
    expect(manifest).toMatchObject({ version: 1, project: 'project' });
    expect(manifest.sessions).toEqual([
      {
        id: 'auth-refactor',
        branch: 'session/auth-refactor',
        worktree: '../project-sessions/auth-refactor',
        startedAt: '2026-01-15T10:00:00Z',
        sessionLog: 'docs/session_logs/20260115_1000_auth-refactor_session.md',
        sessionLogDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
        goals: ['Refactor auth', 'Add tests'],
        status: 'active',
        base: { branch: 'main', commit: base },
        port: { base: expect.any(Number), count: 10 },
        packFiles: ['.env.session'],
        packDigests: { '.env.session': expect.stringMatching(/^[0-9a-f]{64}$/) },
        setup: { status: 'skipped', command: null, log: null, at: '2026-01-15T10:00:00Z' },
      },
    ]);
    const log = readFileSync(join(worktree, manifest.sessions[0].sessionLog), 'utf8');
    expect(log).toContain('**Worktree:** ../project-sessions/auth-refactor');
    expect(log).toContain('- Refactor auth\n- Add tests');
  });

  it('records the conversation it came from and prints the line that continues it in the worktree', async () => {
    repo = makeRepo();
    const id = '9f3c2a4e-1b2d-4c5e-8f90-123456789abc';
    const result = await repo.cli(['start', 'chat', '--claude-session', id, '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.json.session.claudeSession).toBe(id);
    expect(result.json.next).toBe(`cd ${join(repo.sessions, 'chat')} && claude --resume ${id}`);
    const status = await repo.cli(['status', '--json']);
    expect(status.json.sessions[0].open).toBe(`cd ${join(repo.sessions, 'chat')} && claude --resume ${id}`);
    // Inside Claude Code the client names the conversation in its tools' environment.
    const fromEnv = await repo.cli(['start', 'chat-two', '--json'], { env: { CLAUDE_CODE_SESSION_ID: 'abc-123' } });
    expect(fromEnv.json.session.claudeSession).toBe('abc-123');
    const bad = await repo.cli(['start', 'chat-three', '--claude-session', 'x; rm -rf /', '--json']);
    expect(bad.exitCode).toBe(2);
  });

  it('writes the agreed plan into the log stub, keeping its lines but never a heading', async () => {
    repo = makeRepo();
    const result = await repo.cli([
      'start',
      'planned',
      '--goal',
      'Ship it',
      '--plan',
      '1. Read the code\n2. Change it\n## not a heading',
      '--json',
    ]);
    expect(result.exitCode).toBe(0);
    const log = readFileSync(result.json.sessionLogPath, 'utf8');
    expect(log).toContain('## Plan\n\n1. Read the code\n2. Change it\n\\## not a heading\n\n## Work log');
    expect(log).toContain('## Learnings');
    expect((await repo.cli(['start', 'unplanned', '--plan', 'a\u202eb'])).exitCode).toBe(2);
  });

  it('prints navigation instructions in human mode', async () => {
    repo = makeRepo();
    const result = await repo.cli(['start', 'api', '--goal', 'Endpoints']);
    expect(result.exitCode).toBe(0);
    expect(normalise(result.stdout, repo)).toMatchInlineSnapshot(`
      "✓ Session "api" created
      ✓ Worktree: <root>/project-sessions/api
      ✓ Branch: session/api from main at <short-sha>
      ✓ Session log: docs/session_logs/20260115_1000_api_session.md (in the worktree)
      ✓ Registered in <root>/project-sessions/.manifest.json
      ✓ Ports: 3640-3649 (PORT=3640 in .env.session)

      Next: open a new terminal and run
        cd <root>/project-sessions/api && claude
      then use /resume there to pick up this conversation.
      "
    `);
  });

  it('finds the main checkout from a subfolder', async () => {
    repo = makeRepo();
    const result = await repo.cli(['start', 'from-sub', '--json'], { cwd: join(repo.main, 'src') });
    expect(result.exitCode).toBe(0);
    expect(result.json.worktreePath).toBe(join(repo.sessions, 'from-sub'));
  });

  it('bases the session on --base', async () => {
    repo = makeRepo();
    repo.git(['branch', 'develop']);
    repo.write('later.txt', 'x');
    repo.commitAll('later on main');
    const develop = repo.git(['rev-parse', 'develop']).trim();
    const result = await repo.cli(['start', 'on-develop', '--base', 'develop', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.json.session.base).toEqual({ branch: 'develop', commit: develop });
  });
});

describe('session start refusals leave everything unchanged', () => {
  const refusalCases: Array<[string, (r: Repo) => string[], number, string, RegExp]> = [
    [
      'an existing session name',
      (r) => {
        r.helper(['start', 'taken']);
        return ['start', 'taken'];
      },
      1,
      'session-exists',
      /already registered/,
    ],
    [
      'an existing worktree path',
      (r) => {
        mkdirSync(join(r.sessions, 'occupied'), { recursive: true });
        return ['start', 'occupied'];
      },
      1,
      'worktree-path-exists',
      /already exists/,
    ],
    [
      'an existing branch',
      (r) => {
        r.git(['branch', 'session/branchy']);
        return ['start', 'branchy'];
      },
      1,
      'branch-exists',
      /session\/branchy already exists/,
    ],
    ['an unknown base', () => ['start', 'x', '--base', 'nope'], 1, 'unknown-base', /no local branch "nope"/],
    [
      'a dirty main checkout',
      (r) => {
        r.write('README.md', 'changed\n');
        return ['start', 'dirty'];
      },
      1,
      'main-dirty',
      / M README.md/,
    ],
    [
      'commit without a message',
      (r) => {
        r.write('README.md', 'changed\n');
        return ['start', 'c', '--if-dirty', 'commit'];
      },
      2,
      'usage',
      /--commit-message/,
    ],
    ['a bad --if-dirty', () => ['start', 'c', '--if-dirty', 'maybe'], 2, 'usage', /must be one of/],
    ['an unknown flag', () => ['start', 'c', '--frobnicate'], 2, 'usage', /Unknown option/],
    ['a missing name', () => ['start'], 2, 'usage', /expected 1 argument/],
  ];
  it.each(refusalCases)('refuses %s', async (_label, arrange, exitCode, code, message) => {
    repo = makeRepo();
    const args = arrange(repo);
    const before = snapshot(repo);
    const result = await repo.cli([...args, '--json']);
    expect(result.exitCode).toBe(exitCode);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.error.code).toBe(code);
    expect(result.json.error.message).toMatch(message);
    expect(result.json.error.next.length).toBeGreaterThan(10);
    expect(snapshot(repo)).toEqual(before);
  });

  it('refuses inside a session worktree, naming the main checkout', async () => {
    repo = makeRepo();
    await repo.cli(['start', 'first']);
    const before = snapshot(repo);
    const result = await repo.cli(['start', 'second'], { cwd: join(repo.sessions, 'first', 'src') });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('You are inside the parallel session "first"');
    expect(result.stderr).toContain(`cd ${repo.main}`);
    expect(snapshot(repo)).toEqual(before);
  });

  it('refuses a repository without commits', async () => {
    repo = makeRepo({ empty: true });
    const result = await repo.cli(['start', 'first', '--json']);
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe('no-commits');
    expect(existsSync(repo.sessions)).toBe(false);
  });

  it('refuses outside a repository', async () => {
    repo = makeRepo();
    const result = await repo.cli(['start', 'first', '--json'], { cwd: join(repo.root, 'home') });
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe('not-a-repository');
  });

  const hostileNames = [
    '$(touch pwned)',
    '`touch pwned`',
    'a;touch pwned',
    'a|b',
    'a&&b',
    "it's",
    'a"b',
    'line\nbreak',
    '../escape',
    'a/b',
    '.hidden',
    'HEAD',
    '@',
    'x.lock',
    'café',
    'x'.repeat(300),
    'Upper',
  ];
  it.each(hostileNames)('refuses the name %j with exit 2 and the rule', async (name) => {
    repo = makeRepo();
    const before = snapshot(repo);
    const result = await repo.cli(['start', name]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('invalid session name');
    expect(result.stderr).toContain('lowercase letters, digits and single hyphens');
    expect(snapshot(repo)).toEqual(before);
    expect(existsSync(join(repo.main, 'pwned'))).toBe(false);
  });

  it('treats a name with a leading dash as an unknown option (exit 2)', async () => {
    repo = makeRepo();
    const result = await repo.cli(['start', '-rf']);
    expect(result.exitCode).toBe(2);
  });

  it('refuses an invalid manifest without touching it', async () => {
    repo = makeRepo();
    mkdirSync(repo.sessions);
    writeFileSync(repo.manifestPath, '{"version": 1, "project": 3, "sessions": []}');
    const before = snapshot(repo);
    const result = await repo.cli(['start', 'x', '--json']);
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe('manifest-invalid');
    expect(result.json.error.message).toContain('/project must be string');
    expect(result.json.error.next).toContain('session cleanup --yes');
    expect(snapshot(repo)).toEqual(before);
  });
});

describe('a dirty main checkout', () => {
  it('does not count untracked files as dirty, and lists them as left behind', async () => {
    repo = makeRepo();
    repo.write('scratch.txt', 'notes');
    const result = await repo.cli(['start', 'u', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.json.dirty).toMatchObject({ action: 'none', untrackedLeftBehind: ['scratch.txt'] });
  });

  it('stashes tracked changes and says how to get them back', async () => {
    repo = makeRepo();
    repo.write('README.md', 'changed\n');
    const result = await repo.cli(['start', 's', '--if-dirty', 'stash']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`git -C ${repo.main} stash pop`);
    expect(repo.git(['status', '--porcelain'])).toBe('');
    repo.git(['stash', 'pop', '-q']);
    expect(readFileSync(join(repo.main, 'README.md'), 'utf8')).toBe('changed\n');
  });

  it('commits tracked changes and bases the session on that commit', async () => {
    repo = makeRepo();
    repo.write('README.md', 'changed\n');
    const result = await repo.cli([
      'start',
      'c',
      '--if-dirty',
      'commit',
      '--commit-message',
      'WIP before session',
      '--json',
    ]);
    expect(result.exitCode).toBe(0);
    const head = repo.git(['rev-parse', 'HEAD']).trim();
    expect(result.json.dirty.commit).toBe(head);
    expect(result.json.session.base.commit).toBe(head);
    expect(readFileSync(join(repo.sessions, 'c', 'README.md'), 'utf8')).toBe('changed\n');
  });

  it('proceeds and warns that the changes stay behind', async () => {
    repo = makeRepo();
    repo.write('README.md', 'changed\n');
    const result = await repo.cli(['start', 'p', '--if-dirty', 'proceed']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('stay in the main checkout and are not in the session');
    expect(readFileSync(join(repo.sessions, 'p', 'README.md'), 'utf8')).toBe('# sample\n');
  });
});

describe('all or nothing', () => {
  it('rolls back the branch, worktree and entry when git fails half way', async () => {
    repo = makeRepo();
    await repo.cli(['start', 'keep-me']);
    const hook = join(repo.main, '.git/hooks/post-checkout');
    writeFileSync(hook, '#!/bin/sh\necho "hook says no" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const before = snapshot(repo);
    const result = await repo.cli(['start', 'doomed', '--json']);
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe('git-failed');
    expect(result.json.error.message).toContain('hook says no');
    expect(repo.git(['branch', '--list', 'session/doomed'])).toBe('');
    expect(existsSync(join(repo.sessions, 'doomed'))).toBe(false);
    expect(repo.git(['worktree', 'list', '--porcelain'])).not.toContain('doomed');
    expect(repo.manifest().sessions.map((s: any) => s.id)).toEqual(['keep-me']);
    expect(snapshot(repo)).toEqual(before);
  });

  it('rolls back when interrupted by SIGTERM', async () => {
    repo = makeRepo();
    const hook = join(repo.main, '.git/hooks/post-checkout');
    // The hook leaves a mark outside the repository, so the test can tell when the checkout runs it
    // without asking git mid-`worktree add`, when `git worktree list` itself may fail.
    const mark = join(repo.root, 'hook-ran');
    writeFileSync(hook, `#!/bin/sh\n: > '${mark}'\nsleep 1\n`);
    chmodSync(hook, 0o755);
    // Signalled the moment its checkout runs the hook, and only this run's own process.
    const run = startHelperGroup(repo, ['start', 'interrupted', '--json']);
    expect(await waitFor(() => existsSync(mark), 10_000)).toBe(true);
    process.kill(run.pid, 'SIGTERM');
    const finished = await run.done;
    const result = { exitCode: finished.code, json: JSON.parse(finished.stdout) };
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe('interrupted');
    expect(repo.git(['branch', '--list', 'session/interrupted'])).toBe('');
    expect(existsSync(join(repo.sessions, 'interrupted'))).toBe(false);
    expect(repo.manifest().sessions).toEqual([]);
  });
});

describe('a project path with spaces and unicode', () => {
  it('works end to end, and prints commands that paste as they are', async () => {
    repo = makeRepo({ name: 'my app dé jà' });
    const started = await repo.cli(['start', 'spaced', '--no-setup', '--json']);
    expect(started.exitCode, started.stdout).toBe(0);
    const worktree = join(repo.sessions, 'spaced');
    expect(started.json.next).toBe(`cd '${worktree}' && claude`);
    repo.write('b.txt', 'b\n', worktree);
    repo.commitAll('work', worktree);
    const ended = await repo.cli(['end', '--strategy', 'merge', '--json'], { cwd: worktree });
    expect(ended.exitCode, ended.stdout).toBe(0);
    expect(ended.json.next[0]).toBe(`cd '${repo.main}'`);
    expect(readFileSync(join(repo.main, 'b.txt'), 'utf8')).toBe('b\n');
  });
});
