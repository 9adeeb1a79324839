/**
 * The manifest is a plain file anyone can edit. Before a command deletes, removes or writes
 * anything on an entry's word, the entry must agree with git and with the layout: its branch
 * is `<prefix><id>` and not the base, its worktree is `<sessions folder>/<id>` and git lists it
 * on that branch, and its paths stay inside the worktree. Otherwise `entry-untrusted`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, snapshot, type Repo } from '../helpers/gitdir.js';
import { sessionWithWork } from '../helpers/end.js';
import { expectDone, expectRefused, refExists, rev, settle } from '../helpers/safety.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

function editEntry(r: Repo, id: string, change: (entry: any) => void): void {
  const manifest = r.manifest();
  const entry = manifest.sessions.find((s: any) => s.id === id);
  change(entry);
  writeFileSync(r.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

function addEntry(r: Repo, entry: Record<string, unknown>): void {
  const manifest = r.manifest();
  manifest.sessions.push({
    startedAt: '2026-01-15T10:00:00Z',
    sessionLog: null,
    goals: [],
    status: 'active',
    base: { branch: 'main', commit: rev(r, 'main') },
    ...entry,
  });
  writeFileSync(r.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

function expectUntrusted(result: ReturnType<Repo['helper']>): void {
  const error = expectRefused(result, 'entry-untrusted');
  expect(
    Array.isArray(error.details.problems) && error.details.problems.length > 0,
    JSON.stringify(error.details),
  ).toBe(true);
}

/** Runs the command and checks it was refused as untrusted with nothing changed anywhere. */
function expectRefusedUntouched(args: string[], alsoUntouched: () => void = () => undefined): void {
  settle(
    repo,
    ...repo
      .git(['worktree', 'list', '--porcelain'])
      .split('\n')
      .filter((l) => l.startsWith('worktree '))
      .map((l) => l.slice(9))
      .slice(1),
  );
  const before = snapshot(repo);
  const result = repo.helper([...args, '--json']);
  let after: unknown;
  try {
    after = snapshot(repo);
  } catch (error) {
    after = { unreadable: (error as Error).message.split('\n').slice(0, 2).join(' ') };
  }
  expect(after, `${args.join(' ')} changed something (exit ${result.exitCode})`).toEqual(before);
  alsoUntouched();
  expectUntrusted(result);
}

describe('an entry whose branch is not its own', () => {
  it('abandon refuses an entry with "branch": "main" and main stays', async () => {
    repo = makeRepo();
    sessionWithWork(repo, 'x');
    editEntry(repo, 'x', (entry) => {
      entry.branch = 'main';
    });
    const main = rev(repo, 'refs/heads/main');
    expectRefusedUntouched(['end', 'x', '--strategy', 'abandon', '--confirm', 'x']);
    expect(rev(repo, 'refs/heads/main')).toBe(main);
  });

  it('abandon refuses an entry whose branch is its base, checked out nowhere', async () => {
    repo = makeRepo();
    repo.git(['branch', 'develop']);
    expectDone(await repo.cli(['start', 'x', '--base', 'develop']));
    editEntry(repo, 'x', (entry) => {
      entry.branch = 'develop';
    });
    const develop = rev(repo, 'refs/heads/develop');
    expectRefusedUntouched(['end', 'x', '--strategy', 'abandon', '--confirm', 'x']);
    expect(rev(repo, 'refs/heads/develop')).toBe(develop);
  });

  it("abandon refuses an entry that names a user's branch without the session prefix", async () => {
    repo = makeRepo();
    sessionWithWork(repo, 'x');
    repo.git(['branch', 'users-feature', 'session/x']);
    editEntry(repo, 'x', (entry) => {
      entry.branch = 'users-feature';
    });
    expectRefusedUntouched(['end', 'x', '--strategy', 'abandon', '--confirm', 'x']);
    expect(refExists(repo, 'refs/heads/users-feature')).toBe(true);
  });
});

