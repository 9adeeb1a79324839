/**
 * `session land`: the queue. Under the merge lock for the whole run, one session at a time, in
 * the overlap order recomputed against the base as it is after each landing:
 *
 * 1. claim the session (status ending, the landing recorded) and look again: same tip, clean;
 * 2. build the merge with `git merge-tree --write-tree` and `git commit-tree`, touching no
 *    checkout; a conflict stops the queue there;
 * 3. with a check, run it on that commit in a scratch worktree; a failure stops the queue;
 * 4. move the base by compare-and-swap; the main checkout, when it has the base checked out,
 *    is fast-forwarded if it is clean, else its HEAD is detached at the old base first and its
 *    files are left as they are;
 * 5. predict every other session on the base against the moved base, end the landed session as
 *    `end --strategy merge` does, and give the others their notices in the same manifest write.
 *
 * Before anything changes every queued session is checked, and any refusal leaves everything as
 * it was. A SIGKILL leaves each base at its old commit or at a finished landing's merge; the
 * lock's record and the session's `landing` let cleanup finish or forget the rest. `--dry-run`
 * builds the same merges (objects only, no ref) to predict the whole queue.
 */
import { helper } from '../../lib/invocation.js';
import { RefusalError } from '../../lib/errors.js';
import { holdSignals, type SignalGuard } from '../../lib/interrupt.js';
import { updateLockPurpose, type HeldLock } from '../../lib/lock.js';
import { limiter, type Limit } from '../../lib/limit.js';
import { isoSeconds } from '../../core/format.js';
import {
  baseRefusal,
  landNext,
  landOrder,
  landSessionRefusal,
  mainAction,
  mainUpdateCommand,
  mergeMessage,
  nextNotice,
  selectSessions,
  type BaseHolder,
  type BaseReport,
  type LandReport,
  type LandSessionReport,
  type MainCheckoutReport,
  type MustSync,
  type StopReason,
} from '../../core/land-plan.js';
import { findSession, type LandNotice, type Manifest, type SessionEntry } from '../../core/manifest-types.js';
import type { PredictedPair } from '../../core/overlap.js';
import { sessionWork } from '../../core/status-porcelain.js';
import { shortBranch } from '../../core/worktree-list.js';
import { readManifest } from '../../store/manifest-store.js';
import { withMergeLock, type LandPurpose } from '../../store/merge-lock.js';
import { ownFilesOf, type Project } from '../../store/project.js';
import { branchTips } from '../../git/branches.js';
import { readStatus } from '../../git/changes.js';
import { checkoutBusy } from '../../git/checkout-state.js';
import { fastForwardCheckout } from '../../git/fast-forward.js';
import { commitMerge } from '../../git/merge.js';
import { attachHead, detachHeadAt, moveRefIfAt } from '../../git/refs.js';
import { resolveCommit } from '../../git/repo.js';
import { listWorktrees } from '../../git/worktrees.js';
import { assertTrusted, resolveSession, trustProblemsOf } from '../resolve-session.js';
import { sessionBusyRefusal } from '../session-claim.js';
import { LandCheck } from './land-check.js';
import { claimForLanding, finishLanding, releaseLanding } from './land-end.js';
import {
  gatherBaseHolder,
  gatherMainCheckout,
  gatherQueuedSession,
  holds,
  predictLanding,
  predictQueuePairs,
  type Prediction,
  type QueuedSession,
} from './land-facts.js';

export interface LandInput {
  project: Project;
  named: string[];
  check: { command: string; source: 'flag' | 'config' } | null;
  dryRun: boolean;
  now: Date;
  progress: (line: string) => void;
  /** The folder the calling agent's shell stands in, when it is inside a worktree that lands. */
  callerFolder: string | null;
}

/** A session on a base whose prediction the queue keeps up to date: the queued ones and every other active one. */
interface Watched {
  entry: SessionEntry;
  tip: string;
  prediction: Prediction;
}

interface Group {
  base: string;
  before: string;
  tip: string;
  holder: BaseHolder;
  queue: QueuedSession[];
  watched: Map<string, Watched>;
  landed: string[];
}

class Stop extends Error {
  constructor(
    readonly reason: StopReason,
    message: string,
  ) {
    super(message);
  }
}

