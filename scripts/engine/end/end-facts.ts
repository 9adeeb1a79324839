/** Everything `session end` needs to know before it changes anything; read-only. */
import { existsSync } from 'node:fs';
import type { EndFacts, EndOptions } from '../../core/end-plan.js';
import { sessionWork } from '../../core/status-porcelain.js';
import { shortBranch } from '../../core/worktree-list.js';
import type { SessionEntry } from '../../core/manifest-types.js';
import { ownFilesOf, worktreePathOf, type Project } from '../../store/project.js';
import { withMergeLock } from '../../store/merge-lock.js';
import { aheadBehind, commitOnlyHeadHolds } from '../../git/branches.js';
import { branchCommits } from '../../git/branch-tips.js';
import { readStatus } from '../../git/changes.js';
import { checkoutBusy, heldBranches } from '../../git/checkout-state.js';
import { listRemotes } from '../../git/remote.js';
import { predictMerge, requireMergePrediction } from '../../git/merge.js';
import { incomingInTheWay } from '../../git/integrate.js';
import { listWorktrees } from '../../git/worktrees.js';
import { baseCheckoutStatusBeforeList, gatherMergeTarget } from './merge-target.js';

/** Commits in `to` that `from` lacks; null when git cannot tell (e.g. the start commit was pruned). */
async function gained(cwd: string, from: string, to: string): Promise<number | null> {
  // A base that has not moved gained nothing: no need to ask git.
  if (from === to) return 0;
  try {
    return (await aheadBehind(cwd, from, to)).behind;
  } catch {
    return null;
  }
}

/**
 * `mergeLockHeld`: the caller holds the merge lock for the whole end (a merge without --rebase), so the merge is
 * decided on these very facts: the worktree list is then read afresh beside the tips, and the merge target is
 * read without taking the lock again.
 */
export async function gatherEndFacts(
  project: Project,
  entry: SessionEntry,
  options: EndOptions,
  { mergeLockHeld = false }: { mergeLockHeld?: boolean } = {},
): Promise<EndFacts> {
  const main = project.mainCheckout;
  const stored = worktreePathOf(project, entry);
  const record = project.worktrees.find((w) => w.path === stored) ?? null;
  // Where the base and the session branch are checked out: as findProject listed them, or afresh under the lock.
  const listed = mergeLockHeld ? listWorktrees(main) : Promise.resolve(project.worktrees);
  const worktreePath = stored;
  const worktreeExists = record !== null && !record.prunable && existsSync(worktreePath);
  const baseBranch = entry.base.branch;
  const bringsIntoBase = options.strategy === 'merge' || options.strategy === 'pr';
  // Only a strategy that pushes needs the remotes.
  const pushes = options.strategy === 'pr' || (options.strategy === 'keep' && options.remoteGiven);
  const predict = options.strategy === 'merge' ? requireMergePrediction : predictMerge;
  // Under the lock held, the main checkout's status is read beside the comparison, begun as findProject listed the
  // worktrees and checked against the fresh list.
  const mainStatus =
    mergeLockHeld && bringsIntoBase
      ? baseCheckoutStatusBeforeList(project, project.worktrees, listed, baseBranch)
      : undefined;
  mainStatus?.catch(() => undefined);
  // Two chains at once: the worktree's own status (the longest single read), and the branches, their
  // comparison and what a merge would do, which the two tips (from the ref files, else one for-each-ref) start.
  const [worktree, branches, remotes, worktrees] = await Promise.all([
    (async () => {
      const [status, unheldHead] = await Promise.all([
        worktreeExists ? readStatus(worktreePath, { hidden: true }) : Promise.resolve([]),
        // Only a detached HEAD can hold commits no ref does.
        worktreeExists && record && !record.branch ? commitOnlyHeadHolds(worktreePath) : Promise.resolve(null),
      ]);
      return { status, unheldHead, busy: worktreeExists ? await checkoutBusy(worktreePath, status) : null };
    })(),
    (async () => {
      // From the ref files where they can be read: the comparison and the prediction wait on these two commits.
      const tips = await branchCommits(main, [entry.branch, baseBranch]);
      const tip = tips.get(entry.branch) ?? null;
      const baseTip = tips.get(baseBranch) ?? null;
      const compare = tip !== null && baseTip !== null;
      const [baseGained, sessionCommits, prediction, rebaseOverwrites] = await Promise.all([
        baseTip ? gained(main, entry.base.commit, baseTip) : Promise.resolve(null),
        compare ? gained(main, baseTip, tip) : Promise.resolve(null),
        compare ? predict(main, baseTip, tip) : Promise.resolve(null),
        // What the rebase would write over in the worktree: the base's new files where the user keeps an ignored .env.
        options.rebase && worktreeExists && compare
          ? incomingInTheWay(worktreePath, tip, baseTip, 'rebase')
          : Promise.resolve([]),
      ]);
      // Under the merge lock: a merge of another session stages files in the main checkout for a moment.
      const worktrees = await listed;
      const readTarget = () =>
        gatherMergeTarget(project, worktrees, baseBranch, baseTip, prediction?.tree ?? null, undefined, mainStatus);
      const target = bringsIntoBase ? await (mergeLockHeld ? readTarget() : withMergeLock(main, readTarget)) : null;
      return { tip, baseTip, baseGained, sessionCommits, prediction, target, rebaseOverwrites };
    })(),
    pushes ? listRemotes(main) : Promise.resolve([]),
    listed,
  ]);
  const { status, busy: worktreeBusy } = worktree;
  const { tip, baseTip, baseGained, sessionCommits, prediction, target, rebaseOverwrites } = branches;
  const branchRef = `refs/heads/${entry.branch}`;
  const branchHeldBy = heldBranches(worktrees)
    .filter((held) => held.branch === branchRef && held.path !== worktreePath)
    .map((held) => held.path);
  return {
    name: entry.id,
    strategy: options.strategy,
    rebase: options.rebase,
    mainCheckout: main,
    worktreePath,
    worktreeExists,
    worktreeLocked: record?.locked ?? false,
    worktreeBranch: shortBranch(record?.branch ?? null),
    unheldHead: worktree.unheldHead,
    branch: entry.branch,
    tip,
    // keep commits the session log itself (with its merge-pending note), so the log never blocks it.
    work: sessionWork(status, ownFilesOf(entry, worktreePath)).filter(
      (item) => !(options.strategy === 'keep' && item.path === entry.sessionLog),
    ),
    baseBranch,
    baseStart: entry.base.commit,
    baseTip,
    baseGained,
    sessionCommits,
    prediction,
    remotes,
    remote: options.remote,
    remoteGiven: options.remoteGiven,
    baseCheckout: target?.checkout ?? { where: 'nowhere' },
    mainDirty: options.strategy === 'merge' ? (target?.mainDirty ?? []) : [],
    mainHead: worktrees[0]?.head ?? null,
    worktreeBusy,
    mainBusy: options.strategy === 'merge' ? (target?.mainBusy ?? null) : null,
    overwrites: options.strategy === 'merge' ? (target?.overwrites ?? []) : [],
    mergeAdds: target?.added ?? null,
    rebaseOverwrites,
    sessionsPaths: target?.sessionsPaths ?? [],
    sessionsDirInRepo: target?.sessionsDirInRepo ?? null,
    branchHeldBy,
  };
}
