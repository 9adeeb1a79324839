/**
 * The claim end, sync and land take on a session: a facts refusal turns into session-busy when
 * another process claimed the session since its entry was read, and a process hands back only
 * a claim of its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { makeRepo, type Repo } from './helpers/gitdir.js';
import { RefusalError } from '../scripts/lib/errors.js';
import { findProject } from '../scripts/store/project.js';
import { claimSession, handBack, refusalNow } from '../scripts/engine/session-claim.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

function claimedBy(r: Repo, id: string, pid: number, status: 'syncing' | 'ending'): void {
  const manifest = r.manifest();
  Object.assign(
    manifest.sessions.find((s: any) => s.id === id),
    { status, owner: { pid, host: hostname(), claimedAt: new Date().toISOString() } },
  );
  writeFileSync(r.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

describe('refusalNow', () => {
  const busy = new RefusalError('git-busy', 'a rebase is in progress', 'finish it');

  it('keeps the facts refusal while the session is still active', async () => {
    repo = makeRepo();
    expect((await repo.cli(['start', 'x', '--no-setup'])).exitCode).toBe(0);
    expect(refusalNow(await findProject(repo.main), 'x', busy, 'synced')).toBe(busy);
  });

  it('names the claim instead once another process holds the session', async () => {
    repo = makeRepo();
    expect((await repo.cli(['start', 'x', '--no-setup'])).exitCode).toBe(0);
    claimedBy(repo, 'x', 4_000_000, 'syncing');
    const refusal = refusalNow(await findProject(repo.main), 'x', busy, 'synced');
    expect(refusal.code).toBe('session-busy');
    expect(refusal.message).toBe(
      `The session "x" is syncing by pid 4000000 on ${hostname()}, so it cannot be synced now; nothing was changed.`,
    );
  });
});

describe('claimSession and handBack', () => {
  it('claims an active session once: a second claim is refused session-busy, and the manifest keeps the first', async () => {
    repo = makeRepo();
    expect((await repo.cli(['start', 'x', '--no-setup'])).exitCode).toBe(0);
    const project = await findProject(repo.main);
    const claimed = await claimSession(
      project,
      'x',
      'ending',
      'ended',
      (session) =>
        (session.operation = {
          kind: 'rebase',
          before: 'a'.repeat(40),
          onto: 'b'.repeat(40),
          at: '2026-01-15T10:00:00Z',
        }),
    );
    expect(claimed).toMatchObject({
      status: 'ending',
      owner: { pid: process.pid, host: hostname() },
      operation: { kind: 'rebase' },
    });
    const written = readFileSync(repo.manifestPath, 'utf8');
    await expect(claimSession(project, 'x', 'syncing', 'synced')).rejects.toMatchObject({ code: 'session-busy' });
    expect(readFileSync(repo.manifestPath, 'utf8')).toBe(written);
    await handBack(project, 'x', 'ending');
    const entry = repo.manifest().sessions[0];
    expect(entry.status).toBe('active');
    expect(entry.owner).toBeUndefined();
    expect(entry.operation).toBeUndefined();
  });

  it('never hands back a claim another process holds', async () => {
    repo = makeRepo();
    expect((await repo.cli(['start', 'x', '--no-setup'])).exitCode).toBe(0);
    claimedBy(repo, 'x', 4_000_000, 'syncing');
    const written = readFileSync(repo.manifestPath, 'utf8');
    await handBack(await findProject(repo.main), 'x', 'syncing');
    expect(readFileSync(repo.manifestPath, 'utf8')).toBe(written);
  });
});