export async function landSessions(input: LandInput): Promise<LandReport> {
  const { project } = input;
  // Names are checked before waiting for the lock: a typo is an answer at once.
  const first = readManifest(project.manifestPath, project.name);
  for (const name of input.named) resolveSession(project, first, name, 'land');
  if (input.dryRun) return runQueue(input, null);
  const purpose: LandPurpose = {
    kind: 'land',
    checkout: project.mainCheckout,
    base: null,
    from: null,
    to: null,
    mainAction: null,
    detached: null,
  };
  return withMergeLock(project.mainCheckout, (lock) => runQueue(input, lock), purpose);
}

async function runQueue(input: LandInput, lock: HeldLock | null): Promise<LandReport> {
  const { project } = input;
  const main = project.mainCheckout;
  const limit = limiter();
  // Read under the lock: another land may have ended some of these sessions while this one waited for it.
  const manifest = readManifest(project.manifestPath, project.name);
  const tips = await branchTips(main);
  const selected = selectSessions(
    manifest.sessions,
    input.named,
    new Map(manifest.sessions.map((entry) => [entry.id, tips.get(entry.branch)?.commit ?? null])),
  );
  if (selected instanceof RefusalError) throw selected;
  const { chosen, notSelected } = selected;
  const worktrees = await listWorktrees(main);
  const entries = chosen.map((id) => {
    const entry = findSession(manifest, id);
    if (!entry)
      throw new RefusalError(
        'no-such-session',
        `The session "${id}" left the manifest a moment ago; nothing was changed.`,
        `Run \`${helper('status')}\` to see the sessions.`,
      );
    assertTrusted(project, entry);
    if (entry.status !== 'active') throw sessionBusyRefusal(entry, 'landed');
    return entry;
  });
  const bases = [...new Set(entries.map((entry) => entry.base.branch))].sort();
  const baseTips = new Map(
    await Promise.all(bases.map(async (base) => [base, await resolveCommit(main, `refs/heads/${base}`)] as const)),
  );
  const queued = await Promise.all(
    entries.map((entry) =>
      gatherQueuedSession(project, entry, worktrees, baseTips.get(entry.base.branch) ?? null, limit),
    ),
  );
  for (const item of queued) {
    const refusal = landSessionRefusal(item.facts);
    if (refusal) throw refusal;
  }
  const groups: Group[] = [];
  for (const base of bases) {
    const queue = queued.filter((item) => item.entry.base.branch === base);
    const holder = await gatherBaseHolder(project, worktrees, base);
    const refusal = baseRefusal(
      holder,
      queue.map((item) => item.entry.id),
    );
    if (refusal) throw refusal;
    const tip = baseTips.get(base)!;
    const watched = new Map<string, Watched>();
    const others = manifest.sessions.filter(
      (entry) =>
        entry.base.branch === base && entry.status === 'active' && trustProblemsOf(project, entry).length === 0,
    );
    const branchTipsNow = await branchTips(
      main,
      others.map((entry) => entry.branch),
    );
    await Promise.all(
      others.map(async (entry) => {
        const sessionTip = branchTipsNow.get(entry.branch)?.commit;
        if (sessionTip)
          watched.set(entry.id, {
            entry,
            tip: sessionTip,
            prediction: await predictLanding(main, tip, sessionTip, limit),
          });
      }),
    );
    groups.push({ base, before: tip, tip, holder, queue, watched, landed: [] });
  }
  const pairs = await predictQueuePairs(main, queued, limit);
  const run = new QueueRun(input, lock, limit, pairs, manifest);
  return run.go(groups, notSelected);
}

class QueueRun {
  private readonly sessions: LandSessionReport[] = [];
  private readonly warnings: string[] = [];
  private stopped: LandReport['stopped'] = null;
  private readonly notices = new Map<string, LandNotice>();
  private readonly check: LandCheck | null;
  private readonly guard: SignalGuard | null;
  private mainReport: MainCheckoutReport;
  /** Sessions whose base moved (or that ended with nothing to move), in order: after the first, a failure is no longer "nothing changed". */
  private readonly landed: string[] = [];
  /** The main checkout's HEAD, once this run detached it. */
  private detached: LandPurpose['detached'] = null;

