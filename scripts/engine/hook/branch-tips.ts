/**
 * Branch tips for the hooks: from the ref files when the repository's files could be read,
 * else (or when one of them cannot be read that way) from one `git for-each-ref` for them all.
 */
import { branchTips } from '../../git/branches.js';
import type { RepoFiles } from '../../git/repo-files.js';

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
