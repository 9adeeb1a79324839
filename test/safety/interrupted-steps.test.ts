/**
 * What a step killed at one exact moment leaves, built by hand on real git, and what one
 * `cleanup --yes` makes of it: each case stands for one moment the crash matrix found
 * (test/crash-matrix.test.ts), here without the timing luck.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { BUNDLE, makeRepo, snapshot, type Repo } from '../helpers/gitdir.js';
import { sessionWithWork } from '../helpers/end.js';
import { entryOf, expectDone, gitPath, refExists, rev, tryGit, unreadableAdd } from '../helpers/safety.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

/** A pid that ran and is gone. */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

/** Marks the entry as mid-`status` by a process that died, as a killed end or sync leaves it. */
function claimByDeadProcess(
  r: Repo,
  id: string,
  status: 'ending' | 'syncing',
  extra: Record<string, unknown> = {},
): number {
  const pid = deadPid();
  const manifest = r.manifest();
  const entry = manifest.sessions.find((s: any) => s.id === id);
  entry.status = status;
  entry.owner = { pid, host: hostname(), claimedAt: new Date(Date.now() - 5_000).toISOString() };
  Object.assign(entry, extra);
  writeFileSync(r.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return pid;
}

const status = (r: Repo, cwd: string) => r.git(['status', '--porcelain'], cwd);
const listed = (r: Repo, path: string) => r.git(['worktree', 'list', '--porcelain']).includes(`worktree ${path}\n`);

describe('cleanup after a step killed at one exact moment', () => {
  it('an end killed between moving the worktree aside and telling git: the worktree comes back whole, the record is not pruned first', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'alpha');
    repo.write('notes.txt', 'uncommitted\n', worktree);
    const pid = claimByDeadProcess(repo, 'alpha', 'ending');
    const aside = join(repo.sessions, `.alpha.removing-${pid}`);
    renameSync(worktree, aside);

    const cleaned = await repo.cli(['cleanup', '--yes']);
    expectDone(cleaned);
    expect(cleaned.stdout).not.toContain("removed git's record");
    expect(listed(repo, worktree)).toBe(true);
    expect(existsSync(aside)).toBe(false);
    expect(readFileSync(join(worktree, 'notes.txt'), 'utf8')).toBe('uncommitted\n');
    expect(status(repo, worktree)).toBe('?? notes.txt\n');
    expect(entryOf(repo, 'alpha').status).toBe('active');
  });

  it('a cleanup killed after moving a merged session aside: it comes back, then the next cleanup removes it, the edited .env saved', async () => {
    repo = makeRepo();
    repo.write('.gitignore', '.env\n');
    repo.write('.env', 'A=1\n');
    repo.commitAll('ignore .env');
    const worktree = sessionWithWork(repo, 'beta');
    writeFileSync(join(worktree, '.env'), 'A=edited\n');
    repo.git(['merge', '-q', '--no-ff', '-m', 'merge beta', 'session/beta']);
    const aside = join(repo.sessions, `.beta.removing-${deadPid()}`);
    renameSync(worktree, aside);
    repo.git(['worktree', 'repair', aside]);

    expectDone(await repo.cli(['cleanup', '--yes']));
    expect(existsSync(aside)).toBe(false);
    // Either it came back and was then removed the safe way, or it is back: never lost.
    if (existsSync(worktree)) expect(readFileSync(join(worktree, '.env'), 'utf8')).toBe('A=edited\n');
    expectDone(await repo.cli(['cleanup', '--yes']));
    expect(existsSync(worktree)).toBe(false);
    const saved = repo.git(['for-each-ref', '--format=%(refname)', 'refs/sessions/saved/beta/']).trim();
    expect(repo.git(['show', `${saved}:.env`])).toBe('A=edited\n');
    expect(repo.git(['worktree', 'list', '--porcelain'])).not.toContain('beta');
  });

  it('a removal killed after its mark, half deleted: finished, not put back; the entry goes and its branch stays', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'gamma');
    const tip = rev(repo, 'session/gamma');
    const pid = claimByDeadProcess(repo, 'gamma', 'ending');
    const aside = join(repo.sessions, `.gamma.removing-${pid}`);
    renameSync(worktree, aside);
    repo.git(['worktree', 'repair', aside]);
    writeFileSync(`${aside}.saved`, `${JSON.stringify({ folder: aside, pid, at: new Date().toISOString() })}\n`);
    rmSync(join(aside, 'README.md'));
    rmSync(join(aside, '.git'));

    const cleaned = await repo.cli(['cleanup', '--yes']);
    expectDone(cleaned);
    expect(cleaned.stdout).toContain('finished removing');
    expect(existsSync(aside)).toBe(false);
    expect(existsSync(`${aside}.saved`)).toBe(false);
    expect(existsSync(worktree)).toBe(false);
    expect(repo.git(['worktree', 'list', '--porcelain'])).not.toContain('gamma');
    expect(repo.manifest().sessions.map((s: any) => s.id)).toEqual([]);
    expect(rev(repo, 'session/gamma')).toBe(tip);
  });

  it('a move back killed before git heard of it: relinked', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'delta');
    const pid = claimByDeadProcess(repo, 'delta', 'ending');
    const aside = join(repo.sessions, `.delta.removing-${pid}`);
    renameSync(worktree, aside);
    repo.git(['worktree', 'repair', aside]);
    renameSync(aside, worktree); // the move back, cut before its repair

    expectDone(await repo.cli(['cleanup', '--yes']));
    expect(listed(repo, worktree)).toBe(true);
    expect(status(repo, worktree)).toBe('');
    expect(entryOf(repo, 'delta').status).toBe('active');
  });

  it('a sync killed with git holding HEAD.lock and packed-refs.lock, and its log line written: locks gone, log as committed, active', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'eps');
    const log = entryOf(repo, 'eps').sessionLog;
    const committed = readFileSync(join(worktree, log), 'utf8');
    claimByDeadProcess(repo, 'eps', 'syncing');
    writeFileSync(
      join(worktree, log),
      committed.replace(/\*\*Last synced with base:\*\*.*/, '**Last synced with base:** Jan 15, 2026 10:00'),
    );
    const headLock = gitPath(repo, 'HEAD.lock', worktree);
    const packedLock = join(repo.main, '.git/packed-refs.lock');
    writeFileSync(headLock, '');
    writeFileSync(packedLock, '');
    const old = (Date.now() - 3_000) / 1000;
    utimesSync(headLock, old, old);
    utimesSync(packedLock, old, old);

    expectDone(await repo.cli(['cleanup', '--yes']));
    expect(existsSync(headLock)).toBe(false);
    expect(existsSync(packedLock)).toBe(false);
    expect(readFileSync(join(worktree, log), 'utf8')).toBe(committed);
    expect(status(repo, worktree)).toBe('');
    expect(entryOf(repo, 'eps').status).toBe('active');
    expect(tryGit(repo, ['branch', '-D', 'nothing-to-delete']).stderr).not.toContain('packed-refs.lock');
  });

  it('a lock older than the step, or one of a step still running, stays', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'zeta');
    const lock = gitPath(repo, 'HEAD.lock', worktree);
    writeFileSync(lock, '');
    const before = (Date.now() - 60_000) / 1000;
    utimesSync(lock, before, before);
    claimByDeadProcess(repo, 'zeta', 'syncing');
    await repo.cli(['cleanup', '--yes']);
    expect(existsSync(lock)).toBe(true);
  });

  it('a rebase killed while writing its state, before touching anything: its state files go, the branch stays', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'eta');
    const tip = rev(repo, 'session/eta');
    repo.write('base.txt', 'moved\n');
    const onto = repo.commitAll('base moves');
    claimByDeadProcess(repo, 'eta', 'syncing', {
      operation: { kind: 'rebase', before: tip, onto, at: new Date(Date.now() - 5_000).toISOString() },
    });
    const state = gitPath(repo, 'rebase-merge', worktree);
    mkdirSync(state);
    writeFileSync(join(state, 'head-name'), 'refs/heads/session/eta\n');
    writeFileSync(join(state, 'onto'), `${onto}\n`);

    expectDone(await repo.cli(['cleanup', '--yes']));
    expect(existsSync(state)).toBe(false);
    expect(rev(repo, 'HEAD', worktree)).toBe(tip);
    expect(entryOf(repo, 'eta').status).toBe('active');
  });

  it('a rebase killed mid-pick whose abort refuses untracked files: they are saved, then the abort goes through', async () => {
    repo = makeRepo({ files: { 'a.txt': 'one\n' } });
    const worktree = sessionWithWork(repo, 'theta', { 'a.txt': 'session\n' });
    repo.write('new.txt', 'the pick writes me\n', worktree);
    repo.commitAll('adds new.txt', worktree);
    const tip = rev(repo, 'session/theta');
    repo.write('a.txt', 'base\n');
    const onto = repo.commitAll('base changes a.txt');
    claimByDeadProcess(repo, 'theta', 'syncing', {
      operation: { kind: 'rebase', before: tip, onto, at: new Date(Date.now() - 5_000).toISOString() },
    });
    expect(tryGit(repo, ['rebase', 'main'], worktree).status).not.toBe(0); // stops on a.txt
    writeFileSync(join(worktree, 'new.txt'), 'the pick writes me\n'); // as a killed pick leaves it: untracked

    const cleaned = await repo.cli(['cleanup', '--yes']);
    expectDone(cleaned);
    expect(rev(repo, 'HEAD', worktree)).toBe(tip);
    expect(existsSync(gitPath(repo, 'rebase-merge', worktree))).toBe(false);
    const saved = repo.git(['for-each-ref', '--format=%(refname)', 'refs/sessions/saved/theta/']).trim();
    expect(saved).toMatch(/-in-the-way$/);
    expect(repo.git(['show', `${saved}:new.txt`])).toBe('the pick writes me\n');
    expect(entryOf(repo, 'theta').status).toBe('active');
    expect(status(repo, worktree)).toBe('');
  });

  it("a merge into the main checkout killed while git wrote its files: those files go back, the user's own change stays", async () => {
    repo = makeRepo({ files: { 'a.txt': 'one\n', 'b.txt': 'two\n', 'mine.txt': 'mine\n' } });
    sessionWithWork(repo, 'iota', { 'a.txt': 'session a\n', 'c.txt': 'new\n' });
    repo.git(['rm', '-q', 'b.txt'], join(repo.sessions, 'iota'));
    repo.commitAll('drops b', join(repo.sessions, 'iota'));
    const before = rev(repo, 'HEAD');
    const theirs = rev(repo, 'session/iota');
    claimByDeadProcess(repo, 'iota', 'ending');
    // The merge lock of the dead end, recording the merge it ran.
    const lock = join(repo.main, '.git/flight-rules-merge.lock');
    writeFileSync(
      lock,
      JSON.stringify({
        pid: deadPid(),
        host: hostname(),
        nonce: 'ab',
        acquiredAt: new Date(Date.now() - 5_000).toISOString(),
        purpose: { kind: 'merge', checkout: repo.main, theirs },
      }),
    );
    writeFileSync(join(repo.main, 'a.txt'), 'session a\n');
    writeFileSync(join(repo.main, 'c.txt'), 'new\n');
    rmSync(join(repo.main, 'b.txt'));
    writeFileSync(join(repo.main, 'mine.txt'), 'mine, edited\n');

    const cleaned = await repo.cli(['cleanup', '--yes']);
    expectDone(cleaned);
    expect(rev(repo, 'HEAD')).toBe(before);
    expect(status(repo, repo.main)).toBe(' M mine.txt\n');
    expect(readFileSync(join(repo.main, 'a.txt'), 'utf8')).toBe('one\n');
    expect(existsSync(lock)).toBe(false);
    expect(refExists(repo, 'refs/heads/session/iota')).toBe(true);
  });

  it('a merge into the main checkout killed after its commit, MERGE_HEAD still there: the merge state is forgotten, the commit kept', async () => {
    repo = makeRepo();
    sessionWithWork(repo, 'kappa');
    const theirs = rev(repo, 'session/kappa');
    repo.git(['merge', '-q', '--no-ff', '-m', 'Merge session kappa', 'session/kappa']);
    const merged = rev(repo, 'HEAD');
    writeFileSync(join(repo.main, '.git/MERGE_HEAD'), `${theirs}\n`);
    writeFileSync(join(repo.main, '.git/MERGE_MSG'), 'Merge session kappa\n');
    claimByDeadProcess(repo, 'kappa', 'ending');
    writeFileSync(
      join(repo.main, '.git/flight-rules-merge.lock'),
      JSON.stringify({
        pid: deadPid(),
        host: hostname(),
        nonce: 'cd',
        acquiredAt: new Date(Date.now() - 5_000).toISOString(),
        purpose: { kind: 'merge', checkout: repo.main, theirs },
      }),
    );

    expectDone(await repo.cli(['cleanup', '--yes']));
    expect(existsSync(join(repo.main, '.git/MERGE_HEAD'))).toBe(false);
    expect(rev(repo, 'HEAD')).toBe(merged);
    expect(status(repo, repo.main)).toBe('');
  });
});

