/**
 * What a land run killed at its worst moments leaves, built by hand on real repositories, and
 * the one `cleanup --yes` that finishes or forgets it: a fast-forward of the main checkout cut
 * short after the base moved, a HEAD detached for a base that then did not move, a session left
 * ending with its base holding it (or not), and the run's scratch worktree.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { makeRepo, type Repo } from './helpers/gitdir.js';
import { history } from './helpers/end.js';
import { outputSchemaErrors } from './helpers/schemas.js';
import { rev, tryGit } from './helpers/safety.js';
import { sessionWith } from './helpers/land.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

/** The pid of a process that has exited: a dead owner. */
function deadPid(): number {
  return spawnSync('node', ['-e', ''], { stdio: 'ignore' }).pid!;
}

const lockPath = (r: Repo) => join(r.main, '.git', 'flight-rules-merge.lock');

function writeLandLock(r: Repo, pid: number, purpose: Record<string, unknown>): void {
  writeFileSync(
    lockPath(r),
    JSON.stringify({
      pid,
      host: hostname(),
      nonce: 'deadbeefdeadbeef',
      acquiredAt: new Date(Date.now() - 5_000).toISOString(),
      purpose: { kind: 'land', checkout: r.main, ...purpose },
    }),
  );
}

/** Marks `id` as a land left it: ending, owned by the dead process, the landing recorded. */
function markLanding(r: Repo, id: string, pid: number, from: string): void {
  const manifest = r.manifest();
  const entry = manifest.sessions.find((s: any) => s.id === id);
  Object.assign(entry, {
    status: 'ending',
    owner: { pid, host: hostname(), claimedAt: new Date(Date.now() - 5_000).toISOString() },
    landing: { base: 'main', from, at: '2026-01-15T10:00:00Z' },
  });
  writeFileSync(r.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The merge commit land builds for `id` onto main, written as an object only. */
function candidate(r: Repo, id: string): string {
  const tree = r.git(['merge-tree', '--write-tree', 'main', `session/${id}`]).trim();
  return r
    .git(['commit-tree', tree, '-p', 'main', '-p', `session/${id}`, '-m', `Merge session ${id}: Goal of ${id}`])
    .trim();
}

async function cleanupYes(r: Repo): Promise<any> {
  const result = await r.cli(['cleanup', '--yes', '--json']);
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  expect(outputSchemaErrors(result.json)).toBe('');
  expect(result.json.failed, JSON.stringify(result.json.actions, null, 2)).toBe(0);
  return result.json;
}

describe('cleanup after a land run was killed', () => {
  it('finishes a fast-forward cut short after the base moved, and the end of the landed session', async () => {
    repo = makeRepo();
    await sessionWith(repo, 'feature', { 'feature.txt': 'feature\n', 'README.md': '# sample, landed\n' });
    const from = rev(repo, 'main');
    const to = candidate(repo, 'feature');
    const pid = deadPid();
    markLanding(repo, 'feature', pid, from);
    writeLandLock(repo, pid, { base: 'main', from, to, mainAction: 'fast-forward', detached: null });
    // The base moved; git had begun to write the files (one whole, one cut off) when it was killed.
    repo.git(['update-ref', 'refs/heads/main', to, from]);
    writeFileSync(join(repo.main, 'feature.txt'), 'feature\n');
    writeFileSync(join(repo.main, 'README.md'), '# sample, la');
    writeFileSync(join(repo.main, '.git', 'index.lock'), '');

    const json = await cleanupYes(repo);
    expect(json.actions.map((a: any) => [a.kind, a.result])).toEqual(
      expect.arrayContaining([
        ['finish-interrupted-land', 'done'],
        ['drop-entry', 'done'],
      ]),
    );
    expect(rev(repo, 'HEAD')).toBe(to);
    expect(repo.git(['status', '--porcelain'])).toBe('');
    expect(readFileSync(join(repo.main, 'README.md'), 'utf8')).toBe('# sample, landed\n');
    expect(existsSync(lockPath(repo))).toBe(false);
    expect(existsSync(join(repo.main, '.git', 'index.lock'))).toBe(false);
    expect(repo.manifest().sessions).toEqual([]);
    expect(existsSync(join(repo.sessions, 'feature'))).toBe(false);
    expect(tryGit(repo, ['rev-parse', '--verify', '--quiet', 'refs/heads/session/feature']).status).toBe(1);
    expect(history(repo).map((h) => [h.id, h.strategy])).toEqual([['feature', 'land']]);
  });

  it('puts a HEAD detached for a base that did not move back on it, and hands the session back', async () => {
    repo = makeRepo();
    await sessionWith(repo, 'feature', { 'feature.txt': 'feature\n' });
    writeFileSync(join(repo.main, 'README.md'), 'my edit\n');
    const from = rev(repo, 'main');
    const pid = deadPid();
    markLanding(repo, 'feature', pid, from);
    writeLandLock(repo, pid, {
      base: 'main',
      from,
      to: candidate(repo, 'feature'),
      mainAction: 'detach',
      detached: { base: 'main', at: from },
    });
    repo.git(['update-ref', '--no-deref', 'HEAD', from]);

    const json = await cleanupYes(repo);
    expect(json.actions.map((a: any) => [a.kind, a.result])).toEqual(
      expect.arrayContaining([
        ['finish-interrupted-land', 'done'],
        ['restore-active', 'done'],
      ]),
    );
    expect(repo.git(['symbolic-ref', 'HEAD']).trim()).toBe('refs/heads/main');
    expect(rev(repo, 'main')).toBe(from);
    expect(repo.git(['status', '--porcelain'])).toBe(' M README.md\n');
    const entry = repo.manifest().sessions[0];
    expect([entry.id, entry.status, entry.landing, entry.owner]).toEqual(['feature', 'active', undefined, undefined]);
  });

  it('leaves a HEAD detached for a base that did move, saying how to bring it up', async () => {
    repo = makeRepo();
    await sessionWith(repo, 'feature', { 'feature.txt': 'feature\n' });
    writeFileSync(join(repo.main, 'README.md'), 'my edit\n');
    const from = rev(repo, 'main');
    const to = candidate(repo, 'feature');
    const pid = deadPid();
    writeLandLock(repo, pid, {
      base: null,
      from: null,
      to: null,
      mainAction: null,
      detached: { base: 'main', at: from },
    });
    repo.git(['update-ref', '--no-deref', 'HEAD', from]);
    repo.git(['update-ref', 'refs/heads/main', to, from]);

    const json = await cleanupYes(repo);
    expect(json.kept.map((k: any) => k.subject)).toContain(repo.main);
    expect(json.kept.find((k: any) => k.subject === repo.main).next).toContain(`git -C ${repo.main} switch main`);
    expect(rev(repo, 'HEAD')).toBe(from);
    expect(repo.git(['status', '--porcelain'])).toBe(' M README.md\n');
    expect(existsSync(lockPath(repo))).toBe(false);
  });

  it('removes the scratch worktree of a run that is gone, which status never lists as a session', async () => {
    repo = makeRepo();
    await sessionWith(repo, 'feature', { 'feature.txt': 'feature\n' });
    const scratch = join(repo.sessions, `.land-check-${deadPid()}`);
    repo.git(['worktree', 'add', '-q', '--detach', scratch, 'main']);
    writeFileSync(join(scratch, 'build-output.txt'), 'made by the check\n');
    const status = await repo.cli(['status', '--json']);
    expect(status.json.sessions.map((s: any) => s.id)).toEqual(['feature']);
    expect(status.json.otherWorktrees.map((w: any) => w.path)).toEqual([scratch]);

    const json = await cleanupYes(repo);
    expect(json.actions.map((a: any) => [a.kind, a.result])).toEqual([['remove-check-worktree', 'done']]);
    expect(existsSync(scratch)).toBe(false);
    expect(repo.git(['worktree', 'list', '--porcelain'])).not.toContain('.land-check');
  });
});
