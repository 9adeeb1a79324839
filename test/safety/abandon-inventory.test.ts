/**
 * Abandon force-removes the worktree, so it must first save everything in it that a user
 * could want back: nested repositories and submodule commits too, and files an agent is
 * still writing. And it must never delete a branch that some checkout has checked out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, snapshot, type Repo } from '../helpers/gitdir.js';
import { sessionWithWork } from '../helpers/end.js';
import {
  addSubmodule,
  blobId,
  expectDone,
  expectRefused,
  keptAtNamedPath,
  rev,
  savedObjects,
  settle,
} from '../helpers/safety.js';
import { startWriter, writerRecord } from '../helpers/processes.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

describe('abandon with nested repositories in the worktree', () => {
  it("saves an untracked nested repository's commits and files, not just a gitlink", async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'x');
    const nested = join(worktree, 'vendor/tool');
    mkdirSync(nested, { recursive: true });
    repo.git(['init', '-q', '-b', 'main'], nested);
    repo.write('one.txt', 'first nested file\n', nested);
    const first = repo.commitAll('nested one', nested);
    repo.write('two.txt', 'second nested file\n', nested);
    const second = repo.commitAll('nested two', nested);
    repo.git(['branch', 'side', first], nested);
    repo.write('side.txt', 'only on a side branch\n', nested);
    repo.git(['switch', '-q', 'side'], nested);
    const side = repo.commitAll('nested side', nested);
    repo.git(['switch', '-q', 'main'], nested);
    repo.write('draft.txt', 'uncommitted in the nested repository\n', nested);

    const result = await repo.cli(['end', 'x', '--strategy', 'abandon', '--confirm', 'x', '--json']);

    expectDone(result);
    expect(existsSync(worktree)).toBe(false);
    const saved = savedObjects(repo, result.json);
    const missing = [
      ...[first, second, side].filter((commit) => !saved.has(commit)).map((commit) => `commit ${commit}`),
      ...[
        'first nested file\n',
        'second nested file\n',
        'only on a side branch\n',
        'uncommitted in the nested repository\n',
      ]
        .filter((content) => !saved.has(blobId(repo, content)))
        .map((content) => `file ${JSON.stringify(content)}`),
    ];
    expect(missing, 'nested work that no refs/sessions/ ref (or bundle named in the output) holds').toEqual([]);
  });

  it("saves a submodule's new commit that no other ref holds", async () => {
    repo = makeRepo();
    addSubmodule(repo);
    const started = await repo.cli(['start', 'x', '--json']);
    expectDone(started);
    const worktree = join(repo.sessions, 'x');
    const sub = join(worktree, 'sub');
    expect(existsSync(join(sub, 'lib.txt')), JSON.stringify(started.json.workspace?.submodules)).toBe(true);
    repo.write('feature.txt', 'made inside the submodule\n', sub);
    const commit = repo.commitAll('submodule work', sub);
    // Only the submodule's own git dir (inside the worktree's admin folder) has this commit.
    expect(repo.git(['branch', '-r', '--contains', commit], sub).trim()).toBe('');

    const result = await repo.cli(['end', 'x', '--strategy', 'abandon', '--confirm', 'x', '--json']);

    expectDone(result);
    expect(existsSync(worktree)).toBe(false);
    const saved = savedObjects(repo, result.json);
    expect(saved.has(commit), `submodule commit ${commit} in refs/sessions/ or a named bundle`).toBe(true);
    expect(saved.has(blobId(repo, 'made inside the submodule\n'))).toBe(true);
  });
});

describe('abandon and a branch checked out elsewhere', () => {
  it('refuses branch-checked-out-elsewhere when the session branch is checked out in the main checkout', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'x');
    repo.git(['switch', '-q', '-c', 'side-work'], worktree);
    repo.git(['switch', '-q', 'session/x']);
    const tip = rev(repo, 'refs/heads/session/x');
    const headBefore = repo.git(['symbolic-ref', 'HEAD']).trim();
    settle(repo, worktree);
    const before = snapshot(repo);

    const result = await repo.cli(['end', 'x', '--strategy', 'abandon', '--confirm', 'x', '--json']);

    expectRefused(result, 'branch-checked-out-elsewhere');
    expect(rev(repo, 'refs/heads/session/x')).toBe(tip);
    expect(repo.git(['symbolic-ref', 'HEAD']).trim()).toBe(headBefore);
    expect(repo.git(['status', '--porcelain'])).toBe('');
    expect(snapshot(repo)).toEqual(before);
  });
});

describe('abandon while an agent is still writing in the worktree', () => {
  it('every file the agent finished writing is in what abandon saved', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'x');
    const log = join(repo.root, 'writer.log');
    const writer = startWriter(worktree, log, 2);
    // Let it get going, so the abandon runs over a stream of new files.
    const until = Date.now() + 5_000;
    while (writerRecord(log).length < 20 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));

    const result = await repo.helperAsync(['end', 'x', '--strategy', 'abandon', '--confirm', 'x', '--json']);
    await writer.stop();

    const written = writerRecord(log);
    expect(written.length).toBeGreaterThan(20);
    const saved = savedObjects(repo, result.json);
    const lost = written
      .filter(
        (file) =>
          !saved.has(blobId(repo, file.content)) &&
          !existsSync(join(worktree, file.path)) &&
          !keptAtNamedPath(result.json, file.path, file.content),
      )
      .map((file) => file.path);
    expect(
      lost,
      `${lost.length} of ${written.length} recorded files are neither in a saved ref, nor at a path the output names, nor still in the worktree (exit ${result.exitCode}: ${result.json.error?.message ?? ''})`,
    ).toEqual([]);
    // Done, or (the other safe outcome) refused because the removal would lose what it cannot save.
    if (result.exitCode !== 0) {
      expectRefused(result, 'unsaved-work');
      expect(existsSync(worktree)).toBe(true);
    }
  });
});

describe('abandon with work at a path git cannot store', () => {
  it('refuses before anything changes, naming the path', () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'x');
    mkdirSync(join(worktree, 'sub/.GIT'), { recursive: true });
    repo.write('sub/.GIT/f', 'x\n', worktree);
    settle(repo, worktree);
    const before = snapshot(repo);
    const error = expectRefused(
      repo.helper(['end', 'x', '--strategy', 'abandon', '--confirm', 'x', '--json']),
      'unsaved-work',
    );
    expect(error.message).toContain('sub/.GIT/f');
    expect(snapshot(repo)).toEqual(before);
  });
});
