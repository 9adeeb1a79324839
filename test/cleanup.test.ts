import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { makeRepo, normalise, snapshot, type Repo } from './helpers/gitdir.js';
import { outputSchemaErrors, schemaErrors } from './helpers/schemas.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync('node', ['-e', '0']);
  return child.pid!;
}

const worktreeOf = (name: string) => join(repo.sessions, name);
const branchTip = (branch: string) =>
  repo.git(['for-each-ref', '--format=%(objectname)', `refs/heads/${branch}`]).trim();
const history = () =>
  existsSync(join(repo.sessions, '.history.jsonl'))
    ? readFileSync(join(repo.sessions, '.history.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
    : [];
const ids = () => repo.manifest().sessions.map((s: any) => s.id);

function editManifest(change: (manifest: any) => void): void {
  const manifest = repo.manifest();
  change(manifest);
  writeFileSync(repo.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** A session with one committed change on its branch. */
async function startWithCommit(name: string, file = `${name}.txt`): Promise<string> {
  expect((await repo.cli(['start', name])).exitCode).toBe(0);
  repo.write(file, `${name}\n`, worktreeOf(name));
  return repo.commitAll(`work in ${name}`, worktreeOf(name));
}

async function cleanup(...flags: string[]) {
  const result = await repo.cli(['cleanup', ...flags, '--json']);
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  expect(outputSchemaErrors(result.json)).toBe('');
  return result.json;
}

describe('session cleanup: each case', () => {
  it('drops an orphan, keeps its unmerged branch and says how to finish it', async () => {
    repo = makeRepo();
    const tip = await startWithCommit('lost-work');
    rmSync(worktreeOf('lost-work'), { recursive: true, force: true });
    const plan = await cleanup();
    expect(plan.mode).toBe('plan');
    expect(plan.actions.map((a: any) => a.kind)).toEqual(['prune-worktree-records', 'drop-entry']);
    expect(plan.kept).toEqual([
      expect.objectContaining({
        subject: 'session/lost-work',
        reason: expect.stringContaining('holds commits main lacks'),
      }),
    ]);
    expect(plan.kept[0].next).toContain('git branch -d session/lost-work');

    const done = await cleanup('--yes');
    expect(done.actions.map((a: any) => a.result)).toEqual(['done', 'done']);
    expect(ids()).toEqual([]);
    expect(branchTip('session/lost-work')).toBe(tip);
    expect(repo.git(['worktree', 'list', '--porcelain'])).not.toContain('lost-work');
    expect(history()).toEqual([
      expect.objectContaining({
        id: 'lost-work',
        strategy: 'cleanup-orphan',
        head: tip,
        savedAs: 'refs/heads/session/lost-work',
      }),
    ]);
  });

  it('drops an orphan whose branch is already merged, deleting the branch', async () => {
    repo = makeRepo();
    await startWithCommit('landed');
    repo.git(['merge', '-q', '--no-ff', '-m', 'merge landed', 'session/landed']);
    rmSync(worktreeOf('landed'), { recursive: true, force: true });
    const done = await cleanup('--yes');
    expect(done.actions.find((a: any) => a.kind === 'drop-entry').message).toContain('deleted branch session/landed');
    expect(branchTip('session/landed')).toBe('');
    expect(history()[0]).toMatchObject({ id: 'landed', strategy: 'cleanup-orphan' });
    expect(history()[0].savedAs).toBeUndefined();
  });

  it('removes a merged session with a clean worktree, and keeps a merged one with uncommitted changes', async () => {
    repo = makeRepo();
    await startWithCommit('merged-clean');
    await startWithCommit('merged-dirty');
    repo.git(['merge', '-q', '--no-ff', '-m', 'merge', 'session/merged-clean', 'session/merged-dirty']);
    repo.write('merged-dirty.txt', 'edited after the merge\n', worktreeOf('merged-dirty'));
    const plan = await cleanup();
    expect(plan.actions.map((a: any) => [a.kind, a.subject])).toEqual([['drop-entry', 'merged-clean']]);
    expect(plan.kept).toEqual([
      expect.objectContaining({ subject: 'merged-dirty', reason: expect.stringContaining('uncommitted changes') }),
    ]);
    expect(plan.kept[0].reason).toContain('M merged-dirty.txt');

    await cleanup('--yes');
    expect(existsSync(worktreeOf('merged-clean'))).toBe(false);
    expect(branchTip('session/merged-clean')).toBe('');
    expect(ids()).toEqual(['merged-dirty']);
    expect(readFileSync(join(worktreeOf('merged-dirty'), 'merged-dirty.txt'), 'utf8')).toBe('edited after the merge\n');
    expect(history()).toEqual([expect.objectContaining({ id: 'merged-clean', strategy: 'cleanup-merged' })]);
  });

  it('re-registers an unregistered session worktree, finding its session log', async () => {
    repo = makeRepo();
    await repo.cli(['start', 'kept-alive']);
    const before = repo.manifest().sessions[0];
    editManifest((m) => (m.sessions = []));
    const plan = await cleanup();
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'register', subject: 'kept-alive' })]);
    await cleanup('--yes');
    const manifest = repo.manifest();
    expect(schemaErrors('manifest', manifest)).toBe('');
    // Goals, the setup record and the digests of the stub and the pack files are gone with the manifest; the port block comes back from .env.session.
    const { setup: _setup, sessionLogDigest: _digest, packDigests: _packDigests, ...recoverable } = before;
    expect(manifest.sessions).toEqual([{ ...recoverable, goals: [], startedAt: expect.stringMatching(/Z$/) }]);
  });

  it('prunes records of vanished worktrees, and unlocks and prunes a locked one', async () => {
    repo = makeRepo();
    repo.git(['worktree', 'add', '-q', join(repo.sessions, 'plain'), '-b', 'scratch']);
    repo.git(['worktree', 'add', '-q', join(repo.sessions, 'locked'), '-b', 'session/locked']);
    repo.git(['worktree', 'lock', '--reason', 'on a stick', join(repo.sessions, 'locked')]);
    rmSync(join(repo.sessions, 'plain'), { recursive: true, force: true });
    rmSync(join(repo.sessions, 'locked'), { recursive: true, force: true });
    const plan = await cleanup();
    expect(plan.actions.map((a: any) => a.kind)).toEqual(['unlock-and-prune', 'prune-worktree-records']);
    await cleanup('--yes');
    const list = repo.git(['worktree', 'list', '--porcelain']);
    expect(list).not.toContain('plain');
    expect(list).not.toContain('locked');
    expect(branchTip('scratch')).not.toBe('');
    expect(branchTip('session/locked')).not.toBe('');
  });

  it('rolls back an interrupted start whose owner died before any work', async () => {
    repo = makeRepo();
    await repo.cli(['start', 'half-made']);
    const pid = deadPid();
    editManifest((m) =>
      Object.assign(m.sessions[0], { status: 'starting', owner: { pid, host: hostname() }, sessionLog: null }),
    );
    const plan = await cleanup();
    expect(plan.actions).toEqual([
      expect.objectContaining({
        kind: 'drop-entry',
        subject: 'half-made',
        reason: expect.stringContaining('rolled back'),
      }),
    ]);
    await cleanup('--yes');
    expect(existsSync(worktreeOf('half-made'))).toBe(false);
    expect(branchTip('session/half-made')).toBe('');
    expect(ids()).toEqual([]);
    expect(history()[0]).toMatchObject({ id: 'half-made', strategy: 'cleanup-rollback-start' });
  });

  describe('a start killed inside git worktree add before git could list the worktree', () => {
    // As git 2.39 makes a worktree: its admin folder, a `locked` file there, the worktree's folder, and only then
    // the admin folder's `gitdir` file. Killed between, git neither lists the worktree nor prunes the admin folder.
    const adminDir = (name: string) => join(repo.main, '.git', 'worktrees', name);

    /** `cut` as such a start leaves it: entry `starting`, owner dead; `folder` and admin folders as asked. */
    async function killedInsideAdd(folder: 'empty' | 'missing', admin: Record<string, string | null>): Promise<void> {
      repo = makeRepo();
      await startWithCommit('other');
      await repo.cli(['start', 'cut']);
      // The add's first child made the branch, at the base.
      repo.git(['worktree', 'remove', '--force', worktreeOf('cut')]);
      const claimedAt = new Date(Date.now() - 5_000).toISOString();
      editManifest((m) =>
        Object.assign(m.sessions[1], {
          status: 'starting',
          owner: { pid: deadPid(), host: hostname(), claimedAt },
          sessionLog: null,
        }),
      );
      for (const [name, lock] of Object.entries(admin)) {
        mkdirSync(adminDir(name), { recursive: true });
        if (lock !== null) writeFileSync(join(adminDir(name), 'locked'), lock);
      }
      if (folder === 'empty') mkdirSync(worktreeOf('cut'), { recursive: true });
    }

    const listed = () =>
      repo
        .git(['worktree', 'list', '--porcelain'])
        .split('\n')
        .filter((line) => line.startsWith('worktree '));

    // The stages themselves are in test/safety/interrupted-steps.test.ts; these are the variants around them.
    it.each([
      ['another session beside it', 'empty', { cut: 'initializing\n' }],
      ['its lock in another language, under a numbered name', 'empty', { cut: 'x', cut1: 'wird initialisiert\n' }],
      ['two of them, one before the folder', 'missing', { cut: null, cut2: 'initializing\n' }],
    ] as const)('%s: rolled back, and what git left goes', async (_when, folder, admin) => {
      await killedInsideAdd(folder, admin);
      const other = branchTip('session/other');
      const plan = await cleanup();
      expect(plan.actions).toEqual([
        expect.objectContaining({
          kind: 'drop-entry',
          subject: 'cut',
          reason: expect.stringContaining('before any work: rolled back'),
          description: expect.stringContaining(`left in ${Object.keys(admin).map(adminDir).join(', ')}`),
        }),
      ]);
      expect(plan.kept).toEqual([]);
      const done = await cleanup('--yes');
      expect(done.actions.map((a: any) => a.result)).toEqual(['done']);
      expect(existsSync(worktreeOf('cut'))).toBe(false);
      expect(readdirSync(join(repo.main, '.git', 'worktrees'))).toEqual(['other']);
      expect(repo.git(['worktree', 'prune', '--dry-run', '--verbose'])).toBe('');
      expect(ids()).toEqual(['other']);
      expect(branchTip('session/cut')).toBe('');
      expect(history()[0]).toMatchObject({ id: 'cut', strategy: 'cleanup-rollback-start' });
      expect(listed()).toEqual([`worktree ${repo.main}`, `worktree ${worktreeOf('other')}`]);
      expect(branchTip('session/other')).toBe(other);
      expect((await cleanup()).actions).toEqual([]);
    });

    it('keeps the folder when something was written there, and changes nothing', async () => {
      await killedInsideAdd('empty', { cut: 'initializing\n' });
      writeFileSync(join(worktreeOf('cut'), 'notes.txt'), 'mine\n');
      const before = snapshot(repo);
      const plan = await cleanup('--yes');
      expect(plan.actions).toEqual([]);
      expect(plan.kept).toEqual([
        expect.objectContaining({
          subject: 'cut',
          reason: expect.stringContaining('its folder is not a git worktree'),
        }),
      ]);
      expect(snapshot(repo)).toEqual(before);
    });

    it("leaves an admin folder made before the start took the session on: it is not that start's", async () => {
      await killedInsideAdd('empty', { cut: 'initializing\n' });
      const old = new Date(Date.now() - 60_000);
      utimesSync(adminDir('cut'), old, old);
      const plan = await cleanup('--yes');
      expect(plan.actions.map((a: any) => [a.kind, a.result])).toEqual([['drop-entry', 'done']]);
      expect(existsSync(worktreeOf('cut'))).toBe(false);
      expect(readFileSync(join(adminDir('cut'), 'locked'), 'utf8')).toBe('initializing\n');
    });
  });

  it('promotes an interrupted start that has work to active, and returns an interrupted end to active', async () => {
    repo = makeRepo();
    const tip = await startWithCommit('has-work');
    await repo.cli(['start', 'was-ending']);
    const host = hostname();
    editManifest((m) => {
      Object.assign(m.sessions[0], { status: 'starting', owner: { pid: deadPid(), host }, sessionLog: null });
      Object.assign(m.sessions[1], { status: 'ending', owner: { pid: deadPid(), host } });
    });
    const plan = await cleanup();
    expect(plan.actions.map((a: any) => [a.kind, a.subject])).toEqual([
      ['restore-active', 'has-work'],
      ['restore-active', 'was-ending'],
    ]);
    await cleanup('--yes');
    const sessions = repo.manifest().sessions;
    expect(sessions.map((s: any) => [s.id, s.status, s.owner])).toEqual([
      ['has-work', 'active', undefined],
      ['was-ending', 'active', undefined],
    ]);
    expect(sessions[0].sessionLog).toMatch(/_has-work_session\.md$/);
    expect(branchTip('session/has-work')).toBe(tip);
  });

  it('treats an interrupted end whose worktree is gone as an orphan', async () => {
    repo = makeRepo();
    const tip = await startWithCommit('end-cut');
    editManifest((m) =>
      Object.assign(m.sessions[0], { status: 'ending', owner: { pid: deadPid(), host: hostname() } }),
    );
    repo.git(['worktree', 'remove', '--force', worktreeOf('end-cut')]);
    await cleanup('--yes');
    expect(ids()).toEqual([]);
    expect(branchTip('session/end-cut')).toBe(tip);
  });

  it('leaves a session whose start is still running alone', async () => {
    repo = makeRepo();
    await repo.cli(['start', 'busy']);
    editManifest((m) =>
      Object.assign(m.sessions[0], { status: 'starting', owner: { pid: process.pid, host: hostname() } }),
    );
    const plan = await cleanup();
    expect(plan.actions).toEqual([]);
    expect(plan.kept).toEqual([
      expect.objectContaining({ subject: 'busy', reason: expect.stringContaining('in progress') }),
    ]);
  });

  it('removes stray temp files left by dead processes, and only those', async () => {
    repo = makeRepo();
    await repo.cli(['start', 'one']);
    const pid = deadPid();
    const stray = [
      `.manifest.json.${pid}.abc123.tmp`,
      `.manifest.json.lock.${pid}.00ff.tmp`,
      `.manifest.json.lock.${pid}.00ff.stale`,
    ];
    const live = `.manifest.json.${process.pid}.abc123.tmp`;
    for (const name of [...stray, live]) writeFileSync(join(repo.sessions, name), '{}');
    const plan = await cleanup();
    expect(plan.actions.map((a: any) => a.subject).sort()).toEqual([...stray].sort());
    await cleanup('--yes');
    expect(readdirSync(repo.sessions).filter((name) => name.startsWith('.manifest.json.'))).toEqual([live]);
  });

  it('removes the temp and aside files a dead process left beside the locks in the git dir, and only those', async () => {
    repo = makeRepo();
    await repo.cli(['start', 'one']);
    const gitDir = join(repo.main, '.git');
    const pid = deadPid();
    const stray = [
      `flight-rules-merge.lock.${pid}.fd07dfb47b8d8873.tmp`,
      `flight-rules-worktrees.lock.${pid}.6d3cfd13072890ee.tmp`,
      `flight-rules-merge.lock.${pid}.00ff.stale`,
    ];
    // A live writer's temp file, and names that only look alike, are left alone.
    const left = [
      `flight-rules-merge.lock.${process.pid}.abcd.tmp`,
      `flight-rules-merge.lockx.${pid}.abcd.tmp`,
      `other.lock.${pid}.abcd.tmp`,
      `flight-rules-merge.lock.${pid}.not-hex.tmp`,
    ];
    for (const name of [...stray, ...left]) writeFileSync(join(gitDir, name), '{}');
    const before = { refs: repo.git(['for-each-ref']), manifest: repo.manifest() };
    const plan = await cleanup();
    expect(plan.actions.map((a: any) => a.subject).sort()).toEqual(stray.map((name) => join(gitDir, name)).sort());
    await cleanup('--yes');
    const remaining = readdirSync(gitDir).filter((name) => name.includes('.lock') && name !== 'index.lock');
    expect(remaining.sort()).toEqual([...left].sort());
    expect({ refs: repo.git(['for-each-ref']), manifest: repo.manifest() }).toEqual(before);
  });

  it('removes lock files whose owner died, in the sessions folder and the git dir, and leaves a live one', async () => {
    repo = makeRepo();
    await repo.cli(['start', 'one']);
    const owner = (pid: number) =>
      JSON.stringify({ pid, host: hostname(), nonce: `n${pid}`, acquiredAt: '2026-01-15T10:00:00Z' });
    const pid = deadPid();
    writeFileSync(join(repo.main, '.git', 'flight-rules-merge.lock'), owner(pid));
    writeFileSync(join(repo.main, '.git', 'flight-rules-worktrees.lock'), owner(pid));
    writeFileSync(join(repo.sessions, '.manifest.json.lock'), owner(process.pid));
    const plan = await cleanup();
    expect(plan.actions.map((a: any) => a.subject).sort()).toEqual(
      [
        join(repo.main, '.git', 'flight-rules-merge.lock'),
        join(repo.main, '.git', 'flight-rules-worktrees.lock'),
      ].sort(),
    );
    rmSync(join(repo.sessions, '.manifest.json.lock'));
    await cleanup('--yes');
    expect(existsSync(join(repo.main, '.git', 'flight-rules-merge.lock'))).toBe(false);
    expect(existsSync(join(repo.main, '.git', 'flight-rules-worktrees.lock'))).toBe(false);
  });
});

