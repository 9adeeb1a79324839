/**
 * merge: the session branch goes into its base with a merge commit, in the main checkout when
 * the base is held there, else by moving the base ref alone. Merges of concurrent ends are
 * serialised by the merge lock, which records the merge while it runs, and everything is
 * checked again under it, since each merge moves the base.
 */
import { RefusalError } from '../../lib/errors.js';
import { commandLine } from '../../lib/shell-words.js';
import { busyRefusal } from '../../core/busy.js';
import { mergeConflictRefusal, mergeMessage, overwriteRefusal, sessionsPathsRefusal } from '../../core/end-plan.js';
import { withMergeLock } from '../../store/merge-lock.js';
import { resolveCommit } from '../../git/repo.js';
import { listWorktrees } from '../../git/worktrees.js';
import { isAncestor } from '../../git/branches.js';
import { deleteBranchIfMerged } from '../../git/branch-deletion.js';
import { mergeInCheckout, mergeWithoutCheckout, requireMergePrediction, type MergePrediction } from '../../git/merge.js';
import { gatherMergeTarget, type MergeTarget } from './merge-target.js';
import { removeSessionWorktreeOf, savedRefBase, short, step, type EndRun } from './end-run.js';

/** `claimChecked`: the look at the worktree after the session was claimed, which must pass before anything is merged. */
export async function endByMerge(run: EndRun, claimChecked: Promise<void>): Promise<void> {
  const main = run.project.mainCheckout;
  await withMergeLock(main, () => mergeIntoBase(run, claimChecked), { kind: 'merge', checkout: main, theirs: run.tip });
  await removeSessionWorktreeOf(run, 'clean', savedRefBase(run));
  await deleteMergedBranch(run);
}

interface UnderLock {
  /** Every commit of the session is in the base already. */
  merged: boolean;
  prediction?: MergePrediction;
  target?: MergeTarget;
}

async function mergeIntoBase(run: EndRun, claimChecked: Promise<void>): Promise<void> {
  const main = run.project.mainCheckout;
  const { baseBranch: base } = run.facts;
  const { branch, id } = run.entry;
  const [baseTip, worktrees, head] = await Promise.all([resolveCommit(main, `refs/heads/${base}`), listWorktrees(main), resolveCommit(main, 'HEAD')]);
  // The base read again under the lock: when it and the session's tip are the commits the facts compared, whether
  // the base holds every commit, the prediction and the paths it adds are what the facts found (each a function of
  // those two commits alone), so they are not asked again. The checkouts are looked at afresh.
  const { facts } = run;
  const unchanged = baseTip !== null && baseTip === facts.baseTip && run.tip === facts.tip && facts.prediction !== null && facts.sessionCommits !== null;
  const gather = async (): Promise<UnderLock | null> => {
    if (!baseTip) return null;
    const merged = unchanged ? facts.sessionCommits === 0 : await isAncestor(main, run.tip, baseTip);
    if (merged) return { merged };
    const prediction = unchanged ? facts.prediction! : await requireMergePrediction(main, baseTip, run.tip);
    if (!prediction.clean) return { merged, prediction };
    const known = unchanged ? { added: facts.mergeAdds, sessionsPaths: facts.sessionsPaths } : undefined;
    return { merged, prediction, target: await gatherMergeTarget(run.project, worktrees, base, baseTip, prediction.tree, known) };
  };
  // Whatever was read, the session's uncommitted work refuses first, as it always did.
  const gathered = await gather().catch(async (error: unknown) => {
    await claimChecked;
    throw error;
  });
  await claimChecked;
  if (!gathered) throw new RefusalError('base-missing', `The base branch ${base} disappeared, so there is nothing to merge into.`, `Recreate it, or end with --strategy pr or keep.`);
  if (gathered.merged) {
    run.merge = { commit: null, how: 'already-merged' };
    step(run, 'merge', `Nothing to merge: every commit of ${branch} is already in ${base}`);
    return;
  }
  const prediction = gathered.prediction!;
  if (!prediction.clean) throw mergeConflictRefusal(id, base, run.worktreePath, prediction.conflicts);
  const target = gathered.target!;
  if (target.sessionsPaths.length > 0) throw sessionsPathsRefusal(branch, target.sessionsDirInRepo!, target.sessionsPaths);
  run.guard.check();
  const message = mergeMessage(id, run.entry.goals);
  if (target.checkout.where === 'other') {
    throw new RefusalError('base-checked-out-elsewhere', `The base branch ${base} was just checked out in ${target.checkout.path}.`, `Merge from there (${commandLine(['git', '-C', target.checkout.path, 'merge', '--no-ff', branch])}), or run the same command again once it is switched away.`);
  }
  if (target.checkout.where === 'nowhere') {
    const commit = await mergeWithoutCheckout(main, base, baseTip!, run.tip, prediction.tree, message);
    run.merge = { commit, how: 'ref-only' };
    run.committedTo.push(`merged into ${base} as ${short(commit)}`);
    step(run, 'merge', `Merged ${branch} into ${base} as ${short(commit)} ("${message}"), without touching any checkout since ${base} is checked out nowhere`);
    return;
  }
  if (target.mainBusy) throw busyRefusal(target.mainBusy, 'the main checkout, where the merge would run,');
  if (head !== baseTip || target.mainDirty.length > 0) {
    throw new RefusalError('main-changed', `The main checkout ${main} changed while ending (new commits or uncommitted changes on ${base}); nothing was merged.`, 'Let the other process finish, then run the same command again.');
  }
  if (target.overwrites.length > 0) throw overwriteRefusal(branch, main, target.overwrites);
  const commit = await mergeInCheckout(main, baseTip!, run.tip, message);
  run.merge = { commit, how: 'main-checkout' };
  run.committedTo.push(`merged into ${base} as ${short(commit)}`);
  step(run, 'merge', `Merged ${branch} into ${base} in the main checkout as ${short(commit)} ("${message}")`);
}

/** Deletes the branch the one way (git/branch-deletion.ts); otherwise keeps it and says why. */
async function deleteMergedBranch(run: EndRun): Promise<void> {
  const { branch } = run.entry;
  const base = run.facts.baseBranch;
  const outcome = await deleteBranchIfMerged(run.project.mainCheckout, branch, run.tip, `refs/heads/${base}`);
  if (outcome.deleted) {
    run.branchDeleted = true;
    step(run, 'delete-branch', `Deleted the branch ${branch}; its tip ${short(run.tip)} is in ${base}`);
    return;
  }
  run.warnings.push(`Kept the branch ${branch}: ${outcome.why}. Delete it once it is safe: ${commandLine(['git', 'branch', '-d', branch])}`);
}
