/**
 * Interruptions as they happen: a closed terminal SIGKILLs the helper's whole process group
 * (git included) mid-checkout or mid-rebase, two syncs race, a SIGTERM lands while postCreate
 * runs. Afterwards status must say what needs attention, one `cleanup --yes` must leave every
 * session either gone or whole, and nothing may keep running.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, type Repo } from '../helpers/gitdir.js';
import { sessionWithWork } from '../helpers/end.js';
import { entryOf, expectDone, gitPath, refExists, rev, tryGit } from '../helpers/safety.js';
import { killGroup, processAlive, sleep, startHelperGroup, waitFor } from '../helpers/processes.js';

const FULL = process.env.STRESS_FULL === '1';
let repo: Repo;
const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) killGroup(pid);
  repo?.cleanup();
});

/** Deterministic pseudo-random numbers, so a failing run can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function sessionStatus(r: Repo, id: string): any {
  const status = r.helper(['status', '--json']);
  expect(status.exitCode).toBe(0);
  return status.json.sessions.find((s: any) => s.id === id);
}

function operationInProgress(r: Repo, worktree: string): string[] {
  return ['rebase-merge', 'rebase-apply', 'MERGE_HEAD', 'CHERRY_PICK_HEAD', 'index.lock'].filter((name) =>
    existsSync(gitPath(r, name, worktree)),
  );
}

describe('SIGKILL of the process group during start on a 6,000-file repository', () => {
  const FILES = 6_000;

  it('after cleanup --yes each killed session is gone entirely or active and whole', async () => {
    repo = makeRepo();
    for (let i = 0; i < FILES; i++) {
      const folder = join(repo.main, `src/d${i % 60}`);
      if (i < 60) mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, `f${i}.txt`), `file ${i}\n`);
    }
    repo.commitAll('6,000 files');
    const tracked = repo.git(['ls-files']).split('\n').filter(Boolean).length;
    const adminDir = (id: string) => join(repo.main, '.git/worktrees', id);

    const probeStarted = Date.now();
    expectDone(await repo.helperAsync(['start', 'probe', '--no-setup', '--copy', 'none']));
    const startMs = Date.now() - probeStarted;
    expectDone(await repo.helperAsync(['end', 'probe', '--strategy', 'abandon', '--confirm', 'probe']));

    const rand = random(8);
    // Two kills aimed at the checkout (its index.lock in the new worktree's admin folder), then kills at random moments.
    const trials: Array<'checkout' | number> = [
      'checkout',
      'checkout',
      ...Array.from({ length: FULL ? 10 : 3 }, () => Math.floor(rand() * startMs)),
    ];
    let killed = 0;
    const states: string[] = [];
    for (const [n, when] of trials.entries()) {
      const id = `k${n}`;
      const run = startHelperGroup(repo, ['start', id, '--no-setup', '--copy', 'none']);
      leftovers.push(run.pid);
      if (when === 'checkout') await waitFor(() => existsSync(join(adminDir(id), 'index.lock')), 10_000, 1);
      else await sleep(when);
      killGroup(run.pid);
      const outcome = await run.done;
      if (outcome.signal === 'SIGKILL') killed++;

      let cleanup = repo.helper(['cleanup', '--yes']);
      expectDone(cleanup);
      // A kill as git made the new admin folder's commondir leaves git unable to list worktrees: that goes first,
      // alone, and the next cleanup plans the rest (test/safety/interrupted-steps.test.ts).
      if (cleanup.stdout.includes('plans the rest')) {
        cleanup = repo.helper(['cleanup', '--yes']);
        expectDone(cleanup);
      }

      const worktree = join(repo.sessions, id);
      const entry = entryOf(repo, id);
      const listed = repo.git(['worktree', 'list', '--porcelain']).includes(`worktree ${worktree}\n`);
      const gone = !entry && !existsSync(worktree) && !listed && !refExists(repo, `refs/heads/session/${id}`);
      let whole = false;
      let detail = '';
      if (entry?.status === 'active' && existsSync(worktree) && listed) {
        const status = repo
          .git(['status', '--porcelain', '--untracked-files=all'], worktree)
          .split('\n')
          .filter(Boolean);
        const changes = status.filter(
          (line) => !(line.startsWith('?? ') && line.slice(3).startsWith('docs/session_logs/')),
        );
        const files = repo.git(['ls-files'], worktree).split('\n').filter(Boolean).length;
        const busy = operationInProgress(repo, worktree);
        whole = changes.length === 0 && files === tracked && busy.length === 0;
        detail = `active: ${changes.length} change(s) (${changes.slice(0, 2).join('; ')}), ${files}/${tracked} files in the index, in progress: ${busy.join(', ') || 'nothing'}`;
      } else {
        detail = `entry ${entry?.status ?? 'none'}, folder ${existsSync(worktree)}, listed ${listed}, branch ${refExists(repo, `refs/heads/session/${id}`)}`;
      }
      states.push(
        `${id} (kill ${when === 'checkout' ? 'during checkout' : `at ${when} ms`}, ${outcome.signal ?? `exit ${outcome.code}`}): ${gone ? 'gone' : whole ? 'whole' : `BROKEN ${detail}; cleanup said:\n${cleanup.stdout}`}`,
      );
    }
    expect(killed, states.join('\n')).toBeGreaterThanOrEqual(Math.ceil(trials.length / 2));
    expect(
      states.filter((line) => line.includes('BROKEN')),
      states.join('\n'),
    ).toEqual([]);
  });
});

describe('SIGKILL of the process group while a rebase runs, and two syncs at once', () => {
  const COMMITS = 20;
  const hookLog = () => join(repo.root, 'post-commit.log');
  /** The rebase has begun: git's rebase folder is there, or the first commit was replayed. */
  const rebaseBegun = (worktree: string) =>
    existsSync(gitPath(repo, 'rebase-merge', worktree)) || existsSync(hookLog());

  /** Session x with COMMITS commits, main one commit ahead, and a post-commit hook that makes every replayed commit slow. */
  function slowRebaseSession(): { worktree: string; tip: string; subjects: string[] } {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'x');
    for (let i = 1; i < COMMITS; i++) {
      repo.write(`s${i}.txt`, `${i}\n`, worktree);
      repo.commitAll(`session commit ${i}`, worktree);
    }
    repo.write('m.txt', 'main moves on\n');
    repo.commitAll('main moves on');
    const hook = join(repo.main, '.git/hooks/post-commit');
    writeFileSync(hook, `#!/bin/sh\necho commit >> '${hookLog()}'\nsleep 0.15\n`);
    chmodSync(hook, 0o755);
    const subjects = repo.git(['log', '--format=%s', 'main..session/x']).split('\n').filter(Boolean);
    expect(subjects.length).toBe(COMMITS);
    expect(sessionStatus(repo, 'x').attention).toEqual([]);
    return { worktree, tip: rev(repo, 'refs/heads/session/x'), subjects };
  }

  /** No operation in progress, HEAD on the branch, nothing tracked changed, and the branch as before or fully synced. */
  function expectConsistent(worktree: string, tip: string, subjects: string[]): void {
    expect(operationInProgress(repo, worktree), 'a git operation is still in progress in the worktree').toEqual([]);
    expect(tryGit(repo, ['symbolic-ref', '-q', 'HEAD'], worktree).stdout.trim()).toBe('refs/heads/session/x');
    expect(repo.git(['status', '--porcelain', '--untracked-files=no'], worktree)).toBe('');
    const now = rev(repo, 'refs/heads/session/x');
    if (now !== tip) {
      expect(
        tryGit(repo, ['merge-base', '--is-ancestor', 'main', now]).status,
        'the branch moved but does not contain main',
      ).toBe(0);
      const after = repo.git(['log', '--format=%s', 'main..session/x']).split('\n');
      expect(
        subjects.filter((subject) => !after.includes(subject)),
        'session commits lost',
      ).toEqual([]);
    }
  }

  const killCases: Array<[string, string[]]> = [
    ['sync', ['sync', 'x']],
    ['end --rebase', ['end', 'x', '--strategy', 'keep', '--rebase']],
  ];
  it.each(killCases)(
    '%s: status flags the session, and cleanup leaves no rebase in progress and no commit lost',
    async (_label, args) => {
      const { worktree, tip, subjects } = slowRebaseSession();
      const run = startHelperGroup(repo, args);
      leftovers.push(run.pid);
      expect(await waitFor(() => rebaseBegun(worktree), 15_000, 2), 'the rebase never started').toBe(true);
      await sleep(300 + Math.floor(random(9)() * 600));
      killGroup(run.pid);
      const outcome = await run.done;
      expect(outcome.signal, 'the helper finished before it could be killed').toBe('SIGKILL');

      // Whatever the kill left half done in the worktree, status must point at it.
      const halfDone = [
        ...operationInProgress(repo, worktree),
        ...(tryGit(repo, ['symbolic-ref', '-q', 'HEAD'], worktree).stdout.trim() === 'refs/heads/session/x'
          ? []
          : ['HEAD off session/x']),
        ...(repo.git(['status', '--porcelain', '--untracked-files=no'], worktree) === '' ? [] : ['tracked changes']),
      ];
      const flagged = sessionStatus(repo, 'x');
      if (halfDone.length > 0)
        expect(
          flagged.attention.length,
          `status says nothing needs attention (state ${flagged.state}) with ${halfDone.join(', ')}`,
        ).toBeGreaterThan(0);

      expectDone(repo.helper(['cleanup', '--yes']));
      expectConsistent(worktree, tip, subjects);
    },
  );

  it('two syncs started at the same moment: one runs, the other is refused session-busy', async () => {
    const { worktree, tip, subjects } = slowRebaseSession();
    const results = await Promise.all([
      repo.helperAsync(['sync', 'x', '--json']),
      repo.helperAsync(['sync', 'x', '--json']),
    ]);

    expect(
      results.map((r) => r.exitCode).sort(),
      results.map((r) => r.json?.error?.message ?? 'ok').join('\n'),
    ).toEqual([0, 1]);
    expect(results.find((r) => r.exitCode === 1)!.json.error.code).toBe('session-busy');
    expectConsistent(worktree, tip, subjects);
  });

  it('a sync started while another sync is rebasing is refused session-busy', async () => {
    const { worktree, tip, subjects } = slowRebaseSession();
    const first = repo.helperAsync(['sync', 'x', '--json']);
    expect(await waitFor(() => rebaseBegun(worktree), 15_000, 2)).toBe(true);
    const second = repo.helperAsync(['sync', 'x', '--json']);
    const results = await Promise.all([first, second]);

    const codes = results.map((r) => r.exitCode).sort();
    expect(codes, results.map((r) => r.json?.error?.message ?? 'ok').join('\n')).toEqual([0, 1]);
    expect(results.find((r) => r.exitCode === 1)!.json.error.code).toBe('session-busy');
    expectConsistent(worktree, tip, subjects);
    expect(rev(repo, 'refs/heads/session/x')).not.toBe(tip);
  });
});

describe('SIGTERM while postCreate runs', () => {
  it('records the setup as interrupted, status flags it, and the child does not outlive the helper', async () => {
    repo = makeRepo();
    const pidFile = join(repo.root, 'setup.pid');
    repo.write(
      '.claude/flight-rules.json',
      `${JSON.stringify({ postCreate: `echo $$ > '${pidFile}'; exec sleep 30` })}\n`,
    );
    repo.commitAll('postCreate sleeps');
    const run = startHelperGroup(repo, ['start', 'x']);
    leftovers.push(run.pid);
    expect(
      await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 15_000),
      'postCreate never started',
    ).toBe(true);
    const child = Number(readFileSync(pidFile, 'utf8').trim());

    process.kill(run.pid, 'SIGTERM');
    await run.done;

    expect(
      await waitFor(() => !processAlive(child), 3_000),
      `postCreate (pid ${child}) still runs after the helper exited`,
    ).toBe(true);
    const setup = entryOf(repo, 'x')?.setup;
    expect(['interrupted', 'failed'], `setup recorded as ${JSON.stringify(setup)}`).toContain(setup?.status);
    expect(sessionStatus(repo, 'x').attention.length, 'status calls the session healthy').toBeGreaterThan(0);
  });
});
