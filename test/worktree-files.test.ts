/**
 * The worktree list and the repository's location read from git's files (git/worktree-files.ts) must be
 * exactly what `git worktree list --porcelain -z` and `git rev-parse` say, in every state the pack meets;
 * wherever they could differ (a record half written, a relocating variable, a folder inside .git), the
 * readers give null and the caller asks git.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, type Repo } from './helpers/gitdir.js';
import { parseWorktreeList } from '../scripts/core/worktree-list.js';
import { locateFromFiles, worktreeListFromFiles } from '../scripts/git/worktree-files.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const gitList = (cwd = repo.main) => parseWorktreeList(repo.git(['worktree', 'list', '--porcelain', '-z'], cwd));
const gitLocation = (cwd: string) => {
  const [commonDir, toplevel] = repo
    .git(['rev-parse', '--path-format=absolute', '--git-common-dir', '--show-toplevel'], cwd)
    .trim()
    .split('\n');
  return { commonDir: realpathSync(commonDir!), toplevel };
};
const add = (name: string, args: string[], commitish: string[] = []) => {
  const path = join(repo.root, name);
  repo.git(['worktree', 'add', '-q', ...args, path, ...commitish]);
  return realpathSync(path);
};

describe("the worktree list from git's files", () => {
  it('is what git lists, worktree by worktree, in git order, in the states a session meets', () => {
    repo = makeRepo();
    expect(worktreeListFromFiles(repo.main, repo.env)).toEqual(gitList());
    repo.git(['branch', 'packed']);
    repo.git(['pack-refs', '--all']);
    const onPacked = add('wt-packed', [], ['packed']);
    add('wt-b', ['-b', 'session/b']);
    add('wt-A', ['-b', 'session/A']);
    add('wt-a', ['-b', 'session/a']);
    add('wt-detached', ['--detach']);
    const unborn = add('wt-unborn', ['-b', 'to-orphan']);
    repo.git(['checkout', '-q', '--orphan', 'orphan'], unborn);
    add('wt-locked', ['-b', 'session/locked']);
    repo.git(['worktree', 'lock', '--reason', '  on a stick  ', join(repo.root, 'wt-locked')]);
    add('wt-locked-bare', ['-b', 'session/locked-bare']);
    repo.git(['worktree', 'lock', join(repo.root, 'wt-locked-bare')]);
    const gone = add('wt-gone', ['-b', 'session/gone']);
    rmSync(gone, { recursive: true, force: true });
    repo.write('f.txt', 'moved on\n', onPacked);
    repo.commitAll('on packed', onPacked);
    const listed = worktreeListFromFiles(repo.main, repo.env);
    expect(listed).toEqual(gitList());
    expect(listed!.map((record) => [record.locked, record.prunable])).toContainEqual([false, true]);
    // From inside a linked worktree's sub-folder too, and in the order core.ignorecase gives.
    mkdirSync(join(onPacked, 'deep', 'er'), { recursive: true });
    expect(worktreeListFromFiles(join(onPacked, 'deep', 'er'), repo.env)).toEqual(gitList(onPacked));
    repo.git(['config', 'core.ignorecase', 'true']);
    // wt-A and wt-a are the same path to a case-blind sort, whose order between them is git's to pick.
    expect(worktreeListFromFiles(repo.main, repo.env)).toBeNull();
    repo.git(['worktree', 'remove', join(repo.root, 'wt-a')]);
    add('wt-c', ['-b', 'session/c']);
    expect(worktreeListFromFiles(repo.main, repo.env)).toEqual(gitList());
    expect(gitList().map((record) => record.path.slice(repo.root.length))).toEqual([
      '/project',
      '/wt-A',
      '/wt-b',
      '/wt-c',
      '/wt-detached',
      '/wt-gone',
      '/wt-locked',
      '/wt-locked-bare',
      '/wt-packed',
      '/wt-unborn',
    ]);
  });

  it('steps aside for a record a concurrent add or remove has half written, and for a relocating variable', () => {
    repo = makeRepo();
    const wt = add('wt', ['-b', 'session/x']);
    const adminDir = join(repo.main, '.git', 'worktrees', 'wt');
    expect(worktreeListFromFiles(repo.main, repo.env)).not.toBeNull();
    expect(worktreeListFromFiles(repo.main, { ...repo.env, GIT_DIR: join(repo.main, '.git') })).toBeNull();
    const head = readFileSync(join(adminDir, 'HEAD'), 'utf8');
    rmSync(join(adminDir, 'HEAD'));
    expect(worktreeListFromFiles(repo.main, repo.env)).toBeNull();
    writeFileSync(join(adminDir, 'HEAD'), head);
    writeFileSync(join(adminDir, 'commondir'), '');
    expect(worktreeListFromFiles(repo.main, repo.env)).toBeNull();
    writeFileSync(join(adminDir, 'commondir'), '../..\n');
    writeFileSync(join(adminDir, 'gitdir'), 'wt/.git\n');
    expect(worktreeListFromFiles(repo.main, repo.env)).toBeNull();
    writeFileSync(join(adminDir, 'gitdir'), `${wt}/.git\n`);
    // An add's first marks: locked "initializing" and the null id in HEAD, as git lists them.
    writeFileSync(join(adminDir, 'locked'), 'initializing');
    writeFileSync(join(adminDir, 'HEAD'), `${'0'.repeat(40)}\n`);
    expect(worktreeListFromFiles(repo.main, repo.env)).toEqual(gitList());
  });
});

describe("the repository's location from git's files", () => {
  it('is what rev-parse says from a main checkout, a linked worktree and their sub-folders', () => {
    repo = makeRepo();
    const wt = add('wt', ['-b', 'session/x']);
    mkdirSync(join(wt, 'src', 'deep'), { recursive: true });
    mkdirSync(join(repo.main, 'src'), { recursive: true });
    for (const cwd of [repo.main, join(repo.main, 'src'), wt, join(wt, 'src', 'deep')]) {
      const located = locateFromFiles(cwd, repo.env);
      expect({ commonDir: located?.commonDir, toplevel: located?.toplevel }).toEqual(gitLocation(cwd));
    }
  });

  it('leaves to git a folder inside a git dir, a relocated repository, and a folder outside any repository', () => {
    repo = makeRepo();
    add('wt', ['-b', 'session/x']);
    expect(locateFromFiles(join(repo.main, '.git'), repo.env)).toBeNull();
    expect(locateFromFiles(join(repo.main, '.git', 'worktrees', 'wt'), repo.env)).toBeNull();
    expect(locateFromFiles(repo.main, { ...repo.env, GIT_WORK_TREE: repo.main })).toBeNull();
    expect(locateFromFiles(repo.root, repo.env)).toBeNull();
    repo.git(['config', 'core.worktree', repo.main]);
    expect(locateFromFiles(repo.main, repo.env)).toBeNull();
    // A checkout whose `.git` file points at a git dir kept elsewhere (init --separate-git-dir) is git's to place.
    const separate = join(repo.root, 'separate');
    mkdirSync(join(repo.root, 'store'));
    repo.git(['init', '-q', '-b', 'main', '--separate-git-dir', join(repo.root, 'store', '.git'), separate], repo.root);
    expect(locateFromFiles(realpathSync(separate), repo.env)).toBeNull();
  });
});