describe('session cleanup: nothing to do', () => {
  it('says so, in both modes, and creates nothing', async () => {
    repo = makeRepo();
    const before = snapshot(repo);
    expect((await repo.cli(['cleanup'])).stdout).toBe('✓ Nothing to clean up.\n');
    expect((await repo.cli(['cleanup', '--yes'])).stdout).toBe('✓ Nothing to clean up.\n');
    expect(snapshot(repo)).toEqual(before);
    expect(existsSync(repo.sessions)).toBe(false);
  });

  it('reports each action it took, for a person', async () => {
    repo = makeRepo();
    await startWithCommit('landed');
    repo.git(['merge', '-q', '--no-ff', '-m', 'merge landed', 'session/landed']);
    const result = await repo.cli(['cleanup', '--yes']);
    expect(result.exitCode).toBe(0);
    expect(normalise(result.stdout, repo)).toBe(
      '✓ "landed": removed worktree <root>/project-sessions/landed; deleted branch session/landed (was <short-sha>); dropped its manifest entry\n',
    );
  });
});

describe('session cleanup: planning changes nothing', () => {
  async function messyRepo(): Promise<void> {
    repo = makeRepo();
    await startWithCommit('orphan');
    rmSync(worktreeOf('orphan'), { recursive: true, force: true });
    await startWithCommit('merged');
    repo.git(['merge', '-q', '--no-ff', '-m', 'merge', 'session/merged']);
    await repo.cli(['start', 'interrupted']);
    repo.git(['worktree', 'add', '-q', join(repo.sessions, 'unlisted'), '-b', 'session/unlisted']);
    repo.write('x.txt', 'x', join(repo.sessions, 'unlisted'));
    editManifest((m) =>
      Object.assign(
        m.sessions.find((s: any) => s.id === 'interrupted'),
        { status: 'starting', owner: { pid: deadPid(), host: hostname() } },
      ),
    );
    writeFileSync(join(repo.sessions, `.manifest.json.${deadPid()}.ab.tmp`), '{}');
  }

  it.each([[[]], [['--dry-run']], [['--dry-run', '--yes']]])(
    'with flags %j: refs, manifest bytes and folders are identical',
    async (flags) => {
      await messyRepo();
      const before = snapshot(repo);
      const plan = await cleanup(...flags);
      expect(plan.mode).toBe('plan');
      expect(plan.actions.length).toBeGreaterThanOrEqual(5);
      expect(snapshot(repo)).toEqual(before);
    },
  );

  it('prints the plan for a person', async () => {
    await messyRepo();
    const result = await repo.cli(['cleanup']);
    expect(result.exitCode).toBe(0);
    const text = normalise(result.stdout, repo);
    expect(text).toContain('- Cleanup would (nothing has been changed):');
    expect(text).toContain('remove stray file .manifest.json.');
    expect(text).toContain(
      '"orphan": keep branch session/orphan (<short-sha>), drop its manifest entry (orphaned: its worktree folder <root>/project-sessions/orphan is missing; its branch session/orphan is kept)',
    );
    expect(text).toContain(
      '"merged": remove its worktree <root>/project-sessions/merged, delete branch session/merged',
    );
    expect(text).toContain('register "unlisted" in the manifest');
    expect(text).toContain('"interrupted": remove its worktree');
    expect(text).toContain(
      '! Kept session/orphan: branch of "orphan" at <short-sha>: it holds commits main lacks, so it is not deleted.',
    );
    expect(text.trim().endsWith('Next: Ask the user, then run `session cleanup --yes` to do this.')).toBe(true);
  });

  it('then --yes does it all and leaves nothing to do', async () => {
    await messyRepo();
    const done = await cleanup('--yes');
    expect(done.failed).toBe(0);
    expect(done.actions.every((a: any) => a.result === 'done')).toBe(true);
    expect(ids().sort()).toEqual(['unlisted']);
    expect((await cleanup()).actions).toEqual([]);
  });
});

