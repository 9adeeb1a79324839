/**
 * Leftovers of ended sessions on real repositories: status shows kept and pushed branches,
 * saved refs and setup logs (read-only), and cleanup prunes what is merged or old only with
 * --yes, never a kept branch with work its base lacks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, snapshot, snapshotBesidesKeptComparisons, type Repo } from './helpers/gitdir.js';
import { outputSchemaErrors } from './helpers/schemas.js';
import { addOrigin, history, sessionWithWork } from './helpers/end.js';
import { settle } from './helpers/safety.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const LATER = { FLIGHT_RULES_NOW: '2026-02-25T10:00:00Z' };
const refs = (r: Repo) =>
  r.git(['for-each-ref', '--format=%(refname)', 'refs/sessions/']).trim().split('\n').filter(Boolean);
const branches = (r: Repo) => r.git(['for-each-ref', '--format=%(refname:short)', 'refs/heads/']).trim().split('\n');

/** kept (local, unmerged), pushed (to origin), gone (abandoned with uncommitted work), and a setup log of gone. */
function endedSessions(r: Repo) {
  addOrigin(r);
  sessionWithWork(r, 'kept');
  expect(r.helper(['end', 'kept', '--strategy', 'keep']).exitCode).toBe(0);
  sessionWithWork(r, 'pushed');
  expect(r.helper(['end', 'pushed', '--strategy', 'keep', '--remote', 'origin']).exitCode).toBe(0);
  const gone = sessionWithWork(r, 'gone');
  r.write('draft.txt', 'not committed\n', gone);
  expect(r.helper(['end', 'gone', '--strategy', 'abandon', '--confirm', 'gone']).exitCode).toBe(0);
  writeFileSync(join(r.sessions, 'gone.setup.log'), 'npm ci output\n');
  sessionWithWork(r, 'live');
  writeFileSync(join(r.sessions, 'live.setup.log'), 'npm ci output\n');
}

describe('status shows leftovers', () => {
  it('kept and pushed branches, saved refs per session, setup logs and restore commands, without changing anything but the comparisons status keeps', async () => {
    repo = makeRepo();
    endedSessions(repo);
    settle(repo, join(repo.sessions, 'live'));
    const before = snapshotBesidesKeptComparisons(repo);

    const result = await repo.cli(['status', '--json']);

    expect(result.exitCode).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    const { leftovers } = result.json;
    expect(leftovers.branches.map((b: any) => [b.branch, b.merged, b.upstream, b.endedAs, b.restore])).toEqual([
      ['session/kept', false, null, 'keep', 'session restore kept'],
      ['session/pushed', false, 'origin/session/pushed', 'keep', 'session restore pushed'],
    ]);
    expect(
      leftovers.savedRefs.map((s: any) => [
        s.session,
        s.inUse,
        s.refCount,
        s.sets.map((set: any) => [set.base, set.prune]),
      ]),
    ).toEqual([['gone', false, 2, [['refs/sessions/abandoned/gone/20260115T100000Z', null]]]]);
    expect(leftovers.setupLogs).toEqual([{ session: 'gone', file: 'gone.setup.log' }]);
    expect(leftovers.restorable.map((r: any) => r.session)).toEqual(['gone', 'kept', 'pushed']);
    expect(snapshotBesidesKeptComparisons(repo)).toEqual(before);

    const text = (await repo.cli(['status'])).stdout;
    expect(text).toContain('Leftovers of ended sessions');
    expect(text).toMatch(/session\/pushed +no \(main\) +origin\/session\/pushed/);
    expect(text).toContain('gone (abandon at 2026-01-15T10:00:00Z): session restore gone');
    expect(snapshotBesidesKeptComparisons(repo)).toEqual(before);
  });

  it('says there are leftovers when no session is left', async () => {
    repo = makeRepo();
    sessionWithWork(repo, 'kept');
    expect((await repo.cli(['end', 'kept', '--strategy', 'keep'])).exitCode).toBe(0);
    const text = (await repo.cli(['status'])).stdout;
    expect(text.split('\n')[0]).toContain('No parallel sessions');
    expect(text.split('\n')[0]).toContain('see Leftovers below');
  });
});

