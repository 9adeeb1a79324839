/**
 * A git operation in progress (a merge, rebase, cherry-pick, revert or bisect, unmerged
 * paths, a stale index.lock) in the main checkout or in a session worktree belongs to the
 * user. Every command that would write there must refuse with `git-busy` and change nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, snapshot, type Repo } from '../helpers/gitdir.js';
import { sessionWithWork } from '../helpers/end.js';
import {
  entryOf,
  expectRefused,
  gitPath,
  readIfExists,
  refExists,
  rev,
  sessionIds,
  settle,
  tryGit,
} from '../helpers/safety.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const BUSY_OPERATIONS = ['merge', 'rebase', 'cherry-pick', 'revert', 'bisect', 'unmerged-paths', 'index-lock'];

/** main and a branch `other` that both edit f.txt, so merging, rebasing or picking one onto the other conflicts. */
function divergedOnF(r: Repo): void {
  r.write('f.txt', 'base\n');
  r.commitAll('add f');
  r.git(['switch', '-q', '-c', 'other']);
  r.write('f.txt', 'other\n');
  r.commitAll('other edits f');
  r.git(['switch', '-q', 'main']);
  r.write('f.txt', 'main\n');
  r.commitAll('main edits f');
}

function expectBusy(result: ReturnType<Repo['helper']>, operation: string, checkout: string): void {
  const error = expectRefused(result, 'git-busy');
  expect(BUSY_OPERATIONS).toContain(error.details?.operation);
  expect(error.details.operation).toBe(operation);
  expect(error.details.checkout).toBe(checkout);
}

interface MainOperation {
  label: string;
  operation: string;
  /** Puts the main checkout in the middle of the operation, with tracked changes. */
  arrange: (r: Repo) => void;
  ifDirty: string[];
  /** Files in the git dir that prove the operation is still in progress afterwards. */
  markers: string[];
}

const mainOperations: MainOperation[] = [
  {
    label: 'a conflicted merge (UU f.txt)',
    operation: 'merge',
    arrange: (r) => {
      divergedOnF(r);
      expect(tryGit(r, ['merge', 'other']).status).toBe(1);
    },
    ifDirty: ['--if-dirty', 'commit', '--commit-message', 'wip'],
    markers: ['MERGE_HEAD'],
  },
  {
    label: 'a merge whose conflict is resolved and staged',
    operation: 'merge',
    arrange: (r) => {
      divergedOnF(r);
      expect(tryGit(r, ['merge', 'other']).status).toBe(1);
      r.write('f.txt', 'resolved\n');
      r.git(['add', 'f.txt']);
    },
    ifDirty: ['--if-dirty', 'stash'],
    markers: ['MERGE_HEAD'],
  },
  {
    label: 'a rebase stopped on a conflict',
    operation: 'rebase',
    arrange: (r) => {
      divergedOnF(r);
      expect(tryGit(r, ['rebase', 'other']).status).not.toBe(0);
    },
    ifDirty: ['--base', 'main', '--if-dirty', 'commit', '--commit-message', 'wip'],
    markers: ['rebase-merge'],
  },
  {
    label: 'a cherry-pick stopped on a conflict',
    operation: 'cherry-pick',
    arrange: (r) => {
      divergedOnF(r);
      expect(tryGit(r, ['cherry-pick', 'other']).status).not.toBe(0);
    },
    ifDirty: ['--if-dirty', 'commit', '--commit-message', 'wip'],
    markers: ['CHERRY_PICK_HEAD'],
  },
  {
    label: 'a revert stopped on a conflict',
    operation: 'revert',
    arrange: (r) => {
      r.write('f.txt', 'base\n');
      r.commitAll('add f');
      r.write('f.txt', 'a\n');
      r.commitAll('f is a');
      r.write('f.txt', 'b\n');
      r.commitAll('f is b');
      expect(tryGit(r, ['revert', '--no-edit', 'HEAD~1']).status).not.toBe(0);
    },
    ifDirty: ['--if-dirty', 'commit', '--commit-message', 'wip'],
    markers: ['REVERT_HEAD'],
  },
  {
    label: 'a bisect, with a tracked file edited at the bisected commit',
    operation: 'bisect',
    arrange: (r) => {
      for (const n of [1, 2, 3, 4]) {
        r.write('n.txt', `${n}\n`);
        r.commitAll(`n ${n}`);
      }
      r.git(['bisect', 'start', 'main', 'main~4']);
      r.write('README.md', 'probing\n');
    },
    ifDirty: ['--base', 'main', '--if-dirty', 'commit', '--commit-message', 'wip'],
    markers: ['BISECT_LOG'],
  },
  {
    label: 'unmerged paths left by a conflicting stash pop (no MERGE_HEAD)',
    operation: 'unmerged-paths',
    arrange: (r) => {
      r.write('f.txt', 'base\n');
      r.commitAll('add f');
      r.write('f.txt', 'stashed\n');
      r.git(['stash', 'push', '-q']);
      r.write('f.txt', 'committed\n');
      r.commitAll('f moves on');
      expect(tryGit(r, ['stash', 'pop']).status).not.toBe(0);
      expect(r.git(['ls-files', '-u'])).not.toBe('');
    },
    ifDirty: ['--if-dirty', 'commit', '--commit-message', 'wip'],
    markers: [],
  },
  {
    label: 'a stale index.lock',
    operation: 'index-lock',
    arrange: (r) => {
      r.write('README.md', 'edited\n');
      writeFileSync(gitPath(r, 'index.lock'), '');
    },
    ifDirty: ['--if-dirty', 'stash'],
    markers: ['index.lock'],
  },
];

