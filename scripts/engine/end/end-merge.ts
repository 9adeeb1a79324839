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
import {
  MERGE_TREE_UNSUPPORTED,
  mergeInCheckout,
  mergeWithoutCheckout,
  requireMergePrediction,
  type MergePrediction,
} from '../../git/merge.js';
import { updateLockPurpose, type HeldLock } from '../../lib/lock.js';
import { gatherMergeTarget, type MergeTarget } from './merge-target.js';
import { removalSpecOf, removeSessionWorktreeOf, savedRefBase, short, step, type EndRun } from './end-run.js';
import { putBack, takeRemovalStock, type RemovalStock } from '../worktree-removal.js';

/**
 * After --rebase (the session's tip moved since the facts): the merge lock is taken now, and the base read again
 * under it before the merge.
 */
export async function endByMerge(run: EndRun): Promise<void> {
  const main = run.project.mainCheckout;
  await withMergeLock(main, async () => mergeIntoBase(run, await readAgainUnderLock(run)), {
    kind: 'merge',
    checkout: main,
    theirs: run.tip,
  });
  await finishMerge(run);
}

/**
 * Without --rebase, the end holds the merge lock from before its facts were read (engine/end/end-session.ts): the
 * merge is decided on those facts, read under this very hold, and the lock now says what it is doing.
 */
export async function mergeOnFacts(run: EndRun, lock: HeldLock): Promise<void> {
  const { facts } = run;
  updateLockPurpose(lock, { kind: 'merge', checkout: run.project.mainCheckout, theirs: run.tip });
  const read: UnderLock | null =
    facts.baseTip === null
      ? null
      : {
          baseTip: facts.baseTip,
          head: facts.mainHead,
          merged: facts.sessionCommits === 0,
          ...(facts.prediction ? { prediction: facts.prediction } : {}),
          target: {
            checkout: facts.baseCheckout,
            mainBusy: facts.mainBusy,
            mainDirty: facts.mainDirty,
            added: facts.mergeAdds,
            overwrites: facts.overwrites,
            sessionsPaths: facts.sessionsPaths,
            sessionsDirInRepo: facts.sessionsDirInRepo,
          },
        };
  await mergeIntoBase(run, read);
}

/** After the merge: the worktree removed the one safe way (from the stock taken meanwhile, if one was), then the branch deleted if it is safe to. */
export async function finishMerge(run: EndRun, stock?: RemovalStock): Promise<void> {
  await removeSessionWorktreeOf(run, 'clean', savedRefBase(run), stock);
  await deleteMergedBranch(run);
}

/**
 * The first two steps of the removal (the worktree moved aside, its stock taken), run while the merge runs in
 * the main checkout: they touch only the session's worktree and git's record of it, and save and remove
 * nothing. The merge is not held up by them; if it does not happen, the worktree is put back.
 */
export async function mergeBesideStock(
  run: EndRun,
  merge: () => Promise<void>,
): Promise<{ stock: Promise<RemovalStock> }> {
  const stock = takeRemovalStock(removalSpecOf(run, 'clean', savedRefBase(run)));
  stock.catch(() => undefined);
  try {
    await merge();
  } catch (error) {
    await stock.then(putBack, () => undefined).catch(() => undefined);
    throw error;
  }
  return { stock };
}

/** What the merge is decided on, read under the merge lock. */
interface UnderLock {
  baseTip: string;
  /** The main checkout's HEAD. */
  head: string | null;
  /** Every commit of the session is in the base already. */
  merged: boolean;
  prediction?: MergePrediction;
  target?: MergeTarget;
}

async function readAgainUnderLock(run: EndRun): Promise<UnderLock | null> {
  const main = run.project.mainCheckout;
  const base = run.facts.baseBranch;
  const [baseTip, worktrees, head] = await Promise.all([
    resolveCommit(main, `refs/heads/${base}`),
    listWorktrees(main),
    resolveCommit(main, 'HEAD'),
  ]);
  if (!baseTip) return null;
  // When the base and the session's tip are the commits the facts compared, whether the base holds every commit,
  // the prediction and the paths it adds are what the facts found (each a function of those two commits alone),
  // so they are not asked again. The checkouts are looked at afresh.
  const { facts } = run;
  const unchanged =
    baseTip === facts.baseTip && run.tip === facts.tip && facts.prediction !== null && facts.sessionCommits !== null;
  const merged = unchanged ? facts.sessionCommits === 0 : await isAncestor(main, run.tip, baseTip);
  if (merged) return { baseTip, head, merged };
  const prediction = unchanged ? facts.prediction! : await requireMergePrediction(main, baseTip, run.tip);
  if (!prediction.clean) return { baseTip, head, merged, prediction };
  const known = unchanged ? { added: facts.mergeAdds, sessionsPaths: facts.sessionsPaths } : undefined;
  return {
    baseTip,
    head,
    merged,
    prediction,
    target: await gatherMergeTarget(run.project, worktrees, base, baseTip, prediction.tree, known),
  };
}

async function mergeIntoBase(run: EndRun, read: UnderLock | null): Promise<void> {
  const main = run.project.mainCheckout;
  const { baseBranch: base } = run.facts;
  const { branch, id } = run.entry;
  if (!read)
    throw new RefusalError(
      'base-missing',
      `The base branch ${base} disappeared, so there is nothing to merge into.`,
      `Recreate it, or end with --strategy pr or keep.`,
    );
  const { baseTip, head } = read;
  if (read.merged) {
    run.merge = { commit: null, how: 'already-merged' };
    step(run, 'merge', `Nothing to merge: every commit of ${branch} is already in ${base}`);
    return;
  }
  const prediction = read.prediction;
  if (!prediction)
    throw new RefusalError(
      'git-too-old',
      `This needs git 2.38 or newer: ${MERGE_TREE_UNSUPPORTED}.`,
      'Upgrade git, or merge by hand in the main checkout.',
    );
  if (!prediction.clean) throw mergeConflictRefusal(id, base, run.worktreePath, prediction.conflicts);
  const target = read.target!;
  if (target.sessionsPaths.length > 0)
    throw sessionsPathsRefusal(branch, target.sessionsDirInRepo!, target.sessionsPaths);
  run.guard.check();
  const message = mergeMessage(id, run.entry.goals);
  if (target.checkout.where === 'other') {
    throw new RefusalError(
      'base-checked-out-elsewhere',
      `The base branch ${base} was just checked out in ${target.checkout.path}.`,
      `Merge from there (${commandLine(['git', '-C', target.checkout.path, 'merge', '--no-ff', branch])}), or run the same command again once it is switched away.`,
    );
  }
  if (target.checkout.where === 'nowhere') {
    const commit = await mergeWithoutCheckout(main, base, baseTip, run.tip, prediction.tree, message);
    run.merge = { commit, how: 'ref-only' };
    run.committedTo.push(`merged into ${base} as ${short(commit)}`);
    step(
      run,
      'merge',
      `Merged ${branch} into ${base} as ${short(commit)} ("${message}"), without touching any checkout since ${base} is checked out nowhere`,
    );
    return;
  }
  if (target.mainBusy) throw busyRefusal(target.mainBusy, 'the main checkout, where the merge would run,');
  if (head !== baseTip || target.mainDirty.length > 0) {
    throw new RefusalError(
      'main-changed',
      `The main checkout ${main} changed while ending (new commits or uncommitted changes on ${base}); nothing was merged.`,
      'Let the other process finish, then run the same command again.',
    );
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
  run.warnings.push(
    `Kept the branch ${branch}: ${outcome.why}. Delete it once it is safe: ${commandLine(['git', 'branch', '-d', branch])}`,
  );
}