describe('session cleanup: a corrupt manifest', () => {
  it('plans the rebuild without touching anything, then moves the bad file aside and rebuilds', async () => {
    repo = makeRepo();
    await repo.cli(['start', 'alpha']);
    await startWithCommit('beta');
    const logOfBeta = repo.manifest().sessions[1].sessionLog;
    const junk = '{"version": 1, "sessions": [ broken';
    writeFileSync(repo.manifestPath, junk);

    const before = snapshot(repo);
    const plan = await cleanup();
    expect(plan.manifestState).toBe('corrupt');
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'rebuild-manifest', reason: expect.stringContaining('alpha, beta') }),
    ]);
    expect(snapshot(repo)).toEqual(before);

    const done = await cleanup('--yes');
    expect(done.actions[0].result).toBe('done');
    expect(done.next).toContain('session cleanup');
    const aside = readdirSync(repo.sessions).filter((name) => name.startsWith('.manifest.json.corrupt-'));
    expect(aside).toEqual(['.manifest.json.corrupt-20260115T100000Z']);
    expect(readFileSync(join(repo.sessions, aside[0]!), 'utf8')).toBe(junk);
    const manifest = repo.manifest();
    expect(schemaErrors('manifest', manifest)).toBe('');
    const base = repo.git(['rev-parse', 'main']).trim();
    expect(manifest.sessions.map((s: any) => [s.id, s.branch, s.worktree, s.status, s.goals, s.base])).toEqual([
      ['alpha', 'session/alpha', '../project-sessions/alpha', 'active', [], { branch: 'main', commit: base }],
      ['beta', 'session/beta', '../project-sessions/beta', 'active', [], { branch: 'main', commit: base }],
    ]);
    expect(manifest.sessions[1].sessionLog).toBe(logOfBeta);
    expect((await repo.cli(['start', 'gamma'])).exitCode).toBe(0);
  });
});

