/**
 * git's worktree records outside the sessions folder are the user's. A record git calls
 * prunable because its folder moved may be the only thing that keeps a detached commit alive;
 * cleanup must not prune it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, type Repo } from '../helpers/gitdir.js';
import { expectDone, reachable } from '../helpers/safety.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

function detachedWorktreeWithCommit(r: Repo, path: string): string {
  r.git(['worktree', 'add', '-q', '--detach', path]);
  r.write('detached.txt', 'only on a detached HEAD\n', path);
  return r.commitAll('work on a detached HEAD', path);
}

describe('cleanup and prunable records outside the sessions folder', () => {
  it('keeps the record of a moved user worktree, so its detached commit stays reachable', async () => {
    repo = makeRepo();
    expectDone(await repo.cli(['start', 's', '--no-setup']));
    const elsewhere = join(repo.root, 'elsewhere');
    const commit = detachedWorktreeWithCommit(repo, elsewhere);
    renameSync(elsewhere, join(repo.root, 'moved-away'));
    expect(repo.git(['worktree', 'list', '--porcelain'])).toMatch(/worktree .*\/elsewhere\n(.*\n)*?prunable/);

    const result = await repo.cli(['cleanup', '--yes', '--json']);

    expectDone(result);
    expect(repo.git(['worktree', 'list', '--porcelain'])).toContain(`worktree ${elsewhere}\n`);
    expect(reachable(repo).has(commit), `the detached commit ${commit} is no longer reachable`).toBe(true);
    // `git worktree repair` can still reconnect it.
    expect(repo.git(['rev-parse', 'HEAD'], join(repo.root, 'moved-away')).trim()).toBe(commit);
  });

  it('does not let a detached commit become unreachable by pruning the record of a deleted user worktree', async () => {
    repo = makeRepo();
    expectDone(await repo.cli(['start', 's', '--no-setup']));
    const elsewhere = join(repo.root, 'scratch-tree');
    const commit = detachedWorktreeWithCommit(repo, elsewhere);
    rmSync(elsewhere, { recursive: true, force: true });

    const result = await repo.cli(['cleanup', '--yes', '--json']);

    expectDone(result);
    expect(
      reachable(repo).has(commit),
      `the detached commit ${commit} is neither kept by its record nor saved under a ref`,
    ).toBe(true);
  });
});
