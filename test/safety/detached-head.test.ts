/**
 * A session worktree whose HEAD the user detached and committed on holds commits no ref does: only that HEAD and
 * its reflog, which go with the worktree. No removal may take them: abandon refuses as keep and merge do, cleanup
 * keeps the worktree, and the refusal's own next step keeps them on a branch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, snapshot, type Repo } from '../helpers/gitdir.js';
import { sessionWithWork } from '../helpers/end.js';
import { expectDone, expectRefused, rev, settle } from '../helpers/safety.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

/** Session x with a commit on its branch, then HEAD detached there and one more commit only HEAD holds. */
function detachedWork(): { worktree: string; commit: string } {
  repo = makeRepo();
  const worktree = sessionWithWork(repo, 'x');
  repo.git(['checkout', '-q', '--detach'], worktree);
  repo.write('detached.txt', 'work only HEAD holds\n', worktree);
  const commit = repo.commitAll('detached work', worktree);
  settle(repo, worktree);
  return { worktree, commit };
}

describe('a detached HEAD with commits no ref holds', () => {
  it.each([
    ['abandon', ['--strategy', 'abandon', '--confirm', 'x']],
    ['keep', ['--strategy', 'keep']],
    ['merge', ['--strategy', 'merge']],
  ])('end --strategy %s refuses, and nothing changes', (_label, args) => {
    const { commit } = detachedWork();
    const before = snapshot(repo);
    const error = expectRefused(repo.helper(['end', 'x', ...args, '--json']), 'worktree-off-branch');
    if (args[1] === 'abandon') expect(error.message).toContain('with commits no branch holds');
    expect(snapshot(repo)).toEqual(before);
    expect(repo.git(['cat-file', '-t', commit]).trim()).toBe('commit');
  });

  it("after the refusal's next step (a branch for them), abandon goes ahead and the branch keeps them", () => {
    const { worktree, commit } = detachedWork();
    const error = expectRefused(
      repo.helper(['end', 'x', '--strategy', 'abandon', '--confirm', 'x', '--json']),
      'worktree-off-branch',
    );
    expect(error.next).toContain(`branch '<new-branch>' ${commit}`);
    repo.git(['branch', 'kept-detached', commit], worktree);
    expectDone(repo.helper(['end', 'x', '--strategy', 'abandon', '--confirm', 'x']));
    expect(existsSync(worktree)).toBe(false);
    expect(rev(repo, 'kept-detached')).toBe(commit);
  });

  it('a detached HEAD at a commit its branch holds is no obstacle', () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'x');
    repo.git(['checkout', '-q', '--detach'], worktree);
    expectDone(repo.helper(['end', 'x', '--strategy', 'abandon', '--confirm', 'x']));
    expect(existsSync(worktree)).toBe(false);
  });

  it('cleanup keeps the worktree of a merged session whose HEAD holds such commits', () => {
    const { worktree, commit } = detachedWork();
    repo.git(['merge', '-q', '--no-ff', '-m', 'merge x', 'session/x']);
    const cleaned = repo.helper(['cleanup', '--yes']);
    expect(cleaned.exitCode, cleaned.stdout).toBe(0);
    expect(existsSync(join(worktree, 'detached.txt'))).toBe(true);
    expect(rev(repo, 'HEAD', worktree)).toBe(commit);
  });
});

describe('a session branch deleted by hand', () => {
  it("refuses, changes nothing, and the refusal's next step puts the branch back at the worktree's HEAD", () => {
    const { worktree, commit } = detachedWork();
    repo.git(['branch', '-D', 'session/x']);
    settle(repo, worktree);
    const before = snapshot(repo);
    const error = expectRefused(repo.helper(['end', 'x', '--strategy', 'keep', '--json']), 'branch-missing');
    expect(snapshot(repo)).toEqual(before);
    const command = /: (git -C .*); then run the same command again/.exec(error.next)![1]!.split(' ');
    expect(command.slice(3)).toEqual(['switch', '-c', 'session/x']);
    repo.git(command.slice(3), worktree);
    expectDone(repo.helper(['end', 'x', '--strategy', 'keep']));
    // Kept, with the note keep commits on top.
    expect(repo.git(['merge-base', '--is-ancestor', commit, 'session/x']).trim()).toBe('');
  });
});