  constructor(
    private readonly input: LandInput,
    private readonly lock: HeldLock | null,
    private readonly limit: Limit,
    private readonly pairs: PredictedPair[],
    manifest: Manifest,
  ) {
    this.check = input.check && !input.dryRun ? new LandCheck(input.project, input.check.command) : null;
    this.guard = input.dryRun ? null : holdSignals();
    for (const entry of manifest.sessions) if (entry.landNotice) this.notices.set(entry.id, entry.landNotice);
    const mainRecord = input.project.worktrees[0]!;
    this.mainReport = {
      path: input.project.mainCheckout,
      branch: shortBranch(mainRecord.branch),
      action: 'untouched',
      why: null,
      update: null,
    };
  }

  async go(groups: Group[], notSelected: LandReport['notSelected']): Promise<LandReport> {
    const order: string[] = [];
    try {
      for (const group of groups) {
        if (this.stopped) {
          for (const item of group.queue) {
            order.push(item.entry.id);
            this.notReached(item, group);
          }
          continue;
        }
        await this.runGroup(group, order);
      }
    } catch (error) {
      if (this.landed.length === 0) throw error;
      const cause = error instanceof Error ? error.message : String(error);
      throw new RefusalError(
        'land-incomplete',
        `The land queue stopped part way: ${cause}\nAlready landed: ${this.landed.join(', ')}.`,
        `Run \`${helper('cleanup')}\` to see how it finishes the end of a session left ending, then \`${helper('cleanup --yes')}\`; \`${helper('status')}\` shows where each session stands. Then run the land again for the rest.`,
        { landed: this.landed, cause: error instanceof RefusalError ? error.code : cause },
      );
    } finally {
      this.guard?.release();
      if (this.check) {
        await this.check
          .remove()
          .catch((error: unknown) =>
            this.warnings.push(
              `The scratch worktree ${this.check!.path} could not be removed (${error instanceof Error ? error.message : String(error)}); \`${helper('cleanup --yes')}\` removes it.`,
            ),
          );
      }
    }
    const bases: BaseReport[] = groups.map((group) => ({
      branch: group.base,
      before: group.before,
      after: this.input.dryRun ? null : group.tip,
      landed: group.landed,
      gained: this.sessions
        .filter((session) => session.base === group.base)
        .reduce(
          (sum, session) =>
            sum + (session.result === 'landed' || session.result === 'would-land' ? (session.gained ?? 0) : 0),
          0,
        ),
    }));
    const report: Omit<LandReport, 'next'> = {
      dryRun: this.input.dryRun,
      check: this.input.check,
      bases,
      order,
      sessions: this.sessions,
      notSelected,
      stopped: this.stopped,
      mainCheckout: this.mainReport,
      warnings: this.warnings,
    };
    return { ...report, next: landNext(report) };
  }

  private async runGroup(group: Group, order: string[]): Promise<void> {
    let remaining = [...group.queue];
    if (group.holder.where === 'main' && this.input.dryRun) await this.planMain(group);
    while (remaining.length > 0) {
      const candidates = remaining.map((item) => {
        const prediction = group.watched.get(item.entry.id)?.prediction;
        return {
          id: item.entry.id,
          changedFiles: item.changedFiles.length,
          conflictsWithBase: prediction ? !prediction.clean : false,
        };
      });
      const nextId = landOrder(candidates, this.pairs)[0]!.id;
      const item = remaining.find((candidate) => candidate.entry.id === nextId)!;
      remaining = remaining.filter((candidate) => candidate !== item);
      order.push(item.entry.id);
      try {
        await this.landOne(group, item);
      } catch (error) {
        if (!(error instanceof Stop)) throw error;
        this.stopped = { session: item.entry.id, reason: error.reason, message: error.message };
        for (const rest of remaining) {
          order.push(rest.entry.id);
          this.notReached(rest, group);
        }
        return;
      }
    }
  }

  /** The main checkout's fate in a dry run: what the first landing would do to it. */
  private async planMain(group: Group): Promise<void> {
    const main = this.input.project.mainCheckout;
    const status = await readStatus(main, { hidden: true });
    const dirty = status.filter((entry) => entry.code !== '??' && entry.code !== '!!');
    if (dirty.length === 0) {
      this.mainReport = { ...this.mainReport, action: 'would-fast-forward' };
      return;
    }
    this.mainReport = {
      ...this.mainReport,
      action: 'would-detach',
      why: `it has ${dirty.length} uncommitted change(s)`,
      update: mainUpdateCommand(main, group.base),
    };
  }

