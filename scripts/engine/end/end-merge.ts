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
import { mergeInCheckout, mergeWithoutCheckout, requireMergePrediction } from '../../git/merge.js';
import { gatherMergeTarget } from './merge-target.js';
import { removeSessionWorktreeOf, savedRefBase, short, step, type EndRun } from './end-run.js';

export async function endByMerge(run: EndRun): Promise<void> {
  const main = run.project.mainCheckout;
  await withMergeLock(main, () => mergeIntoBase(run), { kind: 'merge', checkout: main, theirs: run.tip });
  await removeSessionWorktreeOf(run, 'clean', savedRefBase(run));
  await deleteMergedBranch(run);
}

async function mergeIntoBase(run: EndRun): Promise<void> {
  const main = run.project.mainCheckout;
  const { baseBranch: base } = run.facts;
  const { branch, id } = run.entry;
  const baseTip = await resolveCommit(main, `refs/heads/${base}`);
  if (!baseTip) throw new RefusalError('base-missing', `The base branch ${base} disappeared, so there is nothing to merge into.`, `Recreate it, or end with --strategy pr or keep.`);
  if (await isAncestor(main, run.tip, baseTip)) {
    run.merge = { commit: null, how: 'already-merged' };
    step(run, 'merge', `Nothing to merge: every commit of ${branch} is already in ${base}`);
    return;
  }
  const prediction = await requireMergePrediction(main, baseTip, run.tip);
  if (!prediction.clean) throw mergeConflictRefusal(id, base, run.worktreePath, prediction.conflicts);
  const target = await gatherMergeTarget(run.project, await listWorktrees(main), base, baseTip, prediction.tree);
  if (target.sessionsPaths.length > 0) throw sessionsPathsRefusal(branch, target.sessionsDirInRepo!, target.sessionsPaths);
  run.guard.check();
  const message = mergeMessage(id, run.entry.goals);
  if (target.checkout.where === 'other') {
    throw new RefusalError('base-checked-out-elsewhere', `The base branch ${base} was just checked out in ${target.checkout.path}.`, `Merge from there (${commandLine(['git', '-C', target.checkout.path, 'merge', '--no-ff', branch])}), or run the same command again once it is switched away.`);
  }
  if (target.checkout.where === 'nowhere') {
    const commit = await mergeWithoutCheckout(main, base, baseTip, run.tip, prediction.tree, message);
    run.merge = { commit, how: 'ref-only' };
    run.committedTo.push(`merged into ${base} as ${short(commit)}`);
    step(run, 'merge', `Merged ${branch} into ${base} as ${short(commit)} ("${message}"), without touching any checkout since ${base} is checked out nowhere`);
    return;
  }
  if (target.mainBusy) throw busyRefusal(target.mainBusy, 'the main checkout, where the merge would run,');
  const head = await resolveCommit(main, 'HEAD');
  if (head !== baseTip || target.mainDirty.length > 0) {
    throw new RefusalError('main-changed', `The main checkout ${main} changed while ending (new commits or uncommitted changes on ${base}); nothing was merged.`, 'Let the other process finish, then run the same command again.');
  }
  if (target.overwrites.length > 0) throw overwriteRefusal(branch, main, target.overwrites);
  const commit = await mergeInCheckout(main, baseTip, run.tip, message);
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
