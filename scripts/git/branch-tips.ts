/**
 * Branch tips, for the hooks and for the steps of an end that wait on them: from the ref files when the
 * repository's files could be read, else (or when one of them cannot be read that way) from one
 * `git for-each-ref` for them all.
 */
import { processEnv } from '../lib/shell.js';
import { branchTips } from './branches.js';
import { readHead, readRepoFiles, type RepoFiles } from './repo-files.js';
import { commonGitDir, resolveCommit } from './repo.js';

/** Each branch's tip commit by short name; null for a branch that does not exist. */
export async function tipsOf(
  mainCheckout: string,
  repo: RepoFiles | null,
  branches: readonly string[],
): Promise<Map<string, string | null>> {
  const unique = [...new Set(branches)];
  const tips = new Map<string, string | null>();
  const read = repo ? unique.map((branch) => repo.refs.resolve(`refs/heads/${branch}`)) : [];
  if (repo && read.every((tip) => tip !== undefined)) {
    unique.forEach((branch, i) => tips.set(branch, read[i] ?? null));
    return tips;
  }
  const asked = await branchTips(mainCheckout, unique);
  for (const branch of unique) tips.set(branch, asked.get(branch)?.commit ?? null);
  return tips;
}

/**
 * The same for a helper run, which has no repository files at hand: they are read with the environment its git
 * calls get, so that a variable moving git's files sends it to git as well.
 */
export async function branchCommits(
  mainCheckout: string,
  branches: readonly string[],
): Promise<Map<string, string | null>> {
  return tipsOf(mainCheckout, readRepoFiles(await commonGitDir(mainCheckout), processEnv()), branches);
}

/** The commit the main checkout's HEAD is at (null on an unborn branch), from git's files where they can be read. */
export async function mainCheckoutHead(mainCheckout: string): Promise<string | null> {
  const repo = readRepoFiles(await commonGitDir(mainCheckout), processEnv());
  const head = repo && repo.mainCheckout === mainCheckout ? readHead(repo.commonDir, repo) : undefined;
  return head ? head.commit : resolveCommit(mainCheckout, 'HEAD');
}