  private report(item: QueuedSession, group: Group, fields: Partial<LandSessionReport>): LandSessionReport {
    const report: LandSessionReport = {
      id: item.entry.id,
      branch: item.entry.branch,
      base: group.base,
      goals: item.entry.goals,
      result: 'not-reached',
      merge: null,
      gained: null,
      conflicts: [],
      check: null,
      mustSync: [],
      worktreeRemoved: false,
      branchDeleted: false,
      saved: [],
      warnings: [],
      message: null,
      ...fields,
    };
    this.sessions.push(report);
    return report;
  }

  private notReached(item: QueuedSession, group: Group): void {
    const prediction = group.watched.get(item.entry.id)?.prediction;
    this.report(item, group, {
      result: 'not-reached',
      conflicts: prediction && !prediction.clean ? prediction.conflicts : [],
      message: 'the queue stopped before it',
    });
  }

  private async landOne(group: Group, item: QueuedSession): Promise<void> {
    const { project } = this.input;
    const main = project.mainCheckout;
    const id = item.entry.id;
    const watched = group.watched.get(id);
    const tip = item.tip!;
    const prediction = watched?.prediction ?? (await predictLanding(main, group.tip, tip, this.limit));
    const message = mergeMessage(id, item.entry.goals);
    if (!prediction.inBase && !prediction.clean) {
      this.report(item, group, {
        result: this.input.dryRun ? 'would-conflict' : 'conflict',
        conflicts: prediction.conflicts,
        merge: { commit: null, message },
      });
      throw new Stop(
        'conflict',
        `merging ${item.entry.branch} into ${group.base} would conflict in ${prediction.conflicts.join(', ')}; nothing of it changed`,
      );
    }
    if (this.input.dryRun) return this.simulate(group, item, prediction, message);

    this.stopIfInterrupted(item, group);
    let entry: SessionEntry;
    try {
      entry = await claimForLanding(project, id, group.base, group.tip, this.input.now);
    } catch (error) {
      if (!(error instanceof RefusalError)) throw error;
      this.report(item, group, { result: 'stopped', message: error.message });
      throw new Stop('session-busy', error.message);
    }
    let moved = false;
    try {
      await this.lookAgain(item, group, tip);
      let commit: string | null = null;
      let check: LandSessionReport['check'] = null;
      if (!prediction.inBase) {
        commit = await commitMerge(main, prediction.tree!, group.tip, tip, message);
        if (this.check) {
          const outcome = await this.check.run(entry, commit, this.input.progress);
          check = {
            command: outcome.command,
            status: outcome.status,
            log: outcome.log,
            failure: outcome.failure,
            ms: outcome.ms,
          };
          if (outcome.interrupted)
            throw this.stopWith(item, group, 'interrupted', 'interrupted while its check ran; nothing of it landed', {
              check,
              merge: { commit: null, message },
            });
          if (!outcome.ok)
            throw this.stopWith(
              item,
              group,
              'check-failed',
              `its check failed (${outcome.failure}); ${group.base} was left where it was; the log is ${outcome.log}`,
              { result: 'check-failed', check, merge: { commit: null, message } },
            );
        }
        this.stopIfInterrupted(item, group);
        // A check takes time, in which the session or the base may have moved: look again before moving the base.
        if (check) await this.lookAgain(item, group, tip);
        await this.moveBase(group, commit, message);
        moved = true;
      }
      this.landed.push(id);
      const from = group.tip;
      const to = commit ?? group.tip;
      // The session's own commits and the merge: the base moved from `from` by compare-and-swap, so nothing else came in.
      const gained = commit ? prediction.ahead + 1 : 0;
      group.tip = to;
      group.watched.delete(id);
      const mustSync = commit ? await this.repredict(group, { id, commit, from, to, gained }) : [];
      const finished = await finishLanding(
        project,
        entry,
        { tip, base: group.base, commit },
        this.notices,
        this.input.now,
        this.input.callerFolder,
      );
      group.landed.push(id);
      this.report(item, group, {
        result: commit ? 'landed' : 'already-in-base',
        merge: { commit, message },
        gained,
        check,
        mustSync,
        worktreeRemoved: finished.worktreeRemoved,
        branchDeleted: finished.branchDeleted,
        saved: finished.saved.map((saved) => ({ what: saved.what, ref: saved.ref, restore: saved.restore })),
        warnings: finished.warnings,
      });
    } catch (error) {
      if (!moved) await releaseLanding(project, id).catch(() => undefined);
      if (error instanceof Stop) throw error;
      if (error instanceof RefusalError && !moved) {
        this.report(item, group, { result: 'stopped', message: error.message });
        throw new Stop('session-changed', error.message);
      }
      throw error;
    } finally {
      this.record({ base: null, from: null, to: null, mainAction: null });
    }
  }

