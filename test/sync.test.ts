import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, normalise, snapshot, type Repo } from './helpers/gitdir.js';
import { outputSchemaErrors } from './helpers/schemas.js';
import { withLastSynced } from '../scripts/core/last-synced.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const LATER = '2026-01-17T08:30:00Z';
const worktreeOf = (name: string) => join(repo.sessions, name);
const tipOf = (ref: string) => repo.git(['rev-parse', ref]).trim();

/** A session with its log and one change committed, and main moved on by one commit. */
async function divergedSession(name: string, sessionFile = 'feature.txt', mainFile = 'other.txt'): Promise<void> {
  expect((await repo.cli(['start', name])).exitCode).toBe(0);
  repo.write(sessionFile, 'session work\n', worktreeOf(name));
  repo.commitAll('session work', worktreeOf(name));
  repo.write(mainFile, 'main work\n');
  repo.commitAll('main moves on');
}

async function sync(args: string[], cwd?: string) {
  const result = await repo.cli(['sync', ...args, '--json'], { cwd, env: { FLIGHT_RULES_NOW: LATER } });
  expect(outputSchemaErrors(result.json)).toBe('');
  return result;
}

describe('withLastSynced', () => {
  const date = new Date('2026-01-17T08:30:00Z');
  it.each([
    [
      'replaces the line',
      '# S\n**Branch:** b\n**Last synced with base:** 2026-01-15 10:00\n\nrest\n',
      '# S\n**Branch:** b\n**Last synced with base:** 2026-01-17 08:30\n\nrest\n',
    ],
    [
      'adds it after the Branch line when missing',
      '# S\n**Branch:** b\nrest\n',
      '# S\n**Branch:** b\n**Last synced with base:** 2026-01-17 08:30\nrest\n',
    ],
    ['gives up without a place for it', '# S\nno header\n', null],
  ])('%s', async (_label, log, expected) => {
    process.env.TZ = 'UTC';
    expect(withLastSynced(log, date)).toBe(expected);
  });
});

