/**
 * The main checkout's status for a merge, begun before the fresh worktree list is in: it counts only when that
 * list, too, has the base checked out in the main checkout; otherwise the fresh list decides.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeRepo, type Repo } from './helpers/gitdir.js';
import { findProject } from '../scripts/store/project.js';
import { baseCheckoutStatusBeforeList } from '../scripts/engine/end/merge-target.js';
import type { WorktreeRecord } from '../scripts/core/worktree-list.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const holding = (path: string, branch: string | null): WorktreeRecord[] => [
  {
    path,
    head: null,
    branch: branch && `refs/heads/${branch}`,
    bare: false,
    detached: branch === null,
    locked: false,
    lockedReason: null,
    prunable: false,
    prunableReason: null,
  },
];

describe('baseCheckoutStatusBeforeList', () => {
  it.each([
    ['main', 'main', 'read'],
    ['main', 'other', 'none'],
    ['other', 'main', 'read'],
    ['other', 'other', 'none'],
  ])('listed before on %s, now on %s: %s', async (before, now, expected) => {
    repo = makeRepo();
    repo.write('README.md', 'changed\n');
    const project = await findProject(repo.main);
    const status = await baseCheckoutStatusBeforeList(
      project,
      holding(project.mainCheckout, before),
      Promise.resolve(holding(project.mainCheckout, now)),
      'main',
    );
    if (expected === 'none') expect(status).toBeNull();
    else expect(status?.map((entry) => entry.path)).toEqual(['README.md']);
  });
});