describe('session start: the orphan check', () => {
  it('reports orphaned, interrupted and unregistered sessions with their age, and still starts', async () => {
    repo = makeRepo();
    await repo.cli(['start', 'gone'], { env: { FLIGHT_RULES_NOW: '2026-01-13T10:00:00Z' } });
    await repo.cli(['start', 'cut-short']);
    rmSync(worktreeOf('gone'), { recursive: true, force: true });
    editManifest((m) =>
      Object.assign(m.sessions[1], { status: 'starting', owner: { pid: deadPid(), host: hostname() } }),
    );
    repo.git(['worktree', 'add', '-q', join(repo.sessions, 'stray'), '-b', 'session/stray']);

    const result = await repo.cli(['start', 'next-one', '--json']);
    expect(result.exitCode).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.orphans.map((o: any) => [o.id, o.kind])).toEqual([
      ['gone', 'orphaned'],
      ['cut-short', 'interrupted-start'],
      ['stray', 'unregistered'],
    ]);
    expect(result.json.orphans[0]).toMatchObject({ since: '2026-01-13T10:00:00Z', ageSeconds: 172_800, age: '2 days' });

    const text = await repo.cli(['start', 'another']);
    expect(text.stdout).toContain(
      '! Found an incomplete session "gone" (orphaned: its worktree folder is missing, from 2 days ago). Resume it, clean up (`session cleanup`), or ignore it.',
    );
  });

  it('reports nothing when all is well', async () => {
    repo = makeRepo();
    await repo.cli(['start', 'fine']);
    const result = await repo.cli(['start', 'also-fine', '--json']);
    expect(result.json.orphans).toEqual([]);
  });
});
