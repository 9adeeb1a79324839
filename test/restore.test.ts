/**
 * `session restore <name>` on real repositories: what an end saved comes back as it was
 * (tracked, staged, untracked, deleted and ignored files, goals, ports, env files), refusals
 * change nothing, a failure rolls back, and a restored session ends again like any other.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileMode, makeRepo, snapshot, type Repo } from './helpers/gitdir.js';
import { outputSchemaErrors, schemaErrors } from './helpers/schemas.js';
import { history, sessionWithWork } from './helpers/end.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const rev = (r: Repo, ref: string, cwd?: string) => r.git(['rev-parse', ref], cwd).trim();
const status = (r: Repo, cwd: string) => r.git(['status', '--porcelain=v1', '--untracked-files=all'], cwd);
const TIP_REF = 'refs/sessions/abandoned/work/20260115T100000Z';

/** A session with committed work and every kind of uncommitted change, abandoned. Returns what the worktree held. */
function abandonWithEverything(r: Repo, name = 'work') {
  r.write('.gitignore', '.env\n');
  r.write('tracked.txt', 'one\n');
  r.write('gone.txt', 'bye\n');
  r.write('staged-gone.txt', 'also bye\n');
  r.commitAll('files to change');
  r.write('.env', 'SECRET=from-main\n');
  chmodSync(join(r.main, '.env'), 0o600);
  const worktree = sessionWithWork(r, name, { 'committed.txt': 'committed in the session\n' }, [
    'Fix the parser',
    'Test it',
  ]);
  r.write('tracked.txt', 'staged\n', worktree);
  r.git(['add', 'tracked.txt'], worktree);
  r.write('tracked.txt', 'staged\nthen edited\n', worktree);
  r.write('new-staged.txt', 'new and staged\n', worktree);
  r.git(['add', 'new-staged.txt'], worktree);
  r.git(['rm', '-q', 'staged-gone.txt'], worktree);
  execFileSync('rm', [join(worktree, 'gone.txt')]);
  r.write('notes/untracked.txt', 'never added\n', worktree);
  r.write('.env', 'SECRET=edited-in-the-session\n', worktree);
  const held = {
    status: status(r, worktree),
    index: r.git(['ls-files', '--stage'], worktree),
    tip: rev(r, 'HEAD', worktree),
    port: r.manifest().sessions.find((s: any) => s.id === name).port,
    files: Object.fromEntries(
      ['tracked.txt', 'new-staged.txt', 'notes/untracked.txt', 'committed.txt', '.env'].map((path) => [
        path,
        readFileSync(join(worktree, path), 'utf8'),
      ]),
    ),
  };
  const ended = r.helper(['end', name, '--strategy', 'abandon', '--confirm', name, '--json']);
  expect(ended.exitCode, ended.stdout + ended.stderr).toBe(0);
  expect(existsSync(worktree)).toBe(false);
  return { worktree, held, ended };
}

function expectNextIsCommands(next: string[]) {
  expect(next.length).toBeGreaterThan(0);
  for (const line of next) expect(line, line).toMatch(/^(cd |git |session |node )/);
}

