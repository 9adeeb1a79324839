import { git, processEnv } from '../lib/shell.js';
import { looseCommitParents, readRepoFiles, worktreeHeadFromFiles } from './repo-files.js';
import { commonGitDir } from './repo.js';
import { isoSeconds } from '../core/format.js';

/**
 * Deletes the branch only if it still points at `expectedCommit`: git compares and deletes
 * atomically, so a commit made meanwhile is never lost.
 */
export async function deleteBranchIfAt(cwd: string, branch: string, expectedCommit: string): Promise<boolean> {
  const result = await git(cwd, ['update-ref', '-d', `refs/heads/${branch}`, expectedCommit], {
    okExitCodes: [0, 1, 128],
  });
  return result.exitCode === 0;
}

/** Commits `left` has that `right` lacks, and the reverse. */
export async function aheadBehind(
  cwd: string,
  left: string,
  right: string,
): Promise<{ ahead: number; behind: number }> {
  const { stdout } = await git(cwd, ['rev-list', '--left-right', '--count', `${left}...${right}`]);
  const [ahead = '0', behind = '0'] = stdout.trim().split(/\s+/);
  return { ahead: Number(ahead), behind: Number(behind) };
}

/**
 * True when every commit of `commit` is already in `target`. Where git's files can be read, a `target` ref that is
 * `commit` or lists it as a parent (as after a merge of it) answers at once; anything else is asked of git.
 */
export async function isAncestor(cwd: string, commit: string, target: string): Promise<boolean> {
  if (target.startsWith('refs/')) {
    const repo = readRepoFiles(await commonGitDir(cwd), processEnv());
    const tip = repo?.refs.resolve(target);
    if (repo && tip && (tip === commit || looseCommitParents(repo, tip)?.includes(commit))) return true;
  }
  const result = await git(cwd, ['merge-base', '--is-ancestor', commit, target], { okExitCodes: [0, 1] });
  return result.exitCode === 0;
}

/** The full ref HEAD points at in `worktree` (e.g. refs/heads/session/x), or null when detached. */
export async function currentBranchRef(worktree: string): Promise<string | null> {
  const head = worktreeHeadFromFiles(worktree, processEnv());
  if (head) return head.branch;
  const result = await git(worktree, ['symbolic-ref', '--quiet', 'HEAD'], { okExitCodes: [0, 1] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/**
 * The commit a worktree's detached HEAD is at, when no branch, tag, remote-tracking or saved ref
 * holds it: then only that HEAD and its reflog do, and removing the worktree would lose its
 * commits. Null when HEAD is on a branch, unborn, or held by some ref.
 */
export async function commitOnlyHeadHolds(worktree: string): Promise<string | null> {
  if (await currentBranchRef(worktree)) return null;
  const head = await git(worktree, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { okExitCodes: [0, 1, 128] });
  if (head.exitCode !== 0) return null;
  const commit = head.stdout.trim();
  const { stdout } = await git(worktree, [
    'for-each-ref',
    '--count=1',
    '--format=%(refname)',
    '--contains',
    commit,
    'refs/heads/',
    'refs/tags/',
    'refs/remotes/',
    'refs/sessions/',
  ]);
  return stdout.trim() === '' ? commit : null;
}

/** The best common ancestor of two commits, or null when they share no history. */
export async function mergeBase(cwd: string, left: string, right: string): Promise<string | null> {
  const result = await git(cwd, ['merge-base', left, right], { okExitCodes: [0, 1] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

export interface BranchTip {
  commit: string;
  /** Committer date of the tip, ISO 8601 UTC. */
  date: string;
}

/** Local branch tips and their dates in one call, by short name: every branch, or only the named ones. */
export async function branchTips(cwd: string, only?: string[]): Promise<Map<string, BranchTip>> {
  const patterns = only ? only.map((name) => `refs/heads/${name}`) : ['refs/heads/'];
  const { stdout } = await git(cwd, [
    'for-each-ref',
    '--format=%(refname)%00%(objectname)%00%(committerdate:unix)',
    ...patterns,
  ]);
  const tips = new Map<string, BranchTip>();
  for (const line of stdout.split('\n')) {
    const [ref = '', commit = '', unix = '0'] = line.split('\0');
    const name = ref.slice('refs/heads/'.length);
    // for-each-ref patterns also match refs below a name (main/x for main), so keep exact names only.
    if (commit && (!only || only.includes(name)))
      tips.set(name, { commit, date: isoSeconds(new Date(Number(unix) * 1000)) });
  }
  return tips;
}

/** The content of `path` in `commit`, or null when the commit has no such file. */
export async function readFileAtCommit(cwd: string, commit: string, path: string): Promise<string | null> {
  const result = await git(cwd, ['show', `${commit}:${path}`], { okExitCodes: [0, 128] });
  return result.exitCode === 0 ? result.stdout : null;
}
