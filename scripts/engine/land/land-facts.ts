/**
 * What `session land` reads before it changes anything, and again before each landing: each
 * queued session's worktree and branch, where each base is checked out, the predictions of
 * every session on a base against it, and the main checkout's state. Read-only.
 */
import { existsSync } from 'node:fs';
import { sessionsDirInsideRepo } from '../../core/config.js';
import { classifyBaseCheckout } from '../../core/end-plan.js';
import type { BaseHolder, LandSessionFacts } from '../../core/land-plan.js';
import type { SessionEntry } from '../../core/manifest-types.js';
import type { PredictedPair } from '../../core/overlap.js';
import { predictPairs } from '../pair-predictions.js';
import { formatStatusEntry, isTrackedChange, sessionWork } from '../../core/status-porcelain.js';
import { shortBranch, type WorktreeRecord } from '../../core/worktree-list.js';
import { limiter, type Limit } from '../../lib/limit.js';
import { ownFilesOf, worktreePathOf, type Project } from '../../store/project.js';
import { aheadBehind, isAncestor } from '../../git/branches.js';
import { readStatus } from '../../git/changes.js';
import { checkoutBusy, heldBranches } from '../../git/checkout-state.js';
import { addedPathsInTheWay, changedFilesSinceFork, treeDiffPaths } from '../../git/compare.js';
import { mergeTreeSupported, predictMerge, type MergePrediction } from '../../git/merge.js';
import { resolveCommit } from '../../git/repo.js';

export interface QueuedSession {
  entry: SessionEntry;
  facts: LandSessionFacts;
  worktree: string;
  /** The branch tip as read before anything changed. */
  tip: string | null;
  changedFiles: string[];
}

/** A session's worktree, branch and prediction against its base, for the checks before the run. */
export async function gatherQueuedSession(
  project: Project,
  entry: SessionEntry,
  worktrees: readonly WorktreeRecord[],
  baseTip: string | null,
  limit: Limit,
): Promise<QueuedSession> {
  const main = project.mainCheckout;
  const worktree = worktreePathOf(project, entry);
  const record = worktrees.find((w) => w.path === worktree) ?? null;
  const exists = record !== null && !record.prunable && existsSync(worktree);
  const [tip, status] = await Promise.all([
    limit(() => resolveCommit(main, `refs/heads/${entry.branch}`)),
    exists ? limit(() => readStatus(worktree, { hidden: true })) : Promise.resolve([]),
  ]);
  const canPredict = await mergeTreeSupported(main);
  const merged = tip && baseTip ? await limit(() => isAncestor(main, tip, baseTip)) : false;
  const sessionsDirInRepo = sessionsDirInsideRepo(main, project.sessionsDir);
  // The merged tree is needed here only to see whether it changes files below a sessions folder inside the repository.
  const [busy, prediction, changedFiles] = await Promise.all([
    exists ? checkoutBusy(worktree, status) : Promise.resolve(null),
    tip && baseTip && canPredict && !merged && sessionsDirInRepo
      ? limit(() => predictMerge(main, baseTip, tip))
      : Promise.resolve(null),
    tip && baseTip && !merged ? limit(() => changedFilesSinceFork(main, baseTip, tip)) : Promise.resolve([]),
  ]);
  const sessionsPaths =
    sessionsDirInRepo && baseTip && prediction
      ? await limit(() => treeDiffPaths(main, baseTip, prediction.tree, { below: sessionsDirInRepo }))
      : [];
  const branchRef = `refs/heads/${entry.branch}`;
  return {
    entry,
    worktree,
    tip,
    changedFiles,
    facts: {
      id: entry.id,
      name: entry.id,
      goals: entry.goals,
      status: entry.status,
      branch: entry.branch,
      worktreePath: worktree,
      worktreeExists: exists,
      worktreeLocked: record?.locked ?? false,
      worktreeBranch: shortBranch(record?.branch ?? null),
      tip,
      work: sessionWork(status, ownFilesOf(entry, worktree)),
      worktreeBusy: busy,
      branchHeldBy: heldBranches(worktrees)
        .filter((held) => held.branch === branchRef && held.path !== worktree)
        .map((held) => held.path),
      baseBranch: entry.base.branch,
      baseTip,
      cannotPredict: !canPredict && tip !== null && baseTip !== null && !merged,
      sessionsPaths,
      sessionsDirInRepo,
    },
  };
}

/** Where `base` is checked out, and whether git is busy there when it is the main checkout. */
export async function gatherBaseHolder(
  project: Project,
  worktrees: readonly WorktreeRecord[],
  base: string,
): Promise<BaseHolder> {
  const checkout = classifyBaseCheckout(heldBranches(worktrees), base);
  if (checkout.where === 'other') return { base, where: 'other', path: checkout.path, busy: null };
  if (checkout.where === 'nowhere') return { base, where: 'nowhere', path: null, busy: null };
  const main = project.mainCheckout;
  return { base, where: 'main', path: main, busy: await checkoutBusy(main, await readStatus(main)) };
}

/** The main checkout, right before a landing moves the base it has checked out. */
export async function gatherMainCheckout(
  project: Project,
  from: string,
  to: string,
): Promise<{ dirty: string[]; inTheWay: string[]; busy: Awaited<ReturnType<typeof checkoutBusy>> }> {
  const main = project.mainCheckout;
  const [status, added] = await Promise.all([readStatus(main, { hidden: true }), addedPathsInTheWay(main, from, to)]);
  return {
    dirty: status.filter(isTrackedChange).map(formatStatusEntry),
    inTheWay: added.inTheWay,
    busy: await checkoutBusy(main, status),
  };
}

export interface Prediction {
  clean: boolean;
  conflicts: string[];
  /** The merged tree, when there is something to merge and it is clean. */
  tree: string | null;
  /** Every commit of the session is in the base already. */
  inBase: boolean;
  /** Commits of the session the base lacks: a landing adds them and its merge commit. */
  ahead: number;
  /** Commits of the base the session lacks. */
  behind: number;
}

/**
 * Predicts merging `tip` into the base at `baseTip`: nothing to merge, clean (with the tree), or
 * conflicting; with how far behind the base the session is. One rev-list, and merge-tree only
 * when there is something to merge.
 */
export async function predictLanding(main: string, baseTip: string, tip: string, limit: Limit): Promise<Prediction> {
  const { ahead, behind } = await limit(() => aheadBehind(main, tip, baseTip));
  if (ahead === 0) return { clean: true, conflicts: [], tree: null, inBase: true, ahead, behind };
  const prediction: MergePrediction | null = await limit(() => predictMerge(main, baseTip, tip));
  if (!prediction) return { clean: false, conflicts: [], tree: null, inBase: false, ahead, behind };
  return {
    clean: prediction.clean,
    conflicts: prediction.conflicts,
    tree: prediction.clean ? prediction.tree : null,
    inBase: false,
    ahead,
    behind,
  };
}

/** Predictions between every pair of queued sessions whose committed changes can meet (engine/pair-predictions.ts); the rest cannot conflict. */
export function predictQueuePairs(
  main: string,
  queue: readonly QueuedSession[],
  limit: Limit = limiter(),
): Promise<PredictedPair[]> {
  return predictPairs(
    main,
    queue.map((item) => ({ id: item.entry.id, committed: item.changedFiles, uncommitted: [] })),
    new Map(queue.map((item) => [item.entry.id, item.tip])),
    limit,
  );
}

/** Whether the session's branch holds `commit` (it caught up with the base as it was then). */
export async function holds(main: string, tip: string, commit: string, limit: Limit): Promise<boolean> {
  return limit(() => isAncestor(main, commit, tip));
}
