/**
 * git's own files read in-process (git/repo-files.ts, git/conversion-doubt.ts), against real
 * repositories: what they read must be what git says, and wherever the layout is not the plain
 * one they know, they give up (null or undefined, or doubt) so that the caller asks git.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { realPathAllowMissing, realPathResolver } from '../scripts/lib/safe-fs.js';
import { join } from 'node:path';
import { makeRepo, type Repo } from './helpers/gitdir.js';
import { spawnSync } from 'node:child_process';
import { isAncestor } from '../scripts/git/branches.js';
import { withProcessScope } from '../scripts/lib/shell.js';
import {
  looseCommitParents,
  readHead,
  readRepoFiles,
  worktreeFromFiles,
  worktreeGitDir,
  worktreeHeadFromFiles,
} from '../scripts/git/repo-files.js';
import { repositoryConversionDoubt, worktreeConversionDoubt } from '../scripts/git/conversion-doubt.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const commonDir = () => join(repo.main, '.git');
const rev = (ref: string, cwd = repo.main) => repo.git(['rev-parse', ref], cwd).trim();

describe("git's files read in-process", () => {
  it("reads a worktree's HEAD from its top folder as git reports it, and steps aside where it cannot", () => {
    repo = makeRepo();
    const wt = join(repo.root, 'wt');
    repo.git(['worktree', 'add', '-q', '-b', 'feature/y', wt]);
    const top = realpathSync(wt);
    const symbolic = () => repo.git(['symbolic-ref', '--quiet', 'HEAD'], wt).trim();
    expect(worktreeHeadFromFiles(top, repo.env)).toEqual({ branch: symbolic(), commit: rev('HEAD', wt) });
    expect(worktreeHeadFromFiles(repo.main, repo.env)).toEqual({ branch: 'refs/heads/main', commit: rev('main') });
    repo.git(['checkout', '-q', '--detach'], wt);
    expect(worktreeHeadFromFiles(top, repo.env)).toEqual({ branch: null, commit: rev('HEAD', wt) });
    repo.git(['checkout', '-q', '--orphan', 'unborn'], wt);
    expect(worktreeHeadFromFiles(top, repo.env)).toEqual({ branch: 'refs/heads/unborn', commit: null });
    // Not a worktree's top folder, a variable that moves git's files: git is asked.
    mkdirSync(join(top, 'sub'));
    expect(worktreeHeadFromFiles(join(top, 'sub'), repo.env)).toBeUndefined();
    expect(worktreeHeadFromFiles(top, { ...repo.env, GIT_DIR: commonDir() })).toBeUndefined();
  });

  it("finds the repository, its branch tips, loose and packed, and each worktree's HEAD", () => {
    repo = makeRepo();
    repo.git(['branch', 'packed-one']);
    repo.git(['pack-refs', '--all']);
    repo.git(['branch', 'loose-one']);
    const wt = join(repo.root, 'wt');
    repo.git(['worktree', 'add', '-q', '-b', 'feature/x', wt]);
    repo.write('f.txt', 'x\n', wt);
    repo.commitAll('on feature', wt);
    const files = readRepoFiles(commonDir(), repo.env)!;
    expect(files.mainCheckout).toBe(repo.main);
    for (const branch of ['main', 'packed-one', 'loose-one', 'feature/x'])
      expect(files.refs.resolve(`refs/heads/${branch}`)).toBe(rev(branch));
    expect(files.refs.resolve('refs/heads/none')).toBeNull();
    expect(files.refs.resolve('refs/heads/../../config')).toBeUndefined();
    const gitDir = worktreeGitDir(realpathSync(wt), files)!;
    expect(gitDir).toBe(rev('--absolute-git-dir', wt));
    expect(readHead(gitDir, files)).toEqual({ branch: 'refs/heads/feature/x', commit: rev('HEAD', wt) });
    repo.git(['checkout', '-q', '--detach'], wt);
    expect(readHead(gitDir, files)).toEqual({ branch: null, commit: rev('HEAD', wt) });
    expect(readHead(commonDir(), files)).toEqual({ branch: 'refs/heads/main', commit: rev('HEAD') });
    expect(worktreeFromFiles(join(wt, 'no/such/folder'))).toMatchObject({ toplevel: realpathSync(wt), gitDir });
    expect(worktreeGitDir(repo.main, files)).toBe(commonDir());
    expect(worktreeGitDir(join(repo.root, 'home'), files)).toBeNull();
  });

  it('gives up wherever git might see it otherwise', () => {
    repo = makeRepo();
    expect(readRepoFiles(commonDir(), repo.env)).not.toBeNull();
    for (const name of [
      'GIT_DIR',
      'GIT_WORK_TREE',
      'GIT_INDEX_FILE',
      'GIT_COMMON_DIR',
      'GIT_OBJECT_DIRECTORY',
      'GIT_CEILING_DIRECTORIES',
    ]) {
      expect(readRepoFiles(commonDir(), { ...repo.env, [name]: '/x' })).toBeNull();
    }
    const config = join(commonDir(), 'config');
    repo.git(['config', 'include.path', 'other.config']);
    expect(readRepoFiles(commonDir(), repo.env)).toBeNull();
    repo.git(['config', '--unset', 'include.path']);
    repo.git(['config', 'core.worktree', '/elsewhere']);
    expect(readRepoFiles(commonDir(), repo.env)).toBeNull();
    repo.git(['config', '--unset', 'core.worktree']);
    const plain = readFileSync(config, 'utf8');
    for (const extension of ['objectFormat = sha256', 'refStorage = reftable']) {
      writeFileSync(config, `${plain}[extensions]\n\t${extension}\n`);
      expect(readRepoFiles(commonDir(), repo.env)).toBeNull();
    }
    writeFileSync(config, plain);
    expect(readRepoFiles(commonDir(), repo.env)).not.toBeNull();
    mkdirSync(join(commonDir(), 'reftable'));
    expect(readRepoFiles(commonDir(), repo.env)).toBeNull();
    rmSync(join(commonDir(), 'reftable'), { recursive: true });
    writeFileSync(config, `${readFileSync(config, 'utf8')}[core] bare = false\n`);
    expect(readRepoFiles(commonDir(), repo.env)).toBeNull();
  });

  it('a worktree whose own config moves it is left to git, where git reads that config', () => {
    repo = makeRepo();
    const wt = join(repo.root, 'wt');
    repo.git(['worktree', 'add', '-q', '-b', 'x', wt]);
    const gitDir = rev('--absolute-git-dir', wt);
    writeFileSync(join(gitDir, 'config.worktree'), '[core]\n\tworktree = /elsewhere\n');
    expect(worktreeGitDir(realpathSync(wt), readRepoFiles(commonDir(), repo.env)!)).toBe(gitDir);
    repo.git(['config', 'extensions.worktreeConfig', 'true']);
    expect(worktreeGitDir(realpathSync(wt), readRepoFiles(commonDir(), repo.env)!)).toBeNull();
    writeFileSync(join(gitDir, 'config.worktree'), '[core]\n\tsparseCheckout = true\n');
    expect(worktreeGitDir(realpathSync(wt), readRepoFiles(commonDir(), repo.env)!)).toBe(gitDir);
  });

  it('a ref it cannot parse is left to git', () => {
    repo = makeRepo();
    const files = readRepoFiles(commonDir(), repo.env)!;
    writeFileSync(join(commonDir(), 'refs/heads/odd'), 'not a commit id\n');
    expect(files.refs.resolve('refs/heads/odd')).toBeUndefined();
    writeFileSync(join(commonDir(), 'HEAD'), 'ref: refs/worktree/x\n');
    expect(readHead(commonDir(), files)).toBeUndefined();
  });
});

describe('doubt that git converts a file on its way into the index', () => {
  it('none in a plain repository; some for each setting that may convert, or a file that cannot be read', () => {
    repo = makeRepo({ files: { 'README.md': 'x\n', 'docs/a.md': 'a\n' } });
    const env = repo.env;
    const none = () => false;
    expect(repositoryConversionDoubt(commonDir(), env)).toBe(false);
    expect(worktreeConversionDoubt(repo.main, commonDir(), 'docs/a.md', none)).toBe(false);
    for (const [path, text] of [
      ['.gitattributes', '*.md text\n'],
      ['docs/.gitattributes', '* filter=lfs\n'],
      ['.gitattributes', '[attr]binary -text\n'],
    ] as const) {
      repo.write(path, text);
      expect(worktreeConversionDoubt(repo.main, commonDir(), 'docs/a.md', none)).toBe(true);
      rmSync(join(repo.main, path));
    }
    // A .gitattributes gone from disk but still in the index: git reads the index's copy.
    expect(worktreeConversionDoubt(repo.main, commonDir(), 'docs/a.md', (path) => path === 'docs/.gitattributes')).toBe(
      true,
    );
    mkdirSync(join(repo.main, '.gitattributes'));
    expect(worktreeConversionDoubt(repo.main, commonDir(), 'docs/a.md', none)).toBe(true);
    rmSync(join(repo.main, '.gitattributes'), { recursive: true });
    // Each repository is asked once per process: a fresh common dir for each setting.
    const fresh = (setup: (r: Repo) => void, extraEnv: NodeJS.ProcessEnv = {}) => {
      const other = makeRepo();
      try {
        setup(other);
        return repositoryConversionDoubt(join(other.main, '.git'), { ...other.env, ...extraEnv });
      } finally {
        other.cleanup();
      }
    };
    expect(fresh((r) => r.git(['config', 'core.autocrlf', 'true']))).toBe(true);
    expect(fresh((r) => r.git(['config', 'core.eol', 'crlf']))).toBe(true);
    expect(fresh((r) => writeFileSync(join(r.main, '.git/info/attributes'), '* text=auto\n'))).toBe(true);
    expect(fresh(() => undefined, { GIT_CONFIG_PARAMETERS: "'core.autocrlf'='true'" })).toBe(true);
    const global = join(repo.root, 'home', 'global.config');
    writeFileSync(global, '[core]\n\tautocrlf = input\n');
    expect(fresh(() => undefined, { GIT_CONFIG_GLOBAL: global })).toBe(true);
    expect(fresh(() => undefined, { GIT_CONFIG_GLOBAL: join(repo.root, 'home', 'missing.config') })).toBe(false);
    expect(fresh(() => undefined)).toBe(false);
  });
});

describe('real paths for many worktrees at once', () => {
  it('resolves as realPathAllowMissing does: through a symlinked folder, a symlinked worktree, a missing one', () => {
    repo = makeRepo();
    const base = repo.root;
    mkdirSync(join(base, 'real-sessions/a'), { recursive: true });
    mkdirSync(join(base, 'elsewhere/b'), { recursive: true });
    symlinkSync(join(base, 'real-sessions'), join(base, 'linked-sessions'));
    symlinkSync(join(base, 'elsewhere/b'), join(base, 'real-sessions/b'));
    const resolver = realPathResolver();
    for (const path of [
      'linked-sessions/a',
      'linked-sessions/b',
      'linked-sessions/missing',
      'real-sessions/a',
      'nowhere/x',
      'linked-sessions/a/deeper',
    ]) {
      expect(resolver(join(base, path))).toBe(realPathAllowMissing(join(base, path)));
    }
    expect(resolver(join(base, 'linked-sessions/b'))).toBe(join(base, 'elsewhere/b'));
  });
});

describe("a commit's parents from its loose object, and the ancestry they prove", () => {
  it("lists a root's, a commit's and a merge's parents as git does, steps aside once packed, and isAncestor agrees with git", async () => {
    repo = makeRepo();
    repo.git(['checkout', '-q', '-b', 'side']);
    repo.write('side.txt', 'side\n');
    const sideTip = repo.commitAll('on side');
    repo.git(['checkout', '-q', 'main']);
    repo.write('main.txt', 'main\n');
    repo.commitAll('on main');
    repo.git(['merge', '-q', '--no-ff', '--no-edit', 'side']);
    const files = readRepoFiles(commonDir(), repo.env)!;
    const gitParents = (commit: string) =>
      repo.git(['show', '-s', '--format=%P', commit]).trim().split(' ').filter(Boolean);
    for (const commit of [rev('main'), rev('main^1'), rev('main^1^1'), sideTip])
      expect(looseCommitParents(files, commit)).toEqual(gitParents(commit));
    expect(looseCommitParents(files, repo.git(['rev-parse', 'main^{tree}']).trim())).toBeUndefined();
    const ancestor = (commit: string, target: string) =>
      withProcessScope({ env: repo.env, stderr: process.stderr }, () => isAncestor(repo.main, commit, target));
    const askGit = (commit: string, target: string) =>
      spawnSync('git', ['merge-base', '--is-ancestor', commit, target], { cwd: repo.main, env: repo.env }).status === 0;
    const later = repo.git(['rev-parse', 'main^1']).trim();
    repo.git(['branch', 'behind', later]);
    for (const [commit, target] of [
      [sideTip, 'refs/heads/main'],
      [rev('main'), 'refs/heads/main'],
      [rev('main^1^1'), 'refs/heads/main'],
      [rev('main'), 'refs/heads/side'],
      [rev('main'), 'refs/heads/behind'],
    ] as const)
      expect(await ancestor(commit, target)).toBe(askGit(commit, target));
    repo.git(['gc', '-q']);
    expect(looseCommitParents(files, rev('main'))).toBeUndefined();
    expect(await ancestor(sideTip, 'refs/heads/main')).toBe(true);
  });
});
