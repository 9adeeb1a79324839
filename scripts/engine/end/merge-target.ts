/**
 * What a merge of a session into its base would do to the checkouts: where the base is held,
 * whether git is busy there, which untracked or ignored files the merge would write over, and
 * which paths below an in-repository sessions folder it would change. Read-only; gathered
 * before an end changes anything, and again under the merge lock just before the merge.
 */
import type { Busy } from '../../core/busy.js';
import { sessionsDirInsideRepo } from '../../core/config.js';
import { classifyBaseCheckout, type BaseCheckout } from '../../core/end-plan.js';
import { formatStatusEntry, isTrackedChange, type StatusEntry } from '../../core/status-porcelain.js';
import type { WorktreeRecord } from '../../core/worktree-list.js';
import type { Project } from '../../store/project.js';
import { readStatus } from '../../git/changes.js';
import { checkoutBusy, heldBranches } from '../../git/checkout-state.js';
import { addedPathsInTheWay, treeDiffPaths } from '../../git/compare.js';

export interface MergeTarget {
  checkout: BaseCheckout;
  mainBusy: Busy | null;
  mainDirty: string[];
  /** The paths the merge adds, when the base is checked out in the main checkout and the merge was predicted; else null. */
  added: string[] | null;
  overwrites: string[];
  sessionsPaths: string[];
  sessionsDirInRepo: string | null;
}

export async function gatherMergeTarget(
  project: Project,
  worktrees: readonly WorktreeRecord[],
  baseBranch: string,
  baseTip: string | null,
  /** The merged tree merge-tree predicted; null when not predicted. */
  mergedTree: string | null,
  /**
   * What the tree comparisons found for this very base tip and merged tree before (the facts, read earlier): they
   * compare two fixed objects, so they are not asked of git again. The checkouts are always looked at afresh.
   */
  known?: { added: string[] | null; sessionsPaths: string[] },
  /** The main checkout's status, begun earlier and decided on these very worktrees (baseCheckoutStatusBeforeList). */
  statusRead?: Promise<StatusEntry[] | null>,
): Promise<MergeTarget> {
  const main = project.mainCheckout;
  const checkout = classifyBaseCheckout(heldBranches(worktrees), baseBranch);
  const sessionsDirInRepo = sessionsDirInsideRepo(main, project.sessionsDir);
  const canDiff = baseTip !== null && mergedTree !== null;
  const [status, adds, sessionsPaths] = await Promise.all([
    statusRead ?? baseCheckoutStatus(project, worktrees, baseBranch),
    checkout.where === 'main' && canDiff
      ? addedPathsInTheWay(main, baseTip, mergedTree, known?.added)
      : Promise.resolve(null),
    sessionsDirInRepo && canDiff
      ? (known?.sessionsPaths ?? treeDiffPaths(main, baseTip, mergedTree, { below: sessionsDirInRepo }))
      : Promise.resolve([]),
  ]);
  return {
    checkout,
    mainBusy: status ? await checkoutBusy(main, status) : null,
    mainDirty: status ? status.filter(isTrackedChange).map(formatStatusEntry) : [],
    added: adds?.added ?? null,
    overwrites: adds?.inTheWay ?? [],
    sessionsPaths,
    sessionsDirInRepo,
  };
}

/**
 * The main checkout's status when the base is checked out there (else null), with the changes git status cannot
 * show: a merge's abort would reset a file marked assume-unchanged. It needs only the worktrees, so an end holding
 * the merge lock reads it beside the branch comparison rather than after it.
 */
export function baseCheckoutStatus(
  project: Project,
  worktrees: readonly WorktreeRecord[],
  baseBranch: string,
): Promise<StatusEntry[] | null> {
  return baseHeldInMain(worktrees, baseBranch)
    ? readStatus(project.mainCheckout, { hidden: true })
    : Promise.resolve(null);
}

const baseHeldInMain = (worktrees: readonly WorktreeRecord[], baseBranch: string) =>
  classifyBaseCheckout(heldBranches(worktrees), baseBranch).where === 'main';

/**
 * baseCheckoutStatus for the worktree list `listed` will give, begun at once on the strength of an earlier listing
 * (`expected`): the main checkout's status, begun before the fresh list is in, is what is used when that list too
 * has the base held there. The caller holds the merge lock, so either read is one taken under it.
 */
export function baseCheckoutStatusBeforeList(
  project: Project,
  expected: readonly WorktreeRecord[],
  listed: Promise<readonly WorktreeRecord[]>,
  baseBranch: string,
): Promise<StatusEntry[] | null> {
  const early = baseCheckoutStatus(project, expected, baseBranch);
  early.catch(() => undefined);
  return listed.then((worktrees) =>
    baseHeldInMain(worktrees, baseBranch) && baseHeldInMain(expected, baseBranch)
      ? early
      : baseCheckoutStatus(project, worktrees, baseBranch),
  );
}