describe('start while the main checkout is in the middle of a git operation', () => {
  it.each(mainOperations)(
    'refuses git-busy during $label and changes nothing',
    async ({ operation, arrange, ifDirty, markers }) => {
      repo = makeRepo();
      arrange(repo);
      settle(repo);
      const before = snapshot(repo);
      const unmerged = repo.git(['ls-files', '-u']);
      const markerContent = markers.map((name) => readIfExists(gitPath(repo, name)));
      expect(markerContent.every((content) => content !== null)).toBe(true);

      const result = await repo.cli(['start', 's', ...ifDirty, '--json']);

      expectBusy(result, operation, repo.main);
      expect(snapshot(repo)).toEqual(before);
      expect(repo.git(['ls-files', '-u'])).toBe(unmerged);
      expect(markers.map((name) => readIfExists(gitPath(repo, name)))).toEqual(markerContent);
      expect(refExists(repo, 'refs/heads/session/s')).toBe(false);
      expect(sessionIds(repo)).toEqual([]);
    },
  );
});

describe('end --strategy merge while the main checkout is busy', () => {
  it('refuses git-busy (index-lock) before anything when a stale index.lock sits in the main checkout', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'x');
    writeFileSync(gitPath(repo, 'index.lock'), '');
    settle(repo, worktree);
    const before = snapshot(repo);

    const result = await repo.cli(['end', '--strategy', 'merge', '--json'], { cwd: worktree });

    expectBusy(result, 'index-lock', repo.main);
    expect(existsSync(gitPath(repo, 'MERGE_HEAD'))).toBe(false);
    expect(snapshot(repo)).toEqual(before);
    expect(entryOf(repo, 'x')?.status).toBe('active');
    expect(existsSync(worktree)).toBe(true);
  });

  it("refuses git-busy and leaves the user's own merge in progress (MERGE_HEAD) alone", async () => {
    repo = makeRepo();
    sessionWithWork(repo, 'x');
    repo.git(['branch', 'other']);
    repo.write('o.txt', 'o\n');
    repo.git(['switch', '-q', 'other']);
    repo.commitAll('other adds o');
    repo.git(['switch', '-q', 'main']);
    // A merge the user has started and not yet committed, with nothing to stage.
    repo.git(['merge', '--no-commit', '--no-ff', '-s', 'ours', 'other']);
    const mergeHead = readIfExists(gitPath(repo, 'MERGE_HEAD'));
    expect(mergeHead).not.toBeNull();
    settle(repo, join(repo.sessions, 'x'));
    const before = snapshot(repo);

    const result = await repo.cli(['end', 'x', '--strategy', 'merge', '--json']);

    expectBusy(result, 'merge', repo.main);
    expect(readIfExists(gitPath(repo, 'MERGE_HEAD'))).toBe(mergeHead);
    expect(snapshot(repo)).toEqual(before);
    expect(entryOf(repo, 'x')?.status).toBe('active');
  });

  it('does not move main by a ref-only merge while the user is rebasing main in the main checkout', async () => {
    repo = makeRepo();
    divergedOnF(repo);
    const worktree = sessionWithWork(repo, 'x', { 's.txt': 's\n' });
    expect(tryGit(repo, ['rebase', 'other']).status).not.toBe(0);
    // git now lists the main checkout as detached, so main looks checked out nowhere.
    expect(repo.git(['worktree', 'list', '--porcelain']).split('\n\n')[0]).toContain('detached');
    const mainBefore = rev(repo, 'refs/heads/main');
    settle(repo, worktree);
    const before = snapshot(repo);

    const result = await repo.cli(['end', '--strategy', 'merge', '--json'], { cwd: worktree });

    expect(result.exitCode, result.stdout).toBe(1);
    const error = result.json.error;
    // Either it sees the rebase of main (git-busy), or it treats main as checked out in the main checkout.
    expect(['git-busy', 'base-checked-out-elsewhere'], error.message).toContain(error.code);
    if (error.code === 'git-busy') expect(error.details.operation).toBe('rebase');
    expect(rev(repo, 'refs/heads/main')).toBe(mainBefore);
    expect(snapshot(repo)).toEqual(before);
    expect(existsSync(gitPath(repo, 'rebase-merge'))).toBe(true);
  });
});

