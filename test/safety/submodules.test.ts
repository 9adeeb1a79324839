/**
 * A repository with a submodule: start initialises it in every worktree, so every ending and
 * cleanup must be able to remove such a worktree (git's own `worktree remove` refuses one with
 * submodules), and a retried keep must not pile up commits and log copies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, type Repo } from '../helpers/gitdir.js';
import { sessionWithWork } from '../helpers/end.js';
import { addSubmodule, entryOf, expectDone } from '../helpers/safety.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

function sessionWithSubmodule(): string {
  repo = makeRepo();
  addSubmodule(repo);
  const worktree = sessionWithWork(repo, 'x');
  expect(existsSync(join(worktree, 'sub/lib.txt')), 'start initialised the submodule').toBe(true);
  return worktree;
}

const mergePendingCommits = (r: Repo) =>
  r
    .git(['log', '--format=%s', 'main..session/x'])
    .split('\n')
    .filter((s) => s.includes('merge pending')).length;
const logCopies = (r: Repo) => {
  const folder = join(r.main, 'docs/session_logs');
  return existsSync(folder) ? readdirSync(folder).filter((name) => name.includes('_x_')).length : 0;
};

describe('ending a session whose worktree has a submodule', () => {
  it('end --strategy merge completes and removes the worktree', async () => {
    const worktree = sessionWithSubmodule();
    const result = await repo.cli(['end', 'x', '--strategy', 'merge', '--json']);
    expectDone(result);
    expect(existsSync(worktree)).toBe(false);
    expect(entryOf(repo, 'x')).toBeUndefined();
    expect(repo.git(['log', '-1', '--format=%s', 'main']).trim()).toBe('Merge session x: Goal of x');
  });

  it('end --strategy keep completes and removes the worktree', async () => {
    const worktree = sessionWithSubmodule();
    const result = await repo.cli(['end', 'x', '--strategy', 'keep', '--json']);
    expectDone(result);
    expect(existsSync(worktree)).toBe(false);
    expect(entryOf(repo, 'x')).toBeUndefined();
  });

  it('a retried keep adds no second merge-pending commit and no second log copy', async () => {
    sessionWithSubmodule();
    const first = await repo.cli(['end', 'x', '--strategy', 'keep', '--json']);
    const second = await repo.cli(['end', 'x', '--strategy', 'keep', '--json']);
    expect(mergePendingCommits(repo), `after exits ${first.exitCode} and ${second.exitCode}`).toBe(1);
    expect(logCopies(repo)).toBeLessThanOrEqual(1); // the pack writes no copy into the main checkout at all
  });
});

describe('cleanup of a merged session whose worktree has a submodule', () => {
  it('removes the worktree and drops the entry', async () => {
    const worktree = sessionWithSubmodule();
    repo.git(['merge', '-q', '--no-ff', '-m', 'merged by hand', 'session/x']);

    const result = await repo.cli(['cleanup', '--yes', '--json']);

    expectDone(result);
    expect(result.json.failed).toBe(0);
    expect(existsSync(worktree)).toBe(false);
    expect(entryOf(repo, 'x')).toBeUndefined();
  });
});
