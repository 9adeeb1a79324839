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

/** The full ref HEAD points at in `worktree` (e.g. refs/heads/session/x), or null when detached. */
export async function currentBranchRef(worktree: string): Promise<string | null> {
  const result = await git(worktree, ['symbolic-ref', '--quiet', 'HEAD'], { okExitCodes: [0, 1] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/** The best common ancestor of two commits, or null when they share no history. */
export async function mergeBase(cwd: string, left: string, right: string): Promise<string | null> {
  const result = await git(cwd, ['merge-base', left, right], { okExitCodes: [0, 1] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/** Local branch tips in one call, short name to commit: every branch, or only the named ones. */
export async function branchTips(cwd: string, only?: string[]): Promise<Map<string, string>> {
  const patterns = only ? only.map((name) => `refs/heads/${name}`) : ['refs/heads/'];
  const { stdout } = await git(cwd, ['for-each-ref', '--format=%(objectname) %(refname:lstrip=2)', ...patterns]);
  const tips = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    const name = line.slice(space + 1);
    // for-each-ref patterns also match refs below a name (main/x for main), so keep exact names only.
    if (space > 0 && (!only || only.includes(name))) tips.set(name, line.slice(0, space));
  }
  return tips;
}

/** The content of `path` in `commit`, or null when the commit has no such file. */
export async function readFileAtCommit(cwd: string, commit: string, path: string): Promise<string | null> {
  const result = await git(cwd, ['show', `${commit}:${path}`], { okExitCodes: [0, 128] });
  return result.exitCode === 0 ? result.stdout : null;
}
