/** Everything `session end` needs to know before it changes anything; read-only. */
import { existsSync } from 'node:fs';
import type { EndFacts, EndOptions } from '../../core/end-plan.js';
import { sessionWork } from '../../core/status-porcelain.js';
import { shortBranch } from '../../core/worktree-list.js';
import type { SessionEntry } from '../../core/manifest-types.js';
import { ownFilesOf, worktreePathOf, type Project } from '../../store/project.js';
import { withMergeLock } from '../../store/merge-lock.js';
import { resolveCommit } from '../../git/repo.js';
import { aheadBehind } from '../../git/branches.js';
import { readStatus } from '../../git/changes.js';
import { checkoutBusy, heldBranches } from '../../git/checkout-state.js';
import { listRemotes } from '../../git/remote.js';
import { predictMerge, requireMergePrediction } from '../../git/merge.js';
import { gatherMergeTarget } from './merge-target.js';

/** Commits in `to` that `from` lacks; null when git cannot tell (e.g. the start commit was pruned). */
async function gained(cwd: string, from: string, to: string): Promise<number | null> {
  try {
    return (await aheadBehind(cwd, from, to)).behind;
  } catch {
    return null;
  }
}

export async function gatherEndFacts(project: Project, entry: SessionEntry, options: EndOptions): Promise<EndFacts> {
  const main = project.mainCheckout;
  const stored = worktreePathOf(project, entry);
  const record = project.worktrees.find((w) => w.path === stored) ?? null;
  const worktreePath = stored;
  const worktreeExists = record !== null && !record.prunable && existsSync(worktreePath);
  const baseBranch = entry.base.branch;
  const [tip, baseTip, remotes, status] = await Promise.all([
    resolveCommit(main, `refs/heads/${entry.branch}`),
    resolveCommit(main, `refs/heads/${baseBranch}`),
    listRemotes(main),
    worktreeExists ? readStatus(worktreePath) : Promise.resolve([]),
  ]);
  const compare = tip !== null && baseTip !== null;
  const predict = options.strategy === 'merge' ? requireMergePrediction : predictMerge;
  const [baseGained, sessionCommits, prediction, worktreeBusy] = await Promise.all([
    baseTip ? gained(main, entry.base.commit, baseTip) : Promise.resolve(null),
    compare ? gained(main, baseTip, tip) : Promise.resolve(null),
    compare ? predict(main, baseTip, tip) : Promise.resolve(null),
    worktreeExists ? checkoutBusy(worktreePath, status) : Promise.resolve(null),
  ]);
  const bringsIntoBase = options.strategy === 'merge' || options.strategy === 'pr';
  // Under the merge lock: a merge of another session stages files in the main checkout for a moment.
  const target = bringsIntoBase
    ? await withMergeLock(main, () => gatherMergeTarget(project, project.worktrees, baseBranch, baseTip, prediction?.tree ?? null))
    : null;
  const branchRef = `refs/heads/${entry.branch}`;
  const branchHeldBy = heldBranches(project.worktrees).filter((held) => held.branch === branchRef && held.path !== worktreePath).map((held) => held.path);
  return {
    name: entry.id,
    strategy: options.strategy,
    rebase: options.rebase,
    mainCheckout: main,
    worktreePath,
    worktreeExists,
    worktreeLocked: record?.locked ?? false,
    worktreeBranch: shortBranch(record?.branch ?? null),
    branch: entry.branch,
    tip,
    // keep commits the session log itself (with its merge-pending note), so the log never blocks it.
    work: sessionWork(status, ownFilesOf(entry, worktreePath)).filter((item) => !(options.strategy === 'keep' && item.path === entry.sessionLog)),
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
    mainDirty: options.strategy === 'merge' ? target?.mainDirty ?? [] : [],
    worktreeBusy,
    mainBusy: options.strategy === 'merge' ? target?.mainBusy ?? null : null,
    overwrites: options.strategy === 'merge' ? target?.overwrites ?? [] : [],
    sessionsPaths: target?.sessionsPaths ?? [],
    sessionsDirInRepo: target?.sessionsDirInRepo ?? null,
    branchHeldBy,
  };
}
