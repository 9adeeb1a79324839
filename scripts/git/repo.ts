/** Repository-level facts: where we are, whether there are commits, what a ref points at. */
import { lstatSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { readBoundedText } from '../lib/safe-fs.js';
import { git, lines } from '../lib/shell.js';

export interface RepositoryLocation {
  /** Absolute path of the git dir every worktree shares. */
  commonDir: string;
  /** Toplevel of the worktree holding cwd; null when cwd is inside a git dir. */
  toplevel: string | null;
}

const commonDirs = new Map<string, Promise<string>>();

/** Where cwd sits in its repository, in one git call; null outside any repository. */
export async function locateRepository(cwd: string): Promise<RepositoryLocation | null> {
  const both = await git(cwd, ['rev-parse', '--path-format=absolute', '--git-common-dir', '--show-toplevel'], { okExitCodes: [0, 128] });
  if (both.exitCode === 0) {
    const [commonDir = '', toplevel = null] = lines(both.stdout);
    if (toplevel) commonDirs.set(toplevel, Promise.resolve(commonDir));
    return { commonDir, toplevel };
  }
  const only = await git(cwd, ['rev-parse', '--path-format=absolute', '--git-common-dir'], { okExitCodes: [0, 128] });
  return only.exitCode === 0 ? { commonDir: only.stdout.trim(), toplevel: null } : null;
}

/** The common git dir of the repository holding `worktree`, asked of git once per process. */
export function commonGitDir(worktree: string): Promise<string> {
  let dir = commonDirs.get(worktree);
  if (!dir) {
    dir = git(worktree, ['rev-parse', '--path-format=absolute', '--git-common-dir']).then((result) => result.stdout.trim());
    commonDirs.set(worktree, dir);
  }
  return dir;
}

/** Records a worktree's common dir already learnt another way. */
export function rememberCommonDir(worktree: string, commonDir: string): void {
  commonDirs.set(worktree, Promise.resolve(commonDir));
}

/** The commit a revision names, or null if it names none. */
export async function resolveCommit(cwd: string, revision: string): Promise<string | null> {
  const result = await git(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`], { okExitCodes: [0, 1, 128] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

export async function gitVersion(cwd: string): Promise<[number, number]> {
  const { stdout } = await git(cwd, ['--version']);
  const match = /(\d+)\.(\d+)/.exec(stdout);
  return match ? [Number(match[1]), Number(match[2])] : [0, 0];
}

/** True when some branch, tag or other ref holds `commit`. */
export async function isReachableFromAnyRef(cwd: string, commit: string): Promise<boolean> {
  const { stdout } = await git(cwd, ['for-each-ref', '--count=1', '--format=%(refname)', '--contains', commit], { okExitCodes: [0] });
  return stdout.trim().length > 0;
}

export interface WorktreeFiles {
  /** The worktree's top folder: the one holding `.git`. */
  toplevel: string;
  /** The git dir every worktree shares. */
  commonDir: string;
}

const MAX_GIT_FILE_BYTES = 4096;

/**
 * Where `folder` sits, read from git's own files instead of asking git: the nearest `.git`
 * above it (a folder, or a worktree's `gitdir:` file) and the common dir its `commondir` file
 * names. For a hook, where a process costs more than the answer. Null when there is none.
 */
export function worktreeFromFiles(folder: string): WorktreeFiles | null {
  let dir = folder;
  for (let depth = 0; depth < 256; depth++) {
    const dotGit = join(dir, '.git');
    let stat;
    try {
      stat = lstatSync(dotGit);
    } catch {
      stat = null;
    }
    if (stat?.isDirectory()) return { toplevel: dir, commonDir: dotGit };
    if (stat?.isFile()) {
      const pointer = /^gitdir: (.+)$/m.exec(readBoundedText(dotGit, MAX_GIT_FILE_BYTES) ?? '')?.[1]?.trim();
      if (!pointer) return null;
      const gitDir = resolve(dir, pointer);
      const common = readBoundedText(join(gitDir, 'commondir'), MAX_GIT_FILE_BYTES)?.trim();
      return { toplevel: dir, commonDir: common ? resolve(gitDir, common) : gitDir };
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
  return null;
}

/** The main checkout of a repository with a common dir `<main>/.git`; null for a bare or otherwise laid out one. */
export function mainCheckoutFromFiles(commonDir: string): string | null {
  if (basename(commonDir) !== '.git') return null;
  try {
    return lstatSync(commonDir).isDirectory() ? dirname(commonDir) : null;
  } catch {
    return null;
  }
}
