import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { makeRepo, type Repo } from './helpers/gitdir.js';
import { schemaErrors } from './helpers/schemas.js';
import { addOrigin, ghPresentEnv, history, sessionWithWork } from './helpers/end.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

describe('concurrent ends', () => {
  it('twelve sessions ended at once, with every strategy, all succeed and the manifest stays valid', async () => {
    repo = makeRepo();
    const origin = addOrigin(repo);
    const strategies = ['merge', 'pr', 'keep', 'abandon'] as const;
    const sessions = Array.from({ length: 12 }, (_, i) => ({ name: `s${i}`, strategy: strategies[i % 4]! }));
    for (const { name } of sessions) sessionWithWork(repo, name);
    const env = ghPresentEnv(repo);
    const results = await Promise.all(
      sessions.map(({ name, strategy }) =>
        repo.helperAsync(
          [
            'end',
            '--strategy',
            strategy,
            ...(strategy === 'abandon' ? ['--confirm', name] : []),
            ...(strategy === 'keep' ? ['--remote', 'origin'] : []),
            '--json',
          ],
          { cwd: `${repo.sessions}/${name}`, env },
        ),
      ),
    );
    for (const result of results) expect(result.exitCode, result.stdout + result.stderr).toBe(0);

    const manifest = repo.manifest();
    expect(schemaErrors('manifest', manifest)).toBe('');
    expect(manifest.sessions).toEqual([]);
    expect(
      history(repo)
        .map((record) => record.id)
        .sort(),
    ).toEqual(sessions.map((s) => s.name).sort());
    expect(repo.git(['worktree', 'list', '--porcelain']).match(/^worktree /gm)).toHaveLength(1);
    const merged = sessions.filter((s) => s.strategy === 'merge').map((s) => s.name);
    for (const name of merged) expect(repo.git(['show', `main:${name}.txt`])).toBe(`${name}\n`);
    expect(repo.git(['status', '--porcelain', '--untracked-files=no'])).toBe('');
    const remoteBranches = repo.git(['ls-remote', '--heads', origin]);
    for (const { name, strategy } of sessions) {
      expect(remoteBranches.includes(`refs/heads/session/${name}\n`)).toBe(strategy === 'pr' || strategy === 'keep');
    }
    expect(
      readdirSync(repo.sessions).filter((f) => f.includes('.lock') || f.endsWith('.tmp') || f.endsWith('.stale')),
    ).toEqual([]);
  });
});
