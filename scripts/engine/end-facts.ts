/** Everything `session end` needs to know before it changes anything; read-only. */
import { existsSync } from 'node:fs';
import { classifyBaseCheckout, type EndFacts, type EndOptions } from '../core/end-plan.js';
import { formatStatusEntry, isTrackedChange, sessionWork } from '../core/status-porcelain.js';
import { shortBranch } from '../core/worktree-list.js';
import type { SessionEntry } from '../core/manifest-types.js';
import { worktreePathOf, type Project } from '../store/project.js';
import { resolveCommit } from '../git/repo.js';
import { aheadBehind } from '../git/branches.js';
import { readStatus } from '../git/changes.js';
import { listRemotes } from '../git/remote.js';
import { predictMerge, requireMergePrediction } from '../git/merge.js';
import { withMergeLock } from '../store/merge-lock.js';

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
  const record = project.worktrees.find((w) => w.path === stored) ?? project.worktrees.find((w, i) => i > 0 && w.branch === `refs/heads/${entry.branch}`);
  const worktreePath = record?.path ?? stored;
  const worktreeExists = record !== undefined && !record.prunable && existsSync(worktreePath);
  const baseBranch = entry.base.branch;
  const [tip, baseTip, remotes, status] = await Promise.all([
    resolveCommit(main, `refs/heads/${entry.branch}`),
    resolveCommit(main, `refs/heads/${baseBranch}`),
    listRemotes(main),
    worktreeExists ? readStatus(worktreePath) : Promise.resolve([]),
  ]);
  const compare = tip !== null && baseTip !== null;
  const predict = options.strategy === 'merge' ? requireMergePrediction : predictMerge;
  const [baseGained, sessionCommits, prediction] = await Promise.all([
    baseTip ? gained(main, entry.base.commit, baseTip) : Promise.resolve(null),
    compare ? gained(main, baseTip, tip) : Promise.resolve(null),
    compare ? predict(main, baseTip, tip) : Promise.resolve(null),
  ]);
  const baseCheckout = classifyBaseCheckout(project.worktrees, baseBranch);
  const mainDirty = options.strategy === 'merge' && baseCheckout.where === 'main'
    ? (await withMergeLock(main, () => readStatus(main))).filter(isTrackedChange).map(formatStatusEntry)
    : [];
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
    work: sessionWork(status, entry.packFiles),
    baseBranch,
    baseStart: entry.base.commit,
    baseTip,
    baseGained,
    sessionCommits,
    prediction,
    remotes,
    remote: options.remote,
    remoteGiven: options.remoteGiven,
    baseCheckout,
    mainDirty,
  };
}
