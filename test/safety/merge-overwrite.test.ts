/**
 * A merge into the main checkout must never write over a file git does not track there: the
 * user's ignored `.env`, an untracked config, a whole ignored folder, or, with the sessions
 * folder inside the repository, another session's worktree.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, snapshot, type Repo } from '../helpers/gitdir.js';
import { expectDone, expectRefused, rev, settle, storeBlob, tryGit } from '../helpers/safety.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

/** A session started without copying anything, whose branch commits `files` (force-added, so ignored paths too). */
function sessionAdding(r: Repo, name: string, files: Record<string, string>): string {
  expectDone(r.helper(['start', name, '--copy', 'none', '--no-setup']));
  const worktree = join(r.sessions, name);
  for (const [path, content] of Object.entries(files)) r.write(path, content, worktree);
  r.git(['add', '-A'], worktree);
  r.git(['add', '-f', '--', ...Object.keys(files)], worktree);
  r.git(['commit', '-q', '-m', `work of ${name}`], worktree);
  return worktree;
}

describe('end --strategy merge over files main does not track', () => {
  const cases: Array<{
    label: string;
    gitignore: string;
    mainFiles: Record<string, string>;
    branchFiles: Record<string, string>;
    named: string;
  }> = [
    {
      label: "the user's ignored .env",
      gitignore: '.env\n',
      mainFiles: { '.env': 'API_KEY=the-users-own\n' },
      branchFiles: { '.env': 'API_KEY=from-the-session\n' },
      named: '.env',
    },
    {
      label: 'an untracked, not ignored config/local.json',
      gitignore: '',
      mainFiles: { 'config/local.json': '{"mine": true}\n' },
      branchFiles: { 'config/local.json': '{"session": true}\n' },
      named: 'config/local.json',
    },
    {
      label: 'an ignored file inside an ignored folder',
      gitignore: 'tmp/\n',
      mainFiles: { 'tmp/cache/data.json': '{"cached": "by the user"}\n' },
      branchFiles: { 'tmp/cache/data.json': '{"cached": "by the session"}\n' },
      named: 'tmp/cache/data.json',
    },
    {
      label: 'an ignored folder where the branch adds a file of the same name',
      gitignore: 'out/\n',
      mainFiles: { 'out/result.bin': 'hours of computation\n' },
      branchFiles: { out: 'a file called out\n' },
      named: 'out',
    },
  ];

  it.each(cases)(
    'refuses would-overwrite for $label and leaves it and main alone',
    async ({ gitignore, mainFiles, branchFiles, named }) => {
      repo = makeRepo({ files: { 'README.md': '# sample\n', ...(gitignore ? { '.gitignore': gitignore } : {}) } });
      sessionAdding(repo, 'x', branchFiles);
      for (const [path, content] of Object.entries(mainFiles)) repo.write(path, content);
      const mainBefore = rev(repo, 'refs/heads/main');
      settle(repo, join(repo.sessions, 'x'));
      const before = snapshot(repo);

      const result = await repo.cli(['end', 'x', '--strategy', 'merge', '--json']);

      const mainContent = Object.fromEntries(
        Object.keys(mainFiles).map((path) => [
          path,
          existsSync(join(repo.main, path)) ? readFileSync(join(repo.main, path), 'utf8') : null,
        ]),
      );
      expect(mainContent).toEqual(mainFiles);
      const error = expectRefused(result, 'would-overwrite');
      expect(error.details.paths).toContain(named);
      expect(rev(repo, 'refs/heads/main')).toBe(mainBefore);
      expect(snapshot(repo)).toEqual(before);
    },
  );
});

describe('a sessions folder inside the repository', () => {
  function sessionsInside(): Repo {
    const r = makeRepo({
      files: { 'README.md': '# sample\n', '.claude/flight-rules.json': '{"sessionsDir": ".sessions"}\n' },
    });
    expect(r.sessions).not.toBe(join(r.main, '.sessions'));
    return Object.assign(r, {
      sessions: join(r.main, '.sessions'),
      manifestPath: join(r.main, '.sessions/.manifest.json'),
    });
  }

  it("refuses branch-writes-sessions when merging a branch that adds files under another session's folder", async () => {
    repo = sessionsInside();
    expectDone(await repo.cli(['start', 'b', '--copy', 'none', '--no-setup']));
    const b = join(repo.sessions, 'b');
    repo.write('README.md', 'uncommitted edit in session b\n', b);
    repo.write('notes.txt', 'untracked notes of session b\n', b);
    sessionAdding(repo, 'a', {
      '.sessions/b/README.md': 'written by session a\n',
      '.sessions/b/notes.txt': 'written by session a\n',
    });
    const mainBefore = rev(repo, 'refs/heads/main');
    settle(repo, b, join(repo.sessions, 'a'));
    const before = snapshot(repo);

    const result = await repo.cli(['end', 'a', '--strategy', 'merge', '--json']);

    expect(readFileSync(join(b, 'README.md'), 'utf8')).toBe('uncommitted edit in session b\n');
    expect(readFileSync(join(b, 'notes.txt'), 'utf8')).toBe('untracked notes of session b\n');
    expectRefused(result, 'branch-writes-sessions');
    expect(rev(repo, 'refs/heads/main')).toBe(mainBefore);
    expect(snapshot(repo)).toEqual(before);
  });

  it('refuses branch-writes-sessions when syncing a session whose base gained paths under the sessions folder', async () => {
    repo = sessionsInside();
    repo.git(['branch', 'develop']);
    expectDone(await repo.cli(['start', 'a', '--base', 'develop', '--copy', 'none', '--no-setup']));
    expectDone(await repo.cli(['start', 'b', '--copy', 'none', '--no-setup']));
    const a = join(repo.sessions, 'a');
    repo.write('a.txt', 'a\n', a);
    repo.commitAll('work of a', a);
    // develop (checked out nowhere) gains .sessions/b/README.md, as a merged PR would bring it.
    const index = join(repo.root, 'plumbing-index');
    const env = { GIT_INDEX_FILE: index };
    const git = (args: string[]) => {
      const run = tryGit(repo, args, repo.main, env);
      expect(run.status, run.stderr).toBe(0);
      return run.stdout.trim();
    };
    git(['read-tree', 'develop']);
    git([
      'update-index',
      '--add',
      '--cacheinfo',
      `100644,${storeBlob(repo, 'written by a commit on develop\n')},.sessions/b/README.md`,
    ]);
    const tree = git(['write-tree']);
    const commit = git(['commit-tree', tree, '-p', 'develop', '-m', 'develop gains .sessions/b/README.md']);
    repo.git(['update-ref', 'refs/heads/develop', commit]);
    const tip = rev(repo, 'refs/heads/session/a');
    settle(repo, a, join(repo.sessions, 'b'));
    const before = snapshot(repo);

    const result = await repo.cli(['sync', 'a', '--json']);

    expectRefused(result, 'branch-writes-sessions');
    expect(rev(repo, 'refs/heads/session/a')).toBe(tip);
    expect(snapshot(repo)).toEqual(before);
  });
});