describe('session restore after abandon', () => {
  it('brings back the branch, worktree, staged, unstaged, deleted, untracked and ignored work, goals and ports', async () => {
    repo = makeRepo();
    const { worktree, held } = abandonWithEverything(repo);
    expect(repo.git(['branch', '--list', 'session/work'])).toBe('');

    const result = await repo.cli(['restore', 'work', '--json']);

    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(schemaErrors('manifest', repo.manifest())).toBe('');
    expect(rev(repo, 'refs/heads/session/work')).toBe(held.tip);
    expect(rev(repo, 'HEAD', worktree)).toBe(held.tip);
    expect(repo.git(['symbolic-ref', 'HEAD'], worktree).trim()).toBe('refs/heads/session/work');
    // Exactly as it was: staged stays staged, untracked stays untracked, deletions stay deletions.
    expect(status(repo, worktree)).toBe(held.status);
    expect(repo.git(['ls-files', '--stage'], worktree)).toBe(held.index);
    for (const [path, content] of Object.entries(held.files))
      expect(readFileSync(join(worktree, path), 'utf8'), path).toBe(content);
    expect(existsSync(join(worktree, 'gone.txt'))).toBe(false);
    // The ignored file is the session's own edited copy, not the main checkout's, and stays private.
    expect(fileMode(join(worktree, '.env'))).toBe(0o600);
    expect(result.json.restored.ignored).toEqual({ ref: `${TIP_REF}-ignored`, restored: ['.env'], skipped: [] });
    expect(result.json.restored.changes).toMatchObject({ ref: `${TIP_REF}-worktree`, staged: 3, untracked: 1 });

    const entry = repo.manifest().sessions.find((s: any) => s.id === 'work');
    expect(entry).toMatchObject({
      status: 'active',
      goals: ['Fix the parser', 'Test it'],
      port: held.port,
      restoredFrom: { strategy: 'abandon', endedAt: '2026-01-15T10:00:00Z', savedAs: TIP_REF },
    });
    expect(entry.sessionLog).toMatch(/^docs\/session_logs\/.*_work_session\.md$/);
    expect(existsSync(join(worktree, entry.sessionLog))).toBe(true);
    expect(readFileSync(join(worktree, '.env.session'), 'utf8')).toContain(`PORT=${held.port.base}`);
    expect(result.json.port).toEqual({ block: held.port, previous: held.port, reused: true });
    expect(result.json.branch).toEqual({ name: 'session/work', tip: held.tip, created: true });
    expect(result.json.next).toEqual([`cd ${worktree} && claude`]);
    expectNextIsCommands(result.json.next);
    // The saved refs stay: a restore never deletes what it restored from.
    expect(repo.git(['for-each-ref', '--format=%(refname)', 'refs/sessions/']).trim().split('\n')).toEqual([
      TIP_REF,
      `${TIP_REF}-ignored`,
      `${TIP_REF}-worktree`,
    ]);

    const shown = await repo.cli(['status', '--json']);
    expect(shown.json.sessions.map((s: any) => [s.id, s.state])).toEqual([['work', 'active']]);
  });

  it('prints what it did for a person, ending with the command that enters the worktree', async () => {
    repo = makeRepo();
    abandonWithEverything(repo);
    const result = await repo.cli(['restore', 'work']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Session "work" restored from its abandon end at 2026-01-15T10:00:00Z');
    expect(result.stdout).toContain('Uncommitted work back as it was');
    expect(result.stdout).toContain(
      'Ignored files back from refs/sessions/abandoned/work/20260115T100000Z-ignored: .env',
    );
    expect(result.stdout.trimEnd().split('\n').slice(-2)).toEqual([
      'Next: open a new terminal and run',
      `  cd ${join(repo.sessions, 'work')} && claude`,
    ]);
  });

  it('can be ended again, and restored again from the newer end', async () => {
    repo = makeRepo();
    const { worktree } = abandonWithEverything(repo);
    expect((await repo.cli(['restore', 'work'])).exitCode).toBe(0);
    repo.write('second-round.txt', 'added after the restore\n', worktree);

    const again = await repo.cli(['end', 'work', '--strategy', 'abandon', '--confirm', 'work', '--json']);
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.json.saved.tip).toBe(`${TIP_REF}-2`);
    expect(history(repo).map((record) => [record.strategy, record.savedAs])).toEqual([
      ['abandon', TIP_REF],
      ['abandon', `${TIP_REF}-2`],
    ]);
    expect(history(repo)[1].goals).toEqual(['Fix the parser', 'Test it']);

    const restored = await repo.cli(['restore', 'work', '--json']);
    expect(restored.exitCode, restored.stdout).toBe(0);
    expect(readFileSync(join(worktree, 'second-round.txt'), 'utf8')).toBe('added after the restore\n');
    expect(readFileSync(join(worktree, '.env'), 'utf8')).toBe('SECRET=edited-in-the-session\n');

    // --at picks the older end: without the file made after the first restore.
    expect((await repo.cli(['end', 'work', '--strategy', 'abandon', '--confirm', 'work'])).exitCode).toBe(0);
    const older = await repo.cli(['restore', 'work', '--at', TIP_REF, '--json']);
    expect(older.exitCode, older.stdout).toBe(0);
    expect(older.json.from.savedAs).toBe(TIP_REF);
    expect(existsSync(join(worktree, 'second-round.txt'))).toBe(false);
    expect(readFileSync(join(worktree, 'notes/untracked.txt'), 'utf8')).toBe('never added\n');
  });

  it('restores what it can from a history record written before restore existed', async () => {
    repo = makeRepo();
    const { worktree, held } = abandonWithEverything(repo);
    const path = join(repo.sessions, '.history.jsonl');
    const [record] = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    for (const field of ['goals', 'port', 'copiedFiles', 'sessionLog', 'savedRefs']) delete record[field];
    writeFileSync(path, `${JSON.stringify(record)}\n`);

    const result = await repo.cli(['restore', 'work', '--json']);

    expect(result.exitCode, result.stdout).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(status(repo, worktree)).toBe(held.status);
    expect(readFileSync(join(worktree, '.env'), 'utf8')).toBe('SECRET=edited-in-the-session\n');
    expect(result.json.session.goals).toEqual([]);
    expect(result.json.session.sessionLog).toMatch(/_work_session\.md$/);
    expect(result.json.notes.join(' ')).toContain('older than restore');
  });

  it('says how to put back a repository that was inside the worktree, and the command does it', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'nest');
    const nested = join(worktree, 'vendor/tool');
    mkdirSync(nested, { recursive: true });
    repo.git(['init', '-q', '-b', 'main'], nested);
    repo.write('tool.txt', 'nested work\n', nested);
    const commit = repo.commitAll('nested commit', nested);
    repo.write('draft.txt', 'uncommitted in the nested repository\n', nested);
    expect((await repo.cli(['end', 'nest', '--strategy', 'abandon', '--confirm', 'nest'])).exitCode).toBe(0);

    const result = await repo.cli(['restore', 'nest', '--json']);

    expect(result.exitCode, result.stdout).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    const [item] = result.json.restored.nested;
    expect(item.path).toBe('vendor/tool');
    expect(result.json.next).toEqual([`cd ${worktree} && claude`, item.command]);
    expectNextIsCommands(result.json.next);
    execFileSync('sh', ['-c', item.command], { env: repo.env });
    expect(rev(repo, 'HEAD', nested)).toBe(commit);
    expect(readFileSync(join(nested, 'draft.txt'), 'utf8')).toBe('uncommitted in the nested repository\n');
  });
});

