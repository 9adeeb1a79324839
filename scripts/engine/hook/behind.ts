/**
 * How far a session's branch is behind its base, for the SessionStart hook: kept under both
 * tips (store/comparison-cache.ts, shared with status), so that only a start after one of them
 * moved asks git.
 */
import { aheadBehind } from '../../git/branches.js';
import type { RepoFiles } from '../../git/repo-files.js';
import type { ComparisonCache } from '../../store/comparison-cache.js';
import { tipsOf } from '../../git/branch-tips.js';

/** Commits of `base` that `branch` lacks; null when either branch is missing. What git is asked goes into `comparisons`. */
export async function behindCount(
  mainCheckout: string,
  repo: RepoFiles | null,
  comparisons: ComparisonCache,
  branch: string,
  base: string,
): Promise<number | null> {
  const tips = await tipsOf(mainCheckout, repo, [branch, base]);
  const tip = tips.get(branch);
  const baseTip = tips.get(base);
  if (!tip || !baseTip) return null;
  const known = comparisons.get(baseTip, tip).counts;
  if (known) return known.behind;
  const counts = await aheadBehind(mainCheckout, tip, baseTip);
  comparisons.learn(baseTip, tip, { counts });
  return counts.behind;
}
