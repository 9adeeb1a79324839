/**
 * Ending a session: claim it (status "ending"), read the facts and refuse if they say so,
 * optionally rebase it, run the strategy, then drop it from the manifest and record it in the
 * history. A refusal or failure before the worktree is removed hands the session back as active;
 * one after a lasting step (a push, a merge) says exactly what was already done. A SIGKILL leaves
 * an "ending" entry with a dead owner for cleanup.
 */
import { isoSeconds } from '../../core/format.js';
import { helper } from '../../lib/invocation.js';
import { RefusalError } from '../../lib/errors.js';
import { commandLine } from '../../lib/shell-words.js';
import { holdSignals, type SignalGuard } from '../../lib/interrupt.js';
import { appendHistory, restoreFacts, type HistoryRecord } from '../../store/history.js';
import { forgetAgentState } from '../../store/agent-state.js';
import { endRefusal, factLines, rebaseConflictRefusal, type EndFacts, type EndOptions } from '../../core/end-plan.js';
import type { SessionEntry } from '../../core/manifest-types.js';
import { savedRefsOf } from '../worktree-removal.js';
import type { Project } from '../../store/project.js';
import { withMergeLock } from '../../store/merge-lock.js';
import { rebaseOnto } from '../../git/integrate.js';
import { short, step, type EndRun } from './end-run.js';
import { claimSession, dropOwnEntry, handBack, markClaim } from '../session-claim.js';
import { gatherEndFacts } from './end-facts.js';
import { endByMerge, finishMerge, mergeBesideStock, mergeOnFacts } from './end-merge.js';
import { endByPr } from './end-pr.js';
import { endByKeep } from './end-keep.js';
import { endByAbandon } from './end-abandon.js';

export interface EndInput {
  project: Project;
  entry: SessionEntry;
  options: EndOptions;
  now: Date;
  /** --pr-body-file, read before anything changed. */
  prBody: { text: string; path: string } | null;
  /** Where the calling agent's shell stands, when it is inside the worktree (see worktree-removal.ts). */
  callerFolder: string | null;
}

async function rebaseSession(run: EndRun): Promise<void> {
  const base = run.facts.baseBranch;
  const before = run.tip;
  const outcome = await rebaseOnto(run.worktreePath, run.entry.branch, before, run.facts.baseTip!);
  if (!outcome.ok) {
    if (!outcome.restored) {
      throw new Error(
        `the rebase onto ${base} stopped and could not be backed out: ${run.entry.branch} should be at ${before}, HEAD is ${outcome.headNow ?? 'unknown'}; the old tip is in ${commandLine(['git', 'reflog', run.entry.branch])}`,
      );
    }
    throw rebaseConflictRefusal(run.entry.id, base, run.worktreePath, outcome.conflicts);
  }
  run.tip = outcome.tip;
  run.rebased = { from: before, to: outcome.tip };
  if (outcome.tip === before) {
    step(run, 'rebase', `Rebase onto ${base}: ${run.entry.branch} already contains it`);
    return;
  }
  run.committedTo.push(`rebased ${run.entry.branch} onto ${base} (old tip ${short(before)})`);
  step(run, 'rebase', `Rebased ${run.entry.branch} onto ${base}: ${short(before)} -> ${short(outcome.tip)}`);
}

function historyRecord(run: EndRun): HistoryRecord {
  const record: HistoryRecord = {
    id: run.entry.id,
    branch: run.entry.branch,
    strategy: run.options.strategy,
    head: run.tip,
    base: run.entry.base,
    endedAt: isoSeconds(run.now),
  };
  if (run.saved)
    Object.assign(record, {
      savedAs: run.saved.tip,
      ...(run.saved.worktree ? { savedWorktreeAs: run.saved.worktree } : {}),
    });
  if (!run.branchDeleted && !run.saved) record.savedAs = `refs/heads/${run.entry.branch}`;
  if (run.pr?.url) record.prUrl = run.pr.url;
  if (run.merge?.commit) record.mergeCommit = run.merge.commit;
  return {
    ...record,
    ...restoreFacts(
      run.entry,
      run.saved ? [{ what: 'tip', ref: run.saved.tip }, ...savedRefsOf(run.savedItems)] : savedRefsOf(run.savedItems),
    ),
  };
}