describe('session restore after keep', () => {
  it('checks the kept branch out as it is, with its goals, session log and ports, and ends again', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'later', { 'later.txt': 'kept for later\n' }, ['Finish later']);
    const port = repo.manifest().sessions[0].port;
    const ended = await repo.cli(['end', 'later', '--strategy', 'keep', '--json']);
    expect(ended.exitCode, ended.stdout).toBe(0);
    expect(ended.json.notes.join('\n')).toContain('session restore later');
    const tip = rev(repo, 'refs/heads/session/later');

    const result = await repo.cli(['restore', 'later', '--json']);

    expect(result.exitCode, result.stdout).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.branch).toEqual({ name: 'session/later', tip, created: false });
    expect(result.json.restored.changes).toBeNull();
    expect(rev(repo, 'HEAD', worktree)).toBe(tip);
    expect(status(repo, worktree)).toBe('');
    expect(result.json.session).toMatchObject({
      goals: ['Finish later'],
      port,
      restoredFrom: { strategy: 'keep', savedAs: 'refs/heads/session/later' },
    });
    expect(readFileSync(join(worktree, result.json.session.sessionLog), 'utf8')).toContain('## Merge pending');

    repo.write('more.txt', 'more\n', worktree);
    repo.commitAll('more work after the restore', worktree);
    const merged = await repo.cli(['end', 'later', '--strategy', 'merge', '--json']);
    expect(merged.exitCode, merged.stdout).toBe(0);
    expect(readFileSync(join(repo.main, 'more.txt'), 'utf8')).toBe('more\n');
  });

  it('makes a kept branch that was deleted again at the commit the session left it at', async () => {
    repo = makeRepo();
    sessionWithWork(repo, 'gone');
    expect((await repo.cli(['end', 'gone', '--strategy', 'keep'])).exitCode).toBe(0);
    const tip = rev(repo, 'refs/heads/session/gone');
    repo.git(['branch', '-D', 'session/gone']);
    const result = await repo.cli(['restore', 'gone', '--json']);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json.branch).toEqual({ name: 'session/gone', tip, created: true });
    expect(result.json.notes.join(' ')).toContain('had been deleted');
  });
});