/**
 * What a `git worktree add` killed part way leaves (git 2.39, add_worktree, after its child made the branch): the
 * admin folder, then its `locked` file ("initializing"), made first and removed last; the worktree's folder; the admin
 * folder's `gitdir` file, without which git neither lists nor (locked) prunes it; the folder's `.git` file; then HEAD
 * as the null id until a child process points it at the branch. git no longer knows the folder for a worktree while
 * HEAD is missing, and refuses to remove it.
 */
function killedInsideWorktreeAdd(r: Repo, path: string, stage: AddStage): string {
  const admin = readFileSync(join(path, '.git'), 'utf8')
    .replace(/^gitdir: /, '')
    .trim();
  rmSync(join(admin, 'index'), { force: true });
  writeFileSync(join(admin, 'locked'), 'initializing\n');
  if (HIDDEN_STAGES.includes(stage)) {
    for (const name of readdirSync(admin)) if (name !== 'locked') rmSync(join(admin, name), { recursive: true });
    if (stage === 'an empty admin folder') rmSync(join(admin, 'locked'));
    rmSync(path, { recursive: true });
    if (stage === 'no gitdir file') mkdirSync(path);
    return admin;
  }
  if (stage === 'head is the null id') writeFileSync(join(admin, 'HEAD'), `${'0'.repeat(40)}\n`);
  if (stage !== 'head is the null id' && stage !== 'checking out') rmSync(join(admin, 'HEAD'));
  const keep = stage === 'checking out' ? ['.git', 'README.md'] : stage === 'no .git file' ? [] : ['.git'];
  for (const name of readdirSync(path)) if (!keep.includes(name)) rmSync(join(path, name), { recursive: true });
  if (stage === 'no folder') rmSync(path, { recursive: true });
  return admin;
}
type AddStage =
  | 'an empty admin folder'
  | 'only its lock'
  | 'no gitdir file'
  | 'no folder'
  | 'no .git file'
  | 'no HEAD'
  | 'head is the null id'
  | 'checking out';
