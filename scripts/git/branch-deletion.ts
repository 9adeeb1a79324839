/**
 * The one way a session branch is deleted: only while its tip is the one the caller saw, every
 * commit of it is in the base, and no checkout holds it (checked out, or being rebased or
 * bisected), by compare-and-delete, so a commit made a moment ago is never lost.
 */
import { shortSha } from '../core/format.js';
import { deleteBranchIfAt, isAncestor } from './branches.js';
import { heldBranches } from './checkout-state.js';
import { branchCommits } from './branch-tips.js';
import { listWorktrees } from './worktrees.js';

export type BranchDeletion = { deleted: true } | { deleted: false; gone: boolean; why: string };

export async function deleteBranchIfMerged(
  mainCheckout: string,
  branch: string,
  tip: string,
  base: string,
): Promise<BranchDeletion> {
  const [current, merged, worktrees] = await Promise.all([
    branchCommits(mainCheckout, [branch]).then((tips) => tips.get(branch) ?? null),
    isAncestor(mainCheckout, tip, base),
    listWorktrees(mainCheckout),
  ]);
  if (current === null) return { deleted: false, gone: true, why: 'it was already gone' };
  if (current !== tip) return { deleted: false, gone: false, why: `it moved to ${shortSha(current)}` };
  if (!merged) return { deleted: false, gone: false, why: 'it holds commits its base lacks' };
  const holder = heldBranches(worktrees).find((held) => held.branch === `refs/heads/${branch}`);
  if (holder) return { deleted: false, gone: false, why: `it is checked out in ${holder.path}` };
  if (!(await deleteBranchIfAt(mainCheckout, branch, tip)))
    return { deleted: false, gone: false, why: 'it changed while being deleted' };
  return { deleted: true };
}