describe('cleanup prunes leftovers', () => {
  it('plans to prune old saved refs, gone setup logs and merged kept branches, changing nothing; --yes does it and keeps unmerged branches', async () => {
    repo = makeRepo();
    endedSessions(repo);
    repo.git(['merge', '-q', '--no-ff', '-m', 'merge pushed by hand', 'session/pushed']);
    settle(repo, join(repo.sessions, 'live'));
    const before = snapshot(repo);

    const plan = await repo.cli(['cleanup', '--json'], { env: LATER });

    expect(plan.exitCode, plan.stdout).toBe(0);
    expect(outputSchemaErrors(plan.json)).toBe('');
    expect(plan.json.actions.map((a: any) => [a.kind, a.subject])).toEqual([
      ['delete-merged-branch', 'session/pushed'],
      ['prune-saved-refs', 'refs/sessions/abandoned/gone/20260115T100000Z'],
      ['remove-setup-log', 'gone.setup.log'],
    ]);
    expect(plan.json.kept.map((k: any) => k.subject)).toEqual(['session/kept']);
    expect(snapshot(repo)).toEqual(before);
    const text = (await repo.cli(['cleanup'], { env: LATER })).stdout;
    expect(text).toContain('delete 2 saved ref(s) refs/sessions/abandoned/gone/20260115T100000Z');
    expect(text).toContain('Kept session/kept');

    const applied = await repo.cli(['cleanup', '--yes', '--json'], { env: LATER });

    expect(applied.exitCode, applied.stdout).toBe(0);
    expect(outputSchemaErrors(applied.json)).toBe('');
    expect(applied.json.actions.map((a: any) => a.result)).toEqual(['done', 'done', 'done']);
    expect(refs(repo)).toEqual([]);
    expect(existsSync(join(repo.sessions, 'gone.setup.log'))).toBe(false);
    expect(existsSync(join(repo.sessions, 'live.setup.log'))).toBe(true);
    expect(branches(repo)).toEqual(['main', 'session/kept', 'session/live']);
    expect(history(repo).map((r) => r.id)).toEqual(['kept', 'pushed', 'gone']);
    expect((await repo.cli(['cleanup', '--json'], { env: LATER })).json.actions).toEqual([]);
  });

  it('never prunes a kept branch with work its base lacks, however old', async () => {
    repo = makeRepo();
    sessionWithWork(repo, 'kept');
    expect((await repo.cli(['end', 'kept', '--strategy', 'keep'])).exitCode).toBe(0);
    const tip = repo.git(['rev-parse', 'session/kept']).trim();
    const applied = await repo.cli(['cleanup', '--yes', '--json'], {
      env: { FLIGHT_RULES_NOW: '2030-01-01T00:00:00Z' },
    });
    expect(applied.exitCode).toBe(0);
    expect(applied.json.actions).toEqual([]);
    expect(applied.json.kept.map((k: any) => k.subject)).toEqual(['session/kept']);
    expect(repo.git(['rev-parse', 'session/kept']).trim()).toBe(tip);
  });

  it('prunes an abandoned tip as soon as its base holds it, and keeps saved refs of a session restored from them', async () => {
    repo = makeRepo();
    sessionWithWork(repo, 'merged');
    expect((await repo.cli(['end', 'merged', '--strategy', 'abandon', '--confirm', 'merged'])).exitCode).toBe(0);
    repo.git(['merge', '-q', '--no-ff', '-m', 'take it after all', 'refs/sessions/abandoned/merged/20260115T100000Z']);
    const gone = sessionWithWork(repo, 'back');
    repo.write('draft.txt', 'x\n', gone);
    expect((await repo.cli(['end', 'back', '--strategy', 'abandon', '--confirm', 'back'])).exitCode).toBe(0);
    expect((await repo.cli(['restore', 'back'])).exitCode).toBe(0);

    const plan = await repo.cli(['cleanup', '--json'], { env: LATER });
    expect(plan.json.actions.map((a: any) => [a.kind, a.subject, a.reason.includes('holds every commit')])).toEqual([
      ['prune-saved-refs', 'refs/sessions/abandoned/merged/20260115T100000Z', true],
    ]);
    expect((await repo.cli(['cleanup', '--yes'], { env: LATER })).exitCode).toBe(0);
    expect(refs(repo)).toEqual([
      'refs/sessions/abandoned/back/20260115T100000Z',
      'refs/sessions/abandoned/back/20260115T100000Z-worktree',
    ]);
  });
});
