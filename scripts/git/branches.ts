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
