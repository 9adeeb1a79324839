import { git } from '../lib/shell.js';

export async function branchExists(cwd: string, branch: string): Promise<boolean> {
  const result = await git(cwd, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], { okExitCodes: [0, 1] });
  return result.exitCode === 0;
}

/**
 * Deletes the branch only if it still points at `expectedCommit`: git compares and deletes
 * atomically, so a commit made meanwhile is never lost.
 */
export async function deleteBranchIfAt(cwd: string, branch: string, expectedCommit: string): Promise<boolean> {
  const result = await git(cwd, ['update-ref', '-d', `refs/heads/${branch}`, expectedCommit], { okExitCodes: [0, 1, 128] });
  return result.exitCode === 0;
}

/** Commits `left` has that `right` lacks, and the reverse. */
export async function aheadBehind(cwd: string, left: string, right: string): Promise<{ ahead: number; behind: number }> {
  const { stdout } = await git(cwd, ['rev-list', '--left-right', '--count', `${left}...${right}`]);
  const [ahead = '0', behind = '0'] = stdout.trim().split(/\s+/);
  return { ahead: Number(ahead), behind: Number(behind) };
}

/** True when every commit of `commit` is already in `target`. */
export async function isAncestor(cwd: string, commit: string, target: string): Promise<boolean> {
  const result = await git(cwd, ['merge-base', '--is-ancestor', commit, target], { okExitCodes: [0, 1] });
  return result.exitCode === 0;
}

/** The content of `path` in `commit`, or null when the commit has no such file. */
export async function readFileAtCommit(cwd: string, commit: string, path: string): Promise<string | null> {
  const result = await git(cwd, ['show', `${commit}:${path}`], { okExitCodes: [0, 128] });
  return result.exitCode === 0 ? result.stdout : null;
}