function incomplete(run: EndRun, error: unknown): RefusalError {
  const cause = error instanceof Error ? error.message : String(error);
  return new RefusalError(
    'end-incomplete',
    `Ending "${run.entry.id}" stopped part way: ${cause}\nAlready done: ${run.committedTo.join('; ')}.`,
    run.worktreeRemoved
      ? `The worktree is gone but the manifest still lists the session as ending; run \`${helper('cleanup')}\` to finish.`
      : `The session is active again, with its worktree. Fix the problem above, then run the same command again (steps already done are skipped or repeated safely).`,
    { done: run.committedTo, cause: error instanceof RefusalError ? error.code : cause },
  );
}

/** The facts, or the refusal they call for, with the facts' lines (how far the base moved, predicted conflicts). */
async function factsOrRefusal(input: EndInput, mergeLockHeld: boolean): Promise<EndFacts> {
  const facts = await gatherEndFacts(input.project, input.entry, input.options, { mergeLockHeld });
  const refusal = endRefusal(facts);
  if (refusal)
    throw new RefusalError(refusal.code, refusal.message, refusal.next, {
      ...refusal.details,
      facts: factLines(facts),
    });
  return facts;
}

function newRun(input: EndInput, facts: EndFacts, guard: SignalGuard): EndRun {
  return {
    project: input.project,
    entry: input.entry,
    options: input.options,
    facts,
    now: input.now,
    guard,
    worktreePath: facts.worktreePath,
    tip: facts.tip!,
    steps: [],
    warnings: [],
    notes: [],
    next: [],
    committedTo: [],
    worktreeRemoved: false,
    rebased: null,
    merge: null,
    push: null,
    pr: null,
    saved: null,
    savedItems: [],
    branchDeleted: false,
    callerFolder: input.callerFolder,
    leftForCaller: [],
  };
}

/**
 * The session is claimed first (marked ending, which refuses another end, start or sync of it), and the facts are
 * read after that: every refusal they call for still comes before anything is changed but the claim, which it
 * hands back. A merge without --rebase holds the merge lock from before its facts are read until it has merged, so
 * each fact the merge stands on is read once, under the lock it merges in.
 */
export async function endSession(input: EndInput): Promise<EndRun> {
  const { project, entry, options } = input;
  const guard = holdSignals();
  let run: EndRun | null = null;
  try {
    await claimSession(project, entry.id, 'ending', 'ended');
  } catch (error) {
    guard.release();
    throw error;
  }
  try {
    if (options.strategy === 'merge' && !options.rebase) {
      const merged = await withMergeLock(project.mainCheckout, async (lock) => {
        const held = newRun(input, await factsOrRefusal(input, true), guard);
        run = held;
        guard.check();
        return { held, ...(await mergeBesideStock(held, () => mergeOnFacts(held, lock))) };
      });
      // The stock was taken while the merge ran; a clean removal it refused (work written meanwhile) stops here.
      await finishMerge(merged.held, await merged.stock);
      run = merged.held;
    } else {
      const facts = await factsOrRefusal(input, false);
      // The rebase is recorded before it starts, so cleanup can prove a stopped rebase is this one.
      if (options.rebase && facts.baseTip) {
        const rebase = {
          kind: 'rebase' as const,
          before: facts.tip!,
          onto: facts.baseTip,
          at: new Date().toISOString(),
        };
        await markClaim(project, entry.id, 'ending', (session) => (session.operation = rebase));
      }
      run = newRun(input, facts, guard);
      guard.check();
      if (options.rebase) await rebaseSession(run);
      guard.check();
      switch (options.strategy) {
        case 'merge':
          await endByMerge(run);
          break;
        case 'pr':
          await endByPr(run, input.prBody);
          break;
        case 'keep':
          await endByKeep(run);
          break;
        case 'abandon':
          await endByAbandon(run);
          break;
      }
    }
    await dropOwnEntry(project, entry.id);
    appendHistory(project.sessionsDir, historyRecord(run));
    forgetAgentState(project.sessionsDir, entry.id);
    step(
      run,
      'manifest',
      `Removed "${entry.id}" from the manifest and recorded it in ${project.sessionsDir}/.history.jsonl`,
    );
    return run;
  } catch (error) {
    if (!run?.worktreeRemoved) await handBack(project, entry.id, 'ending').catch(() => undefined);
    throw run && run.committedTo.length > 0 ? incomplete(run, error) : error;
  } finally {
    guard.release();
  }
}
