/**
 * merge: the session branch goes into its base with a merge commit, in the main checkout when
 * the base is checked out there, else by moving the base ref alone. Merges of concurrent ends
 * are serialised by a lock and re-predicted under it, since each one moves the base.
 */
import { RefusalError } from '../lib/errors.js';
import { classifyBaseCheckout, mergeConflictRefusal, mergeMessage } from '../core/end-plan.js';
import { isTrackedChange } from '../core/status-porcelain.js';
import { resolveCommit } from '../git/repo.js';
import { listWorktrees } from '../git/worktrees.js';
import { readStatus } from '../git/changes.js';
import { deleteBranchIfAt, isAncestor } from '../git/branches.js';
import { mergeInCheckout, mergeWithoutCheckout, requireMergePrediction } from '../git/merge.js';
import { removeCleanWorktree, short, step, type EndRun } from './end-run.js';
import { withMergeLock } from '../store/merge-lock.js';
import { commandLine } from '../lib/shell-words.js';

export async function endByMerge(run: EndRun): Promise<void> {
  await withMergeLock(run.project.mainCheckout, () => mergeIntoBase(run));
  await removeCleanWorktree(run);
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
  run.guard.check();
  const message = mergeMessage(id, run.entry.goals);
  const checkout = classifyBaseCheckout(await listWorktrees(main), base);
  if (checkout.where === 'other') {
    throw new RefusalError('base-checked-out-elsewhere', `The base branch ${base} was just checked out in ${checkout.path}.`, `Merge from there (${commandLine(['cd', checkout.path])} && git merge --no-ff ${branch}), or run the same command again once it is switched away.`);
  }
  if (checkout.where === 'nowhere') {
    const commit = await mergeWithoutCheckout(main, base, baseTip, run.tip, prediction.tree, message);
    run.merge = { commit, how: 'ref-only' };
    run.committedTo.push(`merged into ${base} as ${short(commit)}`);
    step(run, 'merge', `Merged ${branch} into ${base} as ${short(commit)} ("${message}"), without touching any checkout since ${base} is checked out nowhere`);
    return;
  }
  const [head, status] = await Promise.all([resolveCommit(main, 'HEAD'), readStatus(main)]);
  const dirty = status.filter(isTrackedChange);
  if (head !== baseTip || dirty.length > 0) {
    throw new RefusalError('main-changed', `The main checkout ${main} changed while ending (new commits or uncommitted changes on ${base}).`, 'Let the other process finish, then run the same command again.');
  }
  const commit = await mergeInCheckout(main, run.tip, message);
  run.merge = { commit, how: 'main-checkout' };
  run.committedTo.push(`merged into ${base} as ${short(commit)}`);
  step(run, 'merge', `Merged ${branch} into ${base} in the main checkout as ${short(commit)} ("${message}")`);
}

/** Deletes the branch only when its tip is provably in the base, and only if it still points there. */
async function deleteMergedBranch(run: EndRun): Promise<void> {
  const main = run.project.mainCheckout;
  const { branch } = run.entry;
  const base = run.facts.baseBranch;
  const merged = await isAncestor(main, run.tip, `refs/heads/${base}`);
  if (merged && (await deleteBranchIfAt(main, branch, run.tip))) {
    run.branchDeleted = true;
    step(run, 'delete-branch', `Deleted the branch ${branch}; its tip ${short(run.tip)} is in ${base}`);
    return;
  }
  run.warnings.push(`Kept the branch ${branch}: ${merged ? 'it moved while ending' : `its tip is not in ${base}`}. Delete it once it is safe: git branch -d ${branch}`);
}