describe('an entry that points at a worktree that is not its own', () => {
  function foreignWorktree(r: Repo): string {
    const elsewhere = join(r.root, 'elsewhere');
    r.git(['worktree', 'add', '-q', '-b', 'user-branch', elsewhere]);
    r.write('mine.txt', "the user's own work\n", elsewhere);
    r.commitAll("user's commit", elsewhere);
    r.write('draft.txt', 'uncommitted\n', elsewhere);
    expectDone(r.helper(['start', 'placeholder']));
    addEntry(r, { id: 'y', branch: 'user-branch', worktree: '../elsewhere' });
    return elsewhere;
  }

  it.each([
    ['end --strategy abandon', ['end', 'y', '--strategy', 'abandon', '--confirm', 'y']],
    ['end --strategy merge', ['end', 'y', '--strategy', 'merge']],
    ['end --strategy keep', ['end', 'y', '--strategy', 'keep']],
  ])(
    '%s refuses a user worktree outside the sessions folder and leaves it and its branch alone',
    async (_label, args) => {
      repo = makeRepo();
      const elsewhere = foreignWorktree(repo);
      // keep and merge would be refused for the uncommitted draft; without it they would go ahead.
      if (!args.includes('abandon')) repo.git(['stash', '-u', '-q'], elsewhere);
      const tip = rev(repo, 'refs/heads/user-branch');
      expectRefusedUntouched(args);
      expect(rev(repo, 'refs/heads/user-branch')).toBe(tip);
    },
  );

  it('setup refuses and writes nothing into the folder an entry names', async () => {
    repo = makeRepo();
    const elsewhere = foreignWorktree(repo);
    expectRefusedUntouched(['setup', 'y']);
    expect(readFileSync(join(elsewhere, 'draft.txt'), 'utf8')).toBe('uncommitted\n');
  });

  it("abandon refuses an entry whose worktree is another session's folder", async () => {
    repo = makeRepo();
    sessionWithWork(repo, 'x');
    const y = sessionWithWork(repo, 'y');
    repo.write('y-draft.txt', 'uncommitted work of y\n', y);
    editEntry(repo, 'x', (entry) => {
      entry.worktree = '../project-sessions/y';
    });
    expectRefusedUntouched(['end', 'x', '--strategy', 'abandon', '--confirm', 'x']);
  });
});

describe('an entry whose paths climb out of its worktree', () => {
  it('sync refuses a sessionLog of ../../outside.md and never writes there', async () => {
    repo = makeRepo();
    sessionWithWork(repo, 'x');
    repo.write('m.txt', 'main moves on\n');
    repo.commitAll('main moves on');
    const outside = join(repo.root, 'outside.md');
    writeFileSync(outside, '# not a session log\n**Branch:** mine\n');
    editEntry(repo, 'x', (entry) => {
      entry.sessionLog = '../../outside.md';
    });
    expectRefusedUntouched(['sync', 'x']);
    expect(readFileSync(outside, 'utf8')).toBe('# not a session log\n**Branch:** mine\n');
  });

  it('keep refuses a sessionLog of ../../outside.md', async () => {
    repo = makeRepo();
    sessionWithWork(repo, 'x');
    const outside = join(repo.root, 'outside.md');
    writeFileSync(outside, '# not a session log\n');
    editEntry(repo, 'x', (entry) => {
      entry.sessionLog = '../../outside.md';
    });
    const written = statSync(outside).mtimeMs;
    // Not even a write that is undone afterwards.
    expectRefusedUntouched(['end', 'x', '--strategy', 'keep'], () =>
      expect(statSync(outside).mtimeMs, 'outside.md was written').toBe(written),
    );
  });

  it('keep refuses packFiles that climb out with ../', async () => {
    repo = makeRepo();
    sessionWithWork(repo, 'x');
    editEntry(repo, 'x', (entry) => {
      entry.packFiles = ['../../project/', '../y/'];
    });
    expectRefusedUntouched(['end', 'x', '--strategy', 'keep']);
  });
});