describe('commands on a session whose worktree is in the middle of a rebase', () => {
  /** Session x edits f.txt, main edits it too, and the user's `git rebase main` in the worktree stopped on the conflict. */
  function rebasingSession(r: Repo): string {
    r.write('f.txt', 'base\n');
    r.commitAll('add f');
    const worktree = sessionWithWork(r, 'x', { 'f.txt': 'session\n' });
    r.write('f.txt', 'main\n');
    r.commitAll('main edits f');
    expect(tryGit(r, ['rebase', 'main'], worktree).status).not.toBe(0);
    expect(existsSync(gitPath(r, 'rebase-merge', worktree))).toBe(true);
    return worktree;
  }

  it.each([
    ['sync', ['sync', 'x']],
    ['sync --merge', ['sync', 'x', '--merge']],
    ['end --strategy abandon', ['end', 'x', '--strategy', 'abandon', '--confirm', 'x']],
    ['end --strategy keep', ['end', 'x', '--strategy', 'keep']],
    ['end --strategy merge', ['end', 'x', '--strategy', 'merge']],
  ])('%s refuses git-busy (rebase) and changes nothing', async (_label, args) => {
    repo = makeRepo();
    const worktree = rebasingSession(repo);
    settle(repo, worktree);
    const before = snapshot(repo);

    const result = await repo.cli([...args, '--json']);

    expectBusy(result, 'rebase', worktree);
    expect(snapshot(repo)).toEqual(before);
    expect(existsSync(gitPath(repo, 'rebase-merge', worktree))).toBe(true);
    expect(entryOf(repo, 'x')?.status).toBe('active');
  });

  it('end --strategy keep refuses git-busy (merge) while a merge is in progress in the session worktree', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'x');
    repo.write('m.txt', 'm\n');
    repo.commitAll('main moves on');
    repo.git(['merge', '--no-commit', '--no-ff', '-s', 'ours', 'main'], worktree);
    const mergeHead = readIfExists(gitPath(repo, 'MERGE_HEAD', worktree));
    expect(mergeHead).not.toBeNull();
    settle(repo, worktree);
    const before = snapshot(repo);

    const result = await repo.cli(['end', 'x', '--strategy', 'keep', '--json']);

    expectBusy(result, 'merge', worktree);
    expect(readIfExists(gitPath(repo, 'MERGE_HEAD', worktree))).toBe(mergeHead);
    expect(snapshot(repo)).toEqual(before);
  });

  it('end --strategy abandon refuses git-busy (merge) instead of discarding a merge in progress in the session worktree', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'x');
    repo.write('m.txt', 'm\n');
    repo.commitAll('main moves on');
    repo.git(['merge', '--no-commit', '--no-ff', 'main'], worktree);
    expect(existsSync(gitPath(repo, 'MERGE_HEAD', worktree))).toBe(true);
    settle(repo, worktree);
    const before = snapshot(repo);

    const result = await repo.cli(['end', 'x', '--strategy', 'abandon', '--confirm', 'x', '--json']);

    expectBusy(result, 'merge', worktree);
    expect(snapshot(repo)).toEqual(before);
    expect(existsSync(worktree)).toBe(true);
  });
});
