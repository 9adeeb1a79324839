/** Repository-level facts: where we are, whether there are commits, what a ref points at. */
import { git } from '../lib/shell.js';
import { GitError } from '../lib/errors.js';

/** Toplevel of the worktree holding cwd, or null outside any worktree (e.g. inside .git). */
export async function showToplevel(cwd: string): Promise<string | null> {
  const result = await git(cwd, ['rev-parse', '--show-toplevel'], { okExitCodes: [0, 128] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

export async function isInsideRepository(cwd: string): Promise<boolean> {
  try {
    const result = await git(cwd, ['rev-parse', '--git-dir'], { okExitCodes: [0, 128] });
    return result.exitCode === 0;
  } catch (error) {
    if (error instanceof GitError) return false;
    throw error; // e.g. cwd does not exist
  }
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