describe('session restore refuses, changing nothing', () => {
  const cases: Array<[string, string, (r: Repo) => void]> = [
    [
      'a session of that name is registered',
      'session-exists',
      (r) => {
        abandonWithEverything(r);
        expect(r.helper(['restore', 'work']).exitCode).toBe(0);
      },
    ],
    [
      'the worktree path exists',
      'worktree-path-exists',
      (r) => {
        abandonWithEverything(r);
        mkdirSync(join(r.sessions, 'work'));
        writeFileSync(join(r.sessions, 'work', 'someone-elses.txt'), 'x');
      },
    ],
    [
      'the branch exists at another commit',
      'branch-moved',
      (r) => {
        abandonWithEverything(r);
        r.git(['branch', 'session/work', 'main']);
      },
    ],
    [
      'the branch of a kept session is checked out in the main checkout',
      'branch-checked-out-elsewhere',
      (r) => {
        sessionWithWork(r, 'work');
        expect(r.helper(['end', 'work', '--strategy', 'keep']).exitCode).toBe(0);
        r.git(['switch', '-q', 'session/work']);
      },
    ],
    [
      'the history has no such session',
      'nothing-to-restore',
      (r) => {
        sessionWithWork(r, 'other');
      },
    ],
    [
      'the session was merged',
      'nothing-to-restore',
      (r) => {
        sessionWithWork(r, 'work');
        expect(r.helper(['end', 'work', '--strategy', 'merge']).exitCode).toBe(0);
      },
    ],
    [
      'its saved ref was pruned',
      'nothing-to-restore',
      (r) => {
        abandonWithEverything(r);
        r.git(['update-ref', '-d', TIP_REF]);
      },
    ],
    [
      '--at names no end of it',
      'no-such-end',
      (r) => {
        abandonWithEverything(r);
      },
    ],
  ];
  it.each(cases)('when %s (%s)', async (label, code, arrange) => {
    repo = makeRepo();
    arrange(repo);
    const before = snapshot(repo);
    const args = label.startsWith('--at')
      ? ['restore', 'work', '--at', '2020-01-01T00:00:00Z', '--json']
      : ['restore', 'work', '--json'];
    const result = await repo.cli(args);
    expect(result.exitCode, result.stdout).toBe(1);
    expect(result.json.error.code).toBe(code);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(snapshot(repo)).toEqual(before);
  });

  it('says how to proceed when the branch moved', async () => {
    repo = makeRepo();
    abandonWithEverything(repo);
    repo.git(['branch', 'session/work', 'main']);
    const result = await repo.cli(['restore', 'work', '--json']);
    expect(result.json.error.next).toContain('git branch -m session/work session/work-later');
    expect(result.json.error.next).toContain('session restore work');
  });

  it.each([
    ['an invalid name', ['restore', 'Bad Name']],
    ['an --at that is neither a time nor a ref', ['restore', 'work', '--at', 'yesterday']],
    ['no name', ['restore']],
  ])('%s is a usage error', async (_label, args) => {
    repo = makeRepo();
    const before = snapshot(repo);
    const result = await repo.cli([...args, '--json']);
    expect(result.exitCode).toBe(2);
    expect(snapshot(repo)).toEqual(before);
  });
});

describe('session restore rolls back on failure', () => {
  it('when the checkout fails: no branch, worktree or entry is left, and the saved refs stay', async () => {
    repo = makeRepo();
    abandonWithEverything(repo);
    const hook = join(repo.main, '.git/hooks/post-checkout');
    writeFileSync(hook, '#!/bin/sh\necho "hook says no" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const before = snapshot(repo);
    const result = await repo.cli(['restore', 'work', '--json']);
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe('git-failed');
    expect(result.json.error.message).toContain('Rolled back');
    expect(snapshot(repo)).toEqual(before);
  });

  it('when the saved work cannot be put back: the same', async () => {
    repo = makeRepo();
    abandonWithEverything(repo);
    // The checkout leaves a file where the saved untracked one must go, so putting the work back fails.
    const hook = join(repo.main, '.git/hooks/post-checkout');
    writeFileSync(hook, '#!/bin/sh\nmkdir -p notes && echo "in the way" > notes/untracked.txt\n');
    chmodSync(hook, 0o755);
    const before = snapshot(repo);
    const result = await repo.cli(['restore', 'work', '--json']);
    expect(result.exitCode).toBe(1);
    expect(result.json.error.message).toContain('Rolled back');
    expect(snapshot(repo)).toEqual(before);
    expect(repo.git(['branch', '--list', 'session/work'])).toBe('');
  });
});