  /** What the lock tells whoever finds it after a kill: the landing under way, and the main checkout's detached HEAD. */
  private record(landing: Pick<LandPurpose, 'base' | 'from' | 'to' | 'mainAction'>): void {
    if (this.lock)
      updateLockPurpose(this.lock, {
        kind: 'land',
        checkout: this.input.project.mainCheckout,
        ...landing,
        detached: this.detached,
      } satisfies LandPurpose);
  }

  /** A SIGINT, SIGTERM or SIGHUP since the last step stops the queue before the next one. */
  private stopIfInterrupted(item: QueuedSession, group: Group): void {
    try {
      this.guard?.check();
    } catch (error) {
      if (!(error instanceof RefusalError)) throw error;
      throw this.stopWith(
        item,
        group,
        'interrupted',
        `${error.message.replace(/\.$/, '')} before it landed; nothing of it changed`,
        {},
      );
    }
  }

  private stopWith(
    item: QueuedSession,
    group: Group,
    reason: StopReason,
    message: string,
    fields: Partial<LandSessionReport>,
  ): Stop {
    this.report(item, group, { result: 'stopped', message, ...fields });
    return new Stop(reason, message);
  }

  /** Right before building on it and right before the base moves: the session is as the checks saw it. */
  private async lookAgain(item: QueuedSession, group: Group, tip: string): Promise<void> {
    const main = this.input.project.mainCheckout;
    const [now, baseNow, status] = await Promise.all([
      resolveCommit(main, `refs/heads/${item.entry.branch}`),
      resolveCommit(main, `refs/heads/${group.base}`),
      readStatus(item.worktree, { hidden: true }),
    ]);
    const work = sessionWork(status, ownFilesOf(item.entry, item.worktree));
    const busy = await checkoutBusy(item.worktree, status);
    if (now !== tip)
      throw this.stopWith(
        item,
        group,
        'session-changed',
        `its branch ${item.entry.branch} moved while the queue ran (now ${now ? now.slice(0, 12) : 'gone'}); nothing of it landed`,
        {},
      );
    if (work.length > 0 || busy)
      throw this.stopWith(
        item,
        group,
        'session-changed',
        `its worktree ${work.length > 0 ? 'has uncommitted changes again' : 'is busy'} (${
          busy
            ? busy.what
            : work
                .map((w) => w.path)
                .slice(0, 5)
                .join(', ')
        }); nothing of it landed`,
        {},
      );
    if (baseNow !== group.tip)
      throw this.stopWith(
        item,
        group,
        'base-moved',
        `${group.base} moved while the queue ran (now ${baseNow ? baseNow.slice(0, 12) : 'gone'}), not by this land; nothing of ${item.entry.id} landed`,
        {},
      );
  }