describe('session sync', () => {
  it('rebases onto the base, records the sync in the log and the manifest, and leaves the tree clean', async () => {
    repo = makeRepo();
    await divergedSession('rebased');
    const before = tipOf('session/rebased');
    const result = await sync(['rebased']);
    expect(result.exitCode, result.stdout).toBe(0);
    const main = tipOf('main');
    expect(result.json).toMatchObject({
      mode: 'rebase',
      upToDate: false,
      before,
      pickedUp: 1,
      base: { branch: 'main', commit: main },
      logUpdated: true,
      lastSyncedAt: LATER.replace(':00Z', ':00Z'),
    });
    expect(result.json.after).toBe(tipOf('session/rebased'));
    expect(repo.git(['merge-base', '--is-ancestor', main, 'session/rebased']) === '').toBe(true);
    expect(repo.git(['log', '--format=%s', 'main..session/rebased']).trim().split('\n')).toEqual([
      'Record sync with main in the session log',
      'session work',
    ]);
    expect(repo.git(['status', '--porcelain'], worktreeOf('rebased'))).toBe('');
    const entry = repo.manifest().sessions[0];
    expect(entry.lastSyncedAt).toBe('2026-01-17T08:30:00Z');
    expect(readFileSync(join(worktreeOf('rebased'), entry.sessionLog), 'utf8')).toContain(
      '**Last synced with base:** 2026-01-17 08:30',
    );
  });

  it('reports for a person', async () => {
    repo = makeRepo();
    await divergedSession('told');
    const result = await repo.cli(['sync', 'told'], { env: { FLIGHT_RULES_NOW: LATER } });
    expect(result.exitCode).toBe(0);
    expect(normalise(result.stdout, repo)).toBe(
      [
        '✓ Rebased session/told onto main (<short-sha>): picked up 1 commit(s).',
        '✓ Session log docs/session_logs/20260115_1000_told_session.md: "Last synced with base" updated, committed as <short-sha>',
        '✓ session/told: <short-sha> -> <short-sha>',
        '',
      ].join('\n'),
    );
  });

  it('merges the base in with --merge, from inside the worktree without a name', async () => {
    repo = makeRepo();
    await divergedSession('merged');
    const before = tipOf('session/merged');
    const result = await sync(['--merge'], join(worktreeOf('merged'), 'src'));
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json).toMatchObject({ session: 'merged', mode: 'merge', pickedUp: 1 });
    expect(repo.git(['log', '--format=%s', '-2', 'session/merged']).trim().split('\n')).toEqual([
      'Record sync with main in the session log',
      'Merge main into session/merged',
    ]);
    expect(repo.git(['merge-base', '--is-ancestor', before, 'session/merged'])).toBe('');
  });

  it('commits an untracked session log as part of the sync', async () => {
    repo = makeRepo();
    await repo.cli(['start', 'fresh']);
    repo.write('other.txt', 'main work\n');
    repo.commitAll('main moves on');
    const result = await sync(['fresh']);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json.logCommit).toBe(tipOf('session/fresh'));
    expect(repo.git(['status', '--porcelain'], worktreeOf('fresh'))).toBe('');
  });

  it('says so when already up to date and changes no branch', async () => {
    repo = makeRepo();
    await repo.cli(['start', 'current']);
    const before = tipOf('session/current');
    const result = await sync(['current']);
    expect(result.exitCode).toBe(0);
    expect(result.json).toMatchObject({ upToDate: true, pickedUp: 0, before, after: before });
    expect(tipOf('session/current')).toBe(before);
  });

  it.each([
    ['rebase', []],
    ['merge', ['--merge']],
  ])(
    'on a %s conflict aborts, leaves the branch and worktree exactly as before, lists the files, exits 1',
    async (mode, flags) => {
      repo = makeRepo();
      await divergedSession('clash', 'README.md', 'README.md');
      // An aborted rebase or merge rewrites the worktree's index (same entries, new stat data) and ORIG_HEAD; all else must match.
      const comparable = () => {
        const shot = snapshot(repo) as { files: Record<string, string> };
        for (const key of Object.keys(shot.files))
          if (/\.git\/worktrees\/clash\/(index|ORIG_HEAD)$/.test(key)) delete shot.files[key];
        return shot;
      };
      const before = comparable();
      const result = await sync(['clash', ...flags]);
      expect(result.exitCode).toBe(1);
      expect(result.json.error.code).toBe('sync-conflict');
      expect(result.json.error.details).toMatchObject({ mode, conflicts: ['README.md'], intact: true });
      expect(result.json.error.message).toContain('exactly as before');
      expect(result.json.error.next).toContain(
        `git -C ${worktreeOf('clash')} ${mode === 'rebase' ? 'rebase' : 'merge'} main`,
      );
      expect(comparable()).toEqual(before);
      expect(repo.git(['status', '--porcelain'], worktreeOf('clash'))).toBe('');
      expect(repo.git(['diff', '--cached', '--name-only'], worktreeOf('clash'))).toBe('');

      const human = await repo.cli(['sync', 'clash', ...flags]);
      expect(human.stderr).toContain('conflicts in 1 file(s):\n  README.md');

      // From inside the worktree, as an agent runs it, the steps are the plain git its command allows.
      const inside = await sync([...flags], worktreeOf('clash'));
      expect(inside.json.error.code).toBe('sync-conflict');
      expect(inside.json.error.next).toContain(`git ${mode === 'rebase' ? 'rebase' : 'merge'} main`);
      expect(inside.json.error.next).not.toContain('git -C');
    },
  );

  it('after a conflict resolved by hand, a sync that finds nothing to bring in records the sync', async () => {
    repo = makeRepo();
    await divergedSession('byhand', 'README.md', 'README.md');
    expect((await sync(['byhand'])).json.error.code).toBe('sync-conflict');
    const worktree = worktreeOf('byhand');
    expect(() => repo.git(['merge', '-q', 'main'], worktree)).toThrow();
    repo.write('README.md', 'both\n', worktree);
    repo.git(['add', '--', 'README.md'], worktree);
    repo.git(['commit', '-q', '--no-edit'], worktree);
    const result = await sync([], worktree);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json).toMatchObject({
      upToDate: true,
      pickedUp: 0,
      logUpdated: true,
      base: { commit: tipOf('main') },
    });
    expect(repo.manifest().sessions[0]).toMatchObject({
      lastSyncedAt: '2026-01-17T08:30:00Z',
      base: { branch: 'main', commit: tipOf('main') },
    });
    expect(repo.git(['status', '--porcelain'], worktree)).toBe('');
    expect(repo.git(['log', '-1', '--format=%s'], worktree).trim()).toBe('Record sync with main in the session log');
    // Said once: a second sync changes nothing.
    const again = await sync([], worktree);
    expect(again.json).toMatchObject({ upToDate: true, logUpdated: false, logCommit: null });
  });

  it('refuses uncommitted work, listing the files, and changes nothing', async () => {
    repo = makeRepo();
    await divergedSession('dirty');
    repo.write('feature.txt', 'more\n', worktreeOf('dirty'));
    repo.write('scratch.txt', 'notes\n', worktreeOf('dirty'));
    const before = snapshot(repo);
    const result = await sync(['dirty']);
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe('session-dirty');
    expect(result.json.error.details.files).toEqual([' M feature.txt', '?? scratch.txt']);
    expect(result.json.error.next).toContain('Commit them');
    expect(snapshot(repo)).toEqual(before);
  });

  it('refuses when the base branch no longer exists', async () => {
    repo = makeRepo();
    repo.git(['branch', 'develop']);
    await repo.cli(['start', 'orphan-base', '--base', 'develop']);
    repo.git(['branch', '-D', 'develop']);
    const before = snapshot(repo);
    const result = await sync(['orphan-base']);
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe('base-missing');
    expect(result.json.error.message).toContain('develop');
    expect(snapshot(repo)).toEqual(before);
  });

  it('needs a name outside a session, and refuses an unknown one', async () => {
    repo = makeRepo();
    expect((await sync([])).json.error.kind).toBe('usage');
    const unknown = await sync(['nope']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.json.error.code).toBe('no-such-session');
  });
});
