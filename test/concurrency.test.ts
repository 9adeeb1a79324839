import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { makeRepo, type Repo } from './helpers/gitdir.js';
import { schemaErrors } from './helpers/schemas.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

describe('concurrent starts', () => {
  it('16 processes at once give 16 worktrees and 16 valid manifest entries', async () => {
    repo = makeRepo();
    const names = Array.from({ length: 16 }, (_, i) => `parallel-${i}`);
    const results = await Promise.all(
      names.map((name) => repo.helperAsync(['start', name, '--goal', `goal ${name}`, '--json'])),
    );
    for (const result of results) expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const manifest = repo.manifest();
    expect(schemaErrors('manifest', manifest)).toBe('');
    expect(manifest.sessions.map((s: any) => s.id).sort()).toEqual([...names].sort());
    expect(manifest.sessions.every((s: any) => s.status === 'active')).toBe(true);
    const worktrees = repo
      .git(['worktree', 'list', '--porcelain'])
      .split('\n')
      .filter((line) => line.startsWith('worktree ')).length;
    expect(worktrees).toBe(17);
    expect(
      readdirSync(repo.sessions).filter((f) => f.includes('.lock') || f.endsWith('.tmp') || f.endsWith('.stale')),
    ).toEqual([]);
  });

  it('the same name started 8 times at once wins exactly once', async () => {
    repo = makeRepo();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => repo.helperAsync(['start', 'contested', '--json'])),
    );
    const winners = results.filter((r) => r.exitCode === 0);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((r) => r.exitCode !== 0)) {
      expect(loser.exitCode).toBe(1);
      expect(['session-exists', 'worktree-path-exists', 'branch-exists']).toContain(loser.json.error.code);
    }
    expect(repo.manifest().sessions.map((s: any) => s.id)).toEqual(['contested']);
  });
});
