/**
 * How far a session's branch is behind its base, for the SessionStart hook: cached under both
 * tips (store/hook-cache.ts), so that only a start after one of them moved asks git.
 */
import { aheadBehind } from '../../git/branches.js';
import type { RepoFiles } from '../../git/repo-files.js';
import type { HookCache } from '../../store/hook-cache.js';
import { tipsOf } from './branch-tips.js';

/** Commits of `base` that `branch` lacks; null when either branch is missing. What git is asked goes into `cache`. */
export async function behindCount(
  mainCheckout: string,
  repo: RepoFiles | null,
  cache: HookCache,
  branch: string,
  base: string,
): Promise<number | null> {
  const tips = await tipsOf(mainCheckout, repo, [branch, base]);
  const tip = tips.get(branch);
  const baseTip = tips.get(base);
  if (!tip || !baseTip) return null;
  const key = `${tip} ${baseTip}`;
  const known = cache.get('behind', key);
  if (known !== undefined) return known;
  const { behind } = await aheadBehind(mainCheckout, tip, baseTip);
  cache.set('behind', key, behind);
  return behind;
}