/** Before git writes the admin folder's `gitdir` file: git does not list the worktree. */
const HIDDEN_STAGES: AddStage[] = ['an empty admin folder', 'only its lock', 'no gitdir file'];
const ADD_STAGES: AddStage[] = [
  ...HIDDEN_STAGES,
  'no folder',
  'no .git file',
  'no HEAD',
  'head is the null id',
  'checking out',
];

/** Marks the entry as mid-start (or mid-restore) by a process that died. */
function startedByDeadProcess(r: Repo, id: string): void {
  const manifest = r.manifest();
  Object.assign(
    manifest.sessions.find((s: any) => s.id === id),
    { status: 'starting', owner: { pid: deadPid(), host: hostname() }, sessionLog: null },
  );
  writeFileSync(r.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

async function cleanupYes(r: Repo): Promise<any> {
  const result = await r.cli(['cleanup', '--yes', '--json']);
  expectDone(result);
  expect(result.json.failed, JSON.stringify(result.json.actions, null, 2)).toBe(0);
  expect(result.json.actions.map((a: any) => a.result)).toEqual(result.json.actions.map(() => 'done'));
  return result.json;
}

describe('cleanup after git worktree add was killed inside a step', () => {
  it.each(ADD_STAGES)('a start killed inside its add (%s): rolled back, nothing left', async (stage) => {
    repo = makeRepo();
    const base = rev(repo, 'main');
    expectDone(await repo.cli(['start', 'cut', '--no-setup']));
    const path = join(repo.sessions, 'cut');
    const admin = killedInsideWorktreeAdd(repo, path, stage);
    startedByDeadProcess(repo, 'cut');
    // status reads nothing there, and points at cleanup.
    const shown = await repo.cli(['status']);
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).not.toContain('✗');
    expect(shown.stdout).toContain('cut: an interrupted start left this entry');

    const json = await cleanupYes(repo);
    expect(json.actions.find((a: any) => a.subject === 'cut').reason).toMatch(
      stage === 'no folder' || HIDDEN_STAGES.includes(stage)
        ? /start was interrupted .* before any work: rolled back/
        : /before its checkout finished: rolled back/,
    );
    expect(existsSync(path)).toBe(false);
    expect(existsSync(admin)).toBe(false);
    expect(refExists(repo, 'refs/heads/session/cut')).toBe(false);
    expect(repo.manifest().sessions).toEqual([]);
    expect(rev(repo, 'main')).toBe(base);
  });

  it.each(['from the start', 'from inside the killed worktree'] as const)(
    'a start killed as git made its empty commondir, which every git worktree command dies on: status refuses and says why, cleanup removes it first and then rolls the start back (%s)',
    async (from) => {
      repo = makeRepo();
      const base = rev(repo, 'main');
      expectDone(await repo.cli(['start', 'cut', '--no-setup']));
      const path = join(repo.sessions, 'cut');
      const admin = unreadableAdd(path);
      startedByDeadProcess(repo, 'cut');
      expect(() => repo.git(['worktree', 'list'])).toThrow(/commondir/);
      const cwd = from === 'from the start' ? repo.main : path;

      const before = snapshot(repo);
      // status reports it as its problem (it is inlined, where a failure would abort); start refuses.
      const shown = await repo.cli(['status', '--json'], { cwd });
      expectDone(shown);
      expect(shown.json.problems.map((p: any) => p.code)).toEqual(['worktree-add-unreadable']);
      expect(shown.json.problems[0].message).toContain(`left ${admin} half written`);
      expect(shown.json.next).toEqual([expect.stringContaining('cleanup --yes')]);
      const refused = await repo.cli(['start', 'other', '--no-setup', '--json'], { cwd });
      expect(refused.exitCode).toBe(1);
      expect(refused.json.error.code).toBe('worktree-add-unreadable');

      const plan = await repo.cli(['cleanup', '--json'], { cwd });
      expectDone(plan);
      expect(plan.json.manifest).toBeNull();
      expect(plan.json.actions.map((a: any) => [a.kind, a.subject])).toEqual([['remove-unreadable-add', admin]]);
      expect(plan.json.actions[0].description).toContain(`and ${path}, which holds only its .git file`);
      expect(snapshot(repo)).toEqual(before);

      // Only what was shown is done; the next cleanup plans the rest.
      const removed = await repo.cli(['cleanup', '--yes', '--json'], { cwd });
      expectDone(removed);
      expect(removed.json.actions.map((a: any) => [a.kind, a.result])).toEqual([['remove-unreadable-add', 'done']]);
      expect(removed.json.actions[0].message).toBe(
        `removed ${admin} and ${path}, what a killed git worktree add left half written`,
      );
      expect(removed.json.next).toContain('plans the rest');
      expect(repo.manifest().sessions.map((s: any) => s.id)).toEqual(['cut']);
      expect(refExists(repo, 'refs/heads/session/cut')).toBe(true);
      const json = await cleanupYes(repo);
      expect(json.actions.map((a: any) => a.kind)).toEqual(['drop-entry']);
      expect(json.actions[0].reason).toMatch(/start was interrupted .* before any work: rolled back/);
      expect(existsSync(path)).toBe(false);
      expect(existsSync(admin)).toBe(false);
      expect(refExists(repo, 'refs/heads/session/cut')).toBe(false);
      expect(repo.manifest().sessions).toEqual([]);
      expect(rev(repo, 'main')).toBe(base);
      expect(repo.git(['worktree', 'list', '--porcelain'])).not.toContain('cut');
    },
  );

  it('an add left half written for seconds is a dead one: told at once, git asked once, not through the retries for a live add', async () => {
    repo = makeRepo();
    expectDone(await repo.cli(['start', 'cut', '--no-setup']));
    const admin = unreadableAdd(join(repo.sessions, 'cut'));
    const before = (Date.now() - 10_000) / 1000;
    utimesSync(join(admin, 'commondir'), before, before);
    const shown = await repo.cli(['status', '--json'], { env: { ...repo.env, FLIGHT_RULES_TRACE: '1' } });
    expect(shown.json.problems.map((p: any) => p.code)).toEqual(['worktree-add-unreadable']);
    expect(shown.stderr.match(/ git worktree list /g)).toHaveLength(1);
  });

  it('an add git dies on whose folder holds more than its .git file: the admin folder goes, the folder and its files stay', async () => {
    repo = makeRepo();
    expectDone(await repo.cli(['start', 'cut', '--no-setup']));
    const path = join(repo.sessions, 'cut');
    const admin = unreadableAdd(path);
    writeFileSync(join(path, 'notes.txt'), 'someone put this here\n');

    const plan = await repo.cli(['cleanup', '--json']);
    expect(plan.json.actions[0].description).toBe(
      `remove ${admin} (a git worktree add killed part way left it half written, and git fails on it; it holds no one's work)`,
    );
    const result = await repo.cli(['cleanup', '--yes']);
    expectDone(result);
    expect(result.stdout).toContain(`✓ removed ${admin}, what a killed git worktree add left half written\n`);
    expect(existsSync(admin)).toBe(false);
    expect(readFileSync(join(path, 'notes.txt'), 'utf8')).toBe('someone put this here\n');
    expect(repo.git(['worktree', 'list', '--porcelain'])).not.toContain(path);
  });

  it('a folder that gains a file between the plan and --yes is kept, and the outcome says only what went', async () => {
    repo = makeRepo();
    expectDone(await repo.cli(['start', 'cut', '--no-setup']));
    const path = join(repo.sessions, 'cut');
    const admin = unreadableAdd(path);
    const plan = await repo.cli(['cleanup', '--json']);
    expect(plan.json.actions[0].description).toContain(`and ${path}, which holds only its .git file`);
    writeFileSync(join(path, 'notes.txt'), 'written after the plan\n');

    const applied = await repo.cli(['cleanup', '--yes', '--json']);
    expectDone(applied);
    expect(applied.json.actions[0].message).toBe(`removed ${admin}, what a killed git worktree add left half written`);
    expect(existsSync(admin)).toBe(false);
    expect(readFileSync(join(path, 'notes.txt'), 'utf8')).toBe('written after the plan\n');
  });

  it.each([
    ['a worktree lock of the user’s', (admin: string) => writeFileSync(join(admin, 'index'), '')],
    [
      'a HEAD that names a commit',
      (admin: string, r: Repo) => writeFileSync(join(admin, 'HEAD'), `${rev(r, 'main')}\n`),
    ],
    ['no lock', (admin: string) => rmSync(join(admin, 'locked'))],
  ])(
    'an empty commondir beside %s is not taken for a killed add: refused as git failing, nothing removed',
    async (_what, alter) => {
      repo = makeRepo();
      expectDone(await repo.cli(['start', 'cut', '--no-setup']));
      const path = join(repo.sessions, 'cut');
      const admin = unreadableAdd(path);
      alter(admin, repo);
      const before = snapshot(repo);
      const result = await repo.cli(['cleanup', '--yes', '--json']);
      expect(result.exitCode).toBe(1);
      expect(result.json.error.code).toBe('git-failed');
      expect(snapshot(repo)).toEqual(before);
      expect(existsSync(join(admin, 'commondir'))).toBe(true);
    },
  );

  it.each([
    'inside its add',
    'inside its add, before git listed the worktree',
    'during its checkout',
    'while it put the saved changes back',
    'with the untracked files staged still',
  ] as const)(
    'a restore killed %s: the worktree goes, its branch and the saved refs stay, and the restore runs again',
    async (moment) => {
      repo = makeRepo();
      const worktree = sessionWithWork(repo, 'cut');
      const tip = rev(repo, 'session/cut');
      repo.write('README.md', 'uncommitted in the session\n', worktree);
      repo.write('notes.txt', 'untracked in the session\n', worktree);
      expectDone(await repo.cli(['end', 'cut', '--strategy', 'abandon', '--confirm', 'cut']));
      const saved = repo.git(['for-each-ref', '--format=%(refname) %(objectname)', 'refs/sessions/']);
      expectDone(await repo.cli(['restore', 'cut', '--no-setup']));
      if (moment === 'inside its add') killedInsideWorktreeAdd(repo, worktree, 'head is the null id');
      const admin =
        moment === 'inside its add, before git listed the worktree'
          ? killedInsideWorktreeAdd(repo, worktree, 'no gitdir file')
          : null;
      if (moment === 'during its checkout') {
        rmSync(gitPath(repo, 'index', worktree));
        rmSync(join(worktree, 'src'), { recursive: true, force: true });
      }
      if (moment === 'while it put the saved changes back') {
        writeFileSync(gitPath(repo, 'index.lock', worktree), '');
        rmSync(join(worktree, 'notes.txt'));
      }
      if (moment === 'with the untracked files staged still') repo.git(['add', 'notes.txt'], worktree);
      startedByDeadProcess(repo, 'cut');

      const json = await cleanupYes(repo);
      const action = json.actions.find((a: any) => a.subject === 'cut');
      expect(action.reason).toMatch(/its restore was interrupted .* before it had put the work back: rolled back/);
      expect(action.message).toContain(admin ? 'removed its empty folder' : '(its restore had never finished)');
      expect(existsSync(worktree)).toBe(false);
      if (admin) expect(existsSync(admin)).toBe(false);
      expect(repo.manifest().sessions).toEqual([]);
      expect(rev(repo, 'session/cut')).toBe(tip);
      expect(repo.git(['for-each-ref', '--format=%(refname) %(objectname)', 'refs/sessions/'])).toBe(saved);
      expectDone(await repo.cli(['restore', 'cut', '--no-setup']));
      expect(rev(repo, 'HEAD', worktree)).toBe(tip);
      expect(readFileSync(join(worktree, 'README.md'), 'utf8')).toBe('uncommitted in the session\n');
      expect(readFileSync(join(worktree, 'notes.txt'), 'utf8')).toBe('untracked in the session\n');
      expect(status(repo, worktree)).toBe(' M README.md\n?? notes.txt\n');
    },
  );

  it('a record locked "initializing" whose HEAD names another branch is not the start\'s: kept', async () => {
    repo = makeRepo();
    expectDone(await repo.cli(['start', 'cut', '--no-setup']));
    const path = join(repo.sessions, 'cut');
    const admin = killedInsideWorktreeAdd(repo, path, 'checking out');
    writeFileSync(join(admin, 'HEAD'), 'ref: refs/heads/elsewhere\n');
    startedByDeadProcess(repo, 'cut');

    const result = await repo.cli(['cleanup', '--yes', '--json']);
    expectDone(result);
    expect(result.json.actions.map((a: any) => [a.result, a.message])).toEqual([
      ['skipped', `${path} is no longer on session/cut`],
    ]);
    expect(existsSync(join(path, 'README.md'))).toBe(true);
    expect(entryOf(repo, 'cut').status).toBe('starting');
  });

  it.each(['no HEAD', 'no folder'] as const)(
    "a land killed inside its scratch worktree's add (%s): the scratch worktree and its record go",
    async (stage) => {
      repo = makeRepo();
      sessionWithWork(repo, 'feature');
      const scratch = join(repo.sessions, `.land-check-${deadPid()}`);
      repo.git(['worktree', 'add', '-q', '--no-checkout', '--detach', scratch, 'main']);
      const admin = killedInsideWorktreeAdd(repo, scratch, stage);

      const json = await cleanupYes(repo);
      expect(json.actions.map((a: any) => a.kind)).toEqual(['remove-check-worktree']);
      expect(existsSync(scratch)).toBe(false);
      expect(existsSync(admin)).toBe(false);
      expect(repo.git(['worktree', 'list', '--porcelain'])).not.toContain('.land-check');
      expect(entryOf(repo, 'feature').status).toBe('active');
    },
  );
});

describe("cleanup after a start killed in the main checkout's part of its work", () => {
  /** The merge lock as a start holds it, of a process that died, taken `agoMs` ago. */
  function startLockOfDeadProcess(r: Repo, agoMs: number, session = 'cut'): string {
    const lock = join(r.main, '.git/flight-rules-merge.lock');
    writeFileSync(
      lock,
      JSON.stringify({
        pid: deadPid(),
        host: hostname(),
        nonce: 'st',
        acquiredAt: new Date(Date.now() - agoMs).toISOString(),
        purpose: { kind: 'start', checkout: r.main, session },
      }),
    );
    return lock;
  }
  /** A lock file git left, made `agoMs` ago. */
  function gitLock(path: string, agoMs: number): string {
    writeFileSync(path, '');
    const at = (Date.now() - agoMs) / 1000;
    utimesSync(path, at, at);
    return path;
  }

  it("a start killed while it stashed: git's locks go, and the stash no one was told of is named with the way back", async () => {
    repo = makeRepo();
    repo.write('README.md', 'the user edit\n');
    const lock = startLockOfDeadProcess(repo, 10_000);
    repo.git(['stash', 'push', '--quiet', '--message', 'flight-rules: before session cut']);
    const stash = rev(repo, 'refs/stash');
    const locks = [
      gitLock(join(repo.main, '.git/index.lock'), 5_000),
      gitLock(join(repo.main, '.git/index.stash.4242.lock'), 5_000),
    ];

    const result = await repo.cli(['cleanup', '--yes']);
    expectDone(result);
    for (const path of [...locks, lock]) expect(existsSync(path), path).toBe(false);
    expect(rev(repo, 'refs/stash')).toBe(stash);
    expect(status(repo, repo.main)).toBe('');
    expect(result.stdout).toContain(`stash ${stash.slice(0, 12)}`);
    expect(result.stdout).toContain(
      'the interrupted start of "cut" put the main checkout\'s uncommitted changes there',
    );
    expect(result.stdout).toContain(`git -C ${repo.main} stash pop`);
    repo.git(['stash', 'pop', '--quiet']);
    expect(readFileSync(join(repo.main, 'README.md'), 'utf8')).toBe('the user edit\n');
  });

  it("a start killed during its status of the main checkout: the index.lock goes, and the user's edit stays", async () => {
    repo = makeRepo();
    repo.write('README.md', 'the user edit\n');
    repo.git(['stash', 'push', '--quiet', '--message', 'the user stashed this before']);
    const theirs = rev(repo, 'refs/stash');
    repo.write('README.md', 'another edit\n');
    const lock = startLockOfDeadProcess(repo, 10_000);
    const index = gitLock(join(repo.main, '.git/index.lock'), 5_000);

    const result = await repo.cli(['cleanup', '--yes']);
    expectDone(result);
    expect(existsSync(index)).toBe(false);
    expect(existsSync(lock)).toBe(false);
    expect(status(repo, repo.main)).toBe(' M README.md\n');
    expect(rev(repo, 'refs/stash')).toBe(theirs);
    expect(result.stdout).not.toContain('stash pop');
  });

  it("an index.lock older than the dead start's lock is not its own: left alone", async () => {
    repo = makeRepo();
    const index = gitLock(join(repo.main, '.git/index.lock'), 60_000);
    startLockOfDeadProcess(repo, 10_000);
    expectDone(await repo.cli(['cleanup', '--yes']));
    expect(existsSync(index)).toBe(true);
  });
});

/** strace can kill one process at one system call: git, at the moment a user's kill or an OOM would be worst. */
const hasStrace = spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasStrace)('git killed inside the worktree add of a running start', () => {
  // Before git writes the admin folder's gitdir file, git never lists the worktree and, its lock there, never prunes
  // the admin folder; with an empty commondir, git cannot list any worktree. The add's own clean-up
  // (git/worktrees.ts, addUnderLock) is all that removes them.
  it.each([
    [
      'as it makes the folder',
      (r: Repo) => ['-P', join(r.sessions, 'cut'), '-e', 'trace=mkdir', '-e', 'inject=mkdir:signal=KILL'],
    ],
    [
      'as it writes the gitdir file',
      () => ['-P', '.git/worktrees/cut/gitdir', '-e', 'trace=openat', '-e', 'inject=openat:signal=KILL'],
    ],
    // Made but still empty, commondir makes every git command that reads the worktrees die.
    [
      'as it fills in the commondir file',
      (r: Repo) => [
        '-P',
        join(r.main, '.git/worktrees/cut/commondir'),
        '-e',
        'trace=write',
        '-e',
        'inject=write:signal=KILL',
      ],
    ],
  ])('%s: start says so and leaves nothing, for git or for cleanup', (_when, kill) => {
    repo = makeRepo();
    const before = repo.git(['for-each-ref', '--format=%(refname) %(objectname)']);
    const run = spawnSync(
      'strace',
      ['-f', '-qq', '-o', '/dev/null', ...kill(repo), 'node', BUNDLE, 'start', 'cut', '--no-setup', '--json'],
      { cwd: repo.main, env: repo.env, encoding: 'utf8' },
    );
    expect(run.status, run.stdout + run.stderr).toBe(1);
    const error = JSON.parse(run.stdout).error;
    expect(error.code).toBe('git-failed');
    expect(error.message).toContain('(exit 137)');
    expect(error.message).toContain('Rolled back: no worktree, branch or manifest entry of it is left.');
    expect(existsSync(join(repo.sessions, 'cut'))).toBe(false);
    expect(existsSync(join(repo.main, '.git/worktrees/cut'))).toBe(false);
    expect(repo.git(['worktree', 'prune', '--dry-run', '--verbose'])).toBe('');
    expect(repo.git(['for-each-ref', '--format=%(refname) %(objectname)'])).toBe(before);
    expect(repo.manifest().sessions).toEqual([]);
  });
});