  /**
   * Compare-and-swap of the base; the main checkout first detached (its changes stay as they
   * are) or afterwards fast-forwarded, as its state allows, with the lock recording which.
   */
  private async moveBase(group: Group, commit: string, message: string): Promise<void> {
    const main = this.input.project.mainCheckout;
    const from = group.tip;
    let action: 'none' | 'fast-forward' | 'detach' = 'none';
    let why: string | null = null;
    if (group.holder.where === 'main') {
      const facts = await gatherMainCheckout(this.input.project, from, commit);
      if (facts.busy)
        throw new Stop(
          'main-busy',
          `git is busy in the main checkout (${facts.busy.what}), which has ${group.base} checked out; nothing of it landed`,
        );
      action = mainAction({ holdsBase: true, dirty: facts.dirty, inTheWay: facts.inTheWay });
      why =
        facts.dirty.length > 0
          ? `it has ${facts.dirty.length} uncommitted change(s)`
          : facts.inTheWay.length > 0
            ? `untracked files there are in the way: ${facts.inTheWay.slice(0, 5).join(', ')}`
            : null;
    }
    if (action === 'detach') this.detached = { base: group.base, at: from };
    this.record({ base: group.base, from, to: commit, mainAction: action === 'none' ? null : action });
    if (action === 'detach') {
      if (!(await detachHeadAt(main, from, from, `land: leave the main checkout at ${group.base} as it was`))) {
        this.detached = null;
        throw new Stop(
          'base-moved',
          `the main checkout moved while the queue ran; ${group.base} was left where it was`,
        );
      }
      this.leftDetached(group, why!);
    }
    if (!(await moveRefIfAt(main, `refs/heads/${group.base}`, commit, from, `land: ${message}`))) {
      if (action === 'detach') {
        await attachHead(main, group.base, 'land: back on the base, which did not move');
        this.detached = null;
        this.mainReport = { ...this.mainReport, action: 'untouched', why: null, update: null };
      }
      throw new Stop(
        'base-moved',
        `${group.base} moved while the queue ran, not by this land; it was left where it is`,
      );
    }
    if (action === 'fast-forward') {
      const forwarded = await fastForwardCheckout(main, from, commit);
      if (forwarded.ok) {
        this.mainReport = { ...this.mainReport, action: 'fast-forwarded' };
        return;
      }
      // Something changed there in the meantime: leave its files at the old base, consistent with a detached HEAD.
      this.detached = { base: group.base, at: from };
      this.record({ base: group.base, from, to: commit, mainAction: 'detach' });
      await detachHeadAt(main, from, commit, `land: leave the main checkout at ${group.base} as it was`);
      this.leftDetached(group, `git would not bring its files along (${forwarded.why})`);
    }
    if (action !== 'none') group.holder = { ...group.holder, where: 'nowhere', path: null };
  }

  private leftDetached(group: Group, why: string): void {
    this.mainReport = {
      ...this.mainReport,
      action: 'detached',
      why,
      update: mainUpdateCommand(this.input.project.mainCheckout, group.base),
    };
  }

  /**
   * Every other session on the base against the moved base: its new prediction, and its notice.
   * Returns those that conflict now and did not before.
   */
  private async repredict(
    group: Group,
    landing: { id: string; commit: string; from: string; to: string; gained: number },
  ): Promise<MustSync[]> {
    const main = this.input.project.mainCheckout;
    const at = isoSeconds(this.input.now);
    const mustSync: MustSync[] = [];
    await Promise.all(
      [...group.watched.values()].map(async (watched) => {
        const before = watched.prediction;
        const prediction = await predictLanding(main, landing.to, watched.tip, this.limit);
        watched.prediction = prediction;
        if (!prediction.clean && before.clean) mustSync.push({ id: watched.entry.id, conflicts: prediction.conflicts });
        if (this.input.dryRun) return;
        const previous = this.notices.get(watched.entry.id);
        // Whether it caught up since matters only to a notice this landing would continue.
        const continues = previous !== undefined && previous.base === group.base && previous.to === landing.from;
        const caughtUpWithFrom = continues ? await holds(main, watched.tip, landing.from, this.limit) : true;
        this.notices.set(
          watched.entry.id,
          nextNotice(
            previous,
            { ...landing, base: group.base },
            { caughtUpWithFrom, behind: prediction.behind, conflicts: prediction.conflicts },
            at,
          ),
        );
      }),
    );
    return mustSync.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** The dry run's landing: the same merge commit, written as an object only, so the next prediction is against it. */
  private async simulate(group: Group, item: QueuedSession, prediction: Prediction, message: string): Promise<void> {
    const main = this.input.project.mainCheckout;
    const id = item.entry.id;
    group.watched.delete(id);
    if (prediction.inBase) {
      this.report(item, group, { result: 'already-in-base', merge: { commit: null, message }, gained: 0 });
      return;
    }
    const commit = await commitMerge(main, prediction.tree!, group.tip, item.tip!, message);
    const from = group.tip;
    const gained = prediction.ahead + 1;
    group.tip = commit;
    const mustSync = await this.repredict(group, { id, commit, from, to: commit, gained });
    this.report(item, group, {
      result: 'would-land',
      merge: { commit: null, message },
      gained,
      mustSync,
      check: this.input.check
        ? { command: this.input.check.command, status: 'would-run', log: null, failure: null, ms: null }
        : null,
    });
  }
}
