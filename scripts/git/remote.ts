/** Remotes: which exist, where they point, pushing a branch, and the GitHub compare page for a branch. */
import { git, lines } from '../lib/shell.js';

/** A push that hangs on the network must not hang the end of a session forever. */
const PUSH_TIMEOUT_MS = 120_000;

export async function listRemotes(cwd: string): Promise<string[]> {
  const { stdout } = await git(cwd, ['remote']);
  return lines(stdout);
}

export async function remoteUrl(cwd: string, remote: string): Promise<string | null> {
  const result = await git(cwd, ['remote', 'get-url', '--end-of-options', remote], { okExitCodes: [0, 2, 128] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/** Pushes the local branch to `remoteBranch` (default: the same name) on `remote` and records it as the branch's upstream. */
export async function pushBranch(cwd: string, remote: string, branch: string, remoteBranch = branch): Promise<void> {
  await git(
    cwd,
    [
      'push',
      '--quiet',
      '--set-upstream',
      '--end-of-options',
      remote,
      `refs/heads/${branch}:refs/heads/${remoteBranch}`,
    ],
    { timeout: PUSH_TIMEOUT_MS },
  );
}

export interface GitHubRepo {
  host: string;
  owner: string;
  repo: string;
}

/**
 * The GitHub repository a remote URL points at, in the https, scp-like ssh, ssh:// and git://
 * forms; null for anything that is not github.com.
 */
export function gitHubRepo(url: string): GitHubRepo | null {
  const trimmed = url.trim();
  const patterns = [
    /^(?:https?|git|ssh|git\+ssh):\/\/(?:[^@/]+@)?(?:www\.)?(github\.com)(?::\d+)?\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/i,
    /^(?:[^@/]+@)?(github\.com):\/?([^/]+)\/([^/]+?)(?:\.git)?\/?$/i,
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(trimmed);
    if (match && match[2] && match[3]) return { host: 'github.com', owner: match[2], repo: match[3] };
  }
  return null;
}

/** The page where GitHub offers to open a PR from `branch` into `base`; null when the remote is not on GitHub. */
export function compareUrl(remote: string, base: string, branch: string): string | null {
  const repo = gitHubRepo(remote);
  if (!repo) return null;
  const segment = (text: string) => text.split('/').map(encodeURIComponent).join('/');
  return `https://${repo.host}/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.repo)}/compare/${segment(base)}...${segment(branch)}?expand=1`;
}

/** The remote-tracking ref `branch` pulls from (e.g. refs/remotes/origin/session/x), or null when it has none. */
export async function upstreamOf(cwd: string, branch: string): Promise<string | null> {
  const result = await git(cwd, ['for-each-ref', '--format=%(upstream)', `refs/heads/${branch}`]);
  return result.stdout.trim() || null;
}

/** A fetch of one branch that hangs on the network must not hang a start forever. */
const FETCH_TIMEOUT_MS = 120_000;

/** Fetches `branch` of `remote` into its remote-tracking ref, refs/remotes/<remote>/<branch>; returns the commit it is at. */
export async function fetchRemoteBranch(cwd: string, remote: string, branch: string): Promise<string> {
  const tracking = `refs/remotes/${remote}/${branch}`;
  await git(cwd, ['fetch', '--quiet', '--no-tags', '--end-of-options', remote, `+refs/heads/${branch}:${tracking}`], {
    timeout: FETCH_TIMEOUT_MS,
  });
  const { stdout } = await git(cwd, ['rev-parse', '--verify', '--end-of-options', `${tracking}^{commit}`]);
  return stdout.trim();
}

/** Makes `branch` track `remote`'s `remoteBranch` (which must have been fetched). */
export async function setUpstream(cwd: string, branch: string, remote: string, remoteBranch: string): Promise<void> {
  await git(cwd, ['branch', `--set-upstream-to=refs/remotes/${remote}/${remoteBranch}`, '--end-of-options', branch]);
}
