/** Repository-level facts: where we are, whether there are commits, what a ref points at. */
import { git, lines, processEnv } from '../lib/shell.js';
import { locateFromFiles } from './worktree-files.js';

export interface RepositoryLocation {
  /** Absolute path of the git dir every worktree shares. */
  commonDir: string;
  /** Toplevel of the worktree holding cwd; null when cwd is inside a git dir. */
  toplevel: string | null;
}

const commonDirs = new Map<string, Promise<string>>();

/** Where the real folder cwd sits in its repository, read from git's files or else in one git call; null outside any repository. */
export async function locateRepository(cwd: string): Promise<RepositoryLocation | null> {
  const fromFiles = locateFromFiles(cwd, processEnv());
  if (fromFiles) {
    commonDirs.set(fromFiles.toplevel, Promise.resolve(fromFiles.commonDir));
    return { commonDir: fromFiles.commonDir, toplevel: fromFiles.toplevel };
  }
  const both = await git(cwd, ['rev-parse', '--path-format=absolute', '--git-common-dir', '--show-toplevel'], {
    okExitCodes: [0, 128],
  });
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
    dir = git(worktree, ['rev-parse', '--path-format=absolute', '--git-common-dir']).then((result) =>
      result.stdout.trim(),
    );
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
  const result = await git(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`], {
    okExitCodes: [0, 1, 128],
  });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

export async function gitVersion(cwd: string): Promise<[number, number]> {
  const { stdout } = await git(cwd, ['--version']);
  const match = /(\d+)\.(\d+)/.exec(stdout);
  return match ? [Number(match[1]), Number(match[2])] : [0, 0];
}

/** True when some branch, tag or other ref holds `commit`. */
export async function isReachableFromAnyRef(cwd: string, commit: string): Promise<boolean> {
  const { stdout } = await git(cwd, ['for-each-ref', '--count=1', '--format=%(refname)', '--contains', commit], {
    okExitCodes: [0],
  });
  return stdout.trim().length > 0;
}

/** True when `revision` (a commit or tree) holds a file at `path`. */
export async function holdsPath(cwd: string, revision: string, path: string): Promise<boolean> {
  const result = await git(cwd, ['cat-file', '-e', `${revision}:${path}`], { okExitCodes: [0, 1, 128] });
  return result.exitCode === 0;
}
