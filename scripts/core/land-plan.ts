/**
 * `session land`, decided from gathered facts alone: which sessions, in what order, what stops
 * the queue, what the main checkout gets, what the other sessions are told, and the report as
 * text. Pure, so every rule is a table of cases.
 */
import { helper } from '../lib/invocation.js';
import { RefusalError } from '../lib/errors.js';
import { commandLine } from '../lib/shell-words.js';
import { inlineList, oneLine, shortSha } from './format.js';
import { busyRefusal, type Busy } from './busy.js';
import { sessionsPathsRefusal, worktreeRefusal, type WorktreeFacts } from './end-plan.js';
import { compare, suggestMergeOrder, type MergeCandidate, type MergeStep, type PredictedPair } from './overlap.js';
import type { LandNotice, ReadyMark, SessionEntry } from './manifest-types.js';

const short = shortSha;

/** Whether a ready mark still counts: the branch is where it was when the session was marked. */
export type ReadyState = 'current' | 'moved' | null;

export function readyState(mark: ReadyMark | undefined, tip: string | null): ReadyState {
  if (!mark) return null;
  return tip === mark.tip ? 'current' : 'moved';
}

export interface NotSelected {
  id: string;
  reason: string;
}

/**
 * The sessions a land run takes: the named ones, or else every active session marked ready
 * whose branch is still at the marked tip. A mark the branch moved past is reported, not used:
 * what was marked finished is not what would land.
 */
export function selectSessions(
  entries: readonly SessionEntry[],
  named: readonly string[],
  tips: ReadonlyMap<string, string | null>,
): { chosen: string[]; notSelected: NotSelected[] } | RefusalError {
  if (named.length > 0) return { chosen: [...new Set(named)], notSelected: [] };
  const chosen: string[] = [];
  const notSelected: NotSelected[] = [];
  for (const entry of [...entries].sort((a, b) => compare(a.id, b.id))) {
    const state = readyState(entry.ready, tips.get(entry.id) ?? null);
    if (state === null) continue;
    if (entry.status !== 'active')
      notSelected.push({ id: entry.id, reason: `marked ready, but it is ${entry.status} right now` });
    else if (state === 'moved')
      notSelected.push({
        id: entry.id,
        reason: `marked ready at ${short(entry.ready!.tip)}, but its branch has moved since; mark it again (\`${helper(`ready ${entry.id}`)}\`) or name it`,
      });
    else chosen.push(entry.id);
  }
  if (chosen.length > 0) return { chosen, notSelected };
  const why = notSelected.length > 0 ? ` (${notSelected.map((item) => `${item.id}: ${item.reason}`).join('; ')})` : '';
  return new RefusalError(
    'nothing-to-land',
    `No session is marked ready to land${why}, and none was named; nothing was changed.`,
    `Mark each finished session with \`${helper('ready <name>')}\` (run inside it, or with its name), or name the sessions to land: \`${helper('land <name>...')}\`.`,
    { notSelected },
  );
}

/** One session of the queue, as its checks read it before anything changes. */
export interface LandSessionFacts extends WorktreeFacts {
  id: string;
  goals: string[];
  status: SessionEntry['status'];
  baseBranch: string;
  baseTip: string | null;
  /** merge-tree was unavailable (git too old). */
  cannotPredict: boolean;
  sessionsPaths: string[];
  sessionsDirInRepo: string | null;
}

/** The first reason a session cannot be part of the queue at all; null when it can. Checked for every session before anything changes. */
export function landSessionRefusal(facts: LandSessionFacts): RefusalError | null {
  const worktree = worktreeRefusal(facts, {
    keepsWork: false,
    mustNot: 'landing the session must not remove its worktree',
  });
  if (worktree) return withSession(worktree, facts.id);
  if (facts.baseTip === null) {
    return new RefusalError(
      'base-missing',
      `The base branch ${facts.baseBranch} of session "${facts.id}" no longer exists, so there is nothing to land it in; nothing was changed.`,
      `Recreate it (${commandLine(['git', 'branch', facts.baseBranch])} <commit>), or leave "${facts.id}" out of the queue.`,
      { session: facts.id },
    );
  }
  if (facts.cannotPredict) {
    return new RefusalError(
      'git-too-old',
      'Landing builds each merge with git merge-tree --write-tree, which needs git 2.38 or newer; nothing was changed.',
      'Upgrade git, or end the sessions one by one with --strategy merge.',
    );
  }
  if (facts.sessionsPaths.length > 0)
    return withSession(sessionsPathsRefusal(facts.branch, facts.sessionsDirInRepo!, facts.sessionsPaths), facts.id);
  return null;
}

function withSession(refusal: RefusalError, id: string): RefusalError {
  return new RefusalError(
    refusal.code,
    refusal.message,
    `${refusal.next} Or leave "${id}" out: name the other sessions.`,
    { ...refusal.details, session: id },
  );
}

/** Where a base branch is held, and the state of the main checkout when it is there. */
export interface BaseHolder {
  base: string;
  where: 'main' | 'other' | 'nowhere';
  path: string | null;
  busy: Busy | null;
}

/** A base the queue cannot move: checked out in another worktree, or git is busy where it is checked out. */
export function baseRefusal(holder: BaseHolder, sessions: readonly string[]): RefusalError | null {
  if (holder.where === 'other') {
    return new RefusalError(
      'base-checked-out-elsewhere',
      `The base branch ${holder.base} (of ${inlineList([...sessions])}) is checked out in ${holder.path}, and landing must not move it under that checkout; nothing was changed.`,
      `Switch that checkout to another branch (${commandLine(['git', '-C', holder.path!, 'switch', '--detach'])}), or land from there by hand; then run the same command again.`,
      { base: holder.base, checkout: holder.path },
    );
  }
  if (holder.where === 'main' && holder.busy)
    return busyRefusal(holder.busy, `the main checkout, which has the base ${holder.base} checked out,`);
  return null;
}

/**
 * The order to land in: first the sessions that merge cleanly into the base as it is now, in
 * the overlap order (fewest predicted conflicts with the others first), then those that do
 * not, which stop the queue. Recomputed after each landing, against the moved base.
 */
export function landOrder(candidates: readonly MergeCandidate[], pairs: readonly PredictedPair[]): MergeStep[] {
  const group = (blocked: boolean) => {
    const members = candidates.filter((candidate) => candidate.conflictsWithBase === blocked);
    const ids = new Set(members.map((member) => member.id));
    return suggestMergeOrder(
      members,
      pairs.filter((pair) => ids.has(pair.a) && ids.has(pair.b)),
    );
  };
  return [...group(false), ...group(true)];
}

/** What a landing does to the main checkout when it has the base checked out. */
export type MainAction = 'none' | 'fast-forward' | 'detach';

export interface MainCheckoutFacts {
  holdsBase: boolean;
  /** Tracked changes, as git prints them. */
  dirty: string[];
  /** Untracked or ignored files the landing would write over. */
  inTheWay: string[];
}

/**
 * Clean and nothing in the way: its files come along (a fast-forward). Otherwise its files and
 * index are left exactly as they are, and its HEAD is detached at the old base first, so that
 * moving the branch does not leave it with a stale index that reads as the landing undone.
 */
export function mainAction(facts: MainCheckoutFacts): MainAction {
  if (!facts.holdsBase) return 'none';
  return facts.dirty.length > 0 || facts.inTheWay.length > 0 ? 'detach' : 'fast-forward';
}

/** How to bring a main checkout that was left detached at the old base up to the moved one, keeping its changes. */
export function mainUpdateCommand(mainCheckout: string, base: string): string {
  return commandLine(['git', '-C', mainCheckout, 'switch', base]);
}

/**
 * How a checkout land left detached at the old base (`from`) catches up, keeping its changes. git refuses
 * the switch for a tracked change or an untracked file the landed commits touch, but writes over an ignored
 * file at a path they add without a word: those are named, or the command that lists them is given.
 */
export function catchUpAdvice(mainCheckout: string, base: string, from: string | null): string {
  const added = from
    ? commandLine(['git', '-C', mainCheckout, 'diff', '--name-only', '--diff-filter=A', from, base])
    : null;
  const first = added
    ? `first move aside any ignored file at a path the landing added (${added} lists those paths; git writes over an ignored file there without a word), then `
    : '';
  return `Bring the main checkout up to date, keeping its changes: ${first}${mainUpdateCommand(mainCheckout, base)} (git refuses and names the files if your changes touch what landed; commit or stash them first).`;
}

/**
 * The notice a session on the moved base gets: added to the one it has not heard the end of
 * when that one ends where this landing began and the session has not caught up with it since;
 * otherwise a new one.
 */
export function nextNotice(
  previous: LandNotice | undefined,
  landing: { id: string; commit: string; base: string; from: string; to: string; gained: number },
  session: { caughtUpWithFrom: boolean; behind: number; conflicts: string[] },
  at: string,
): LandNotice {
  const continues =
    previous !== undefined &&
    previous.base === landing.base &&
    previous.to === landing.from &&
    !session.caughtUpWithFrom;
  return {
    base: landing.base,
    from: continues ? previous.from : landing.from,
    to: landing.to,
    landed: [...(continues ? previous.landed : []), { id: landing.id, commit: landing.commit }].slice(-100),
    gained: (continues ? previous.gained : 0) + landing.gained,
    behind: session.behind,
    conflicts: [...session.conflicts].sort(compare),
    at,
  };
}

export type LandResult =
  | 'landed'
  | 'already-in-base'
  | 'conflict'
  | 'check-failed'
  | 'stopped'
  | 'not-reached'
  | 'would-land'
  | 'would-conflict';

export type StopReason =
  | 'conflict'
  | 'check-failed'
  | 'interrupted'
  | 'session-changed'
  | 'session-busy'
  | 'base-moved'
  | 'main-busy'
  | 'failed';

export interface CheckReport {
  command: string;
  status: 'passed' | 'failed' | 'interrupted' | 'would-run';
  /** The log, kept when the check failed; null otherwise. */
  log: string | null;
  failure: string | null;
  ms: number | null;
}

export interface MustSync {
  id: string;
  conflicts: string[];
}

export interface LandSessionReport {
  id: string;
  branch: string;
  base: string;
  goals: string[];
  result: LandResult;
  /** The merge commit that landed (or would land); null when there was nothing to merge or it did not land. */
  merge: { commit: string | null; message: string } | null;
  /** Commits the base gained by this landing. */
  gained: number | null;
  conflicts: string[];
  check: CheckReport | null;
  /** Sessions that conflict with the base after this landing and did not before it. */
  mustSync: MustSync[];
  worktreeRemoved: boolean;
  branchDeleted: boolean;
  saved: Array<{ what: string; ref: string; restore: string }>;
  warnings: string[];
  /** Why it stopped the queue, or why it was not landed. */
  message: string | null;
}

export interface BaseReport {
  branch: string;
  before: string;
  /** Null in a dry run. */
  after: string | null;
  landed: string[];
  /** Commits between before and after. */
  gained: number;
}

export interface MainCheckoutReport {
  path: string;
  branch: string | null;
  action: 'fast-forwarded' | 'detached' | 'untouched' | 'would-fast-forward' | 'would-detach';
  /** Why it was left alone (its changes, files in the way), when it was. */
  why: string | null;
  /** The command that brings it up to date, when it was left behind. */
  update: string | null;
}

export interface LandReport {
  dryRun: boolean;
  check: { command: string; source: 'flag' | 'config' } | null;
  bases: BaseReport[];
  order: string[];
  sessions: LandSessionReport[];
  notSelected: NotSelected[];
  stopped: { session: string; reason: StopReason; message: string } | null;
  mainCheckout: MainCheckoutReport;
  warnings: string[];
  next: string[];
}

/** The merge message the queue commits: the same as `end --strategy merge`. */
export { mergeMessage } from './end-plan.js';

/** A goal-free, one-line label for a session in the report. */
function label(session: LandSessionReport): string {
  const goal = session.goals.map(oneLine).find(Boolean);
  return goal ? `${session.id} (${goal.length > 60 ? `${goal.slice(0, 57)}...` : goal})` : session.id;
}

/** What to do next, most useful first, each a command. */
export function landNext(report: Omit<LandReport, 'next'>): string[] {
  const next: string[] = [];
  if (report.dryRun) {
    const reachable = report.sessions.filter(
      (session) => session.result === 'would-land' || session.result === 'already-in-base',
    );
    if (reachable.length > 0)
      next.push(
        `\`${helper(`land ${reachable.map((s) => s.id).join(' ')}${report.check?.source === 'flag' ? ` --check ${commandLine([report.check.command])}` : ''}`)}\` lands ${reachable.length === 1 ? 'it' : 'them in this order'}.`,
      );
  }
  const stopped = report.stopped
    ? report.sessions.find((session) => session.id === report.stopped!.session)
    : undefined;
  if (stopped && report.stopped) {
    if (report.stopped.reason === 'conflict')
      next.push(
        `Sync ${stopped.id} and resolve the conflicts there (/parallel.sync in its worktree, or \`${helper(`sync ${stopped.id}`)}\`), mark it ready again (\`${helper(`ready ${stopped.id}`)}\`), then land it.`,
      );
    else if (report.stopped.reason === 'check-failed')
      next.push(
        `Read the check's log${stopped.check?.log ? ` (${stopped.check.log})` : ''}, fix ${stopped.id} in its worktree (syncing it first shows the failure there), mark it ready again, then land it.`,
      );
    else next.push(`${report.stopped.message.replace(/\.$/, '')}; then run the land again.`);
  }
  const mustSync = [...new Set(report.sessions.flatMap((session) => session.mustSync.map((item) => item.id)))].filter(
    (id) => id !== stopped?.id,
  );
  if (!report.dryRun && mustSync.length > 0)
    next.push(
      `${inlineList(mustSync)} now conflict${mustSync.length === 1 ? 's' : ''} with the moved base; ${mustSync.length === 1 ? 'its agent is' : 'their agents are'} told at the next prompt: sync there (/parallel.sync).`,
    );
  if (report.mainCheckout.update && !report.dryRun && report.mainCheckout.branch) {
    const base = report.bases.find((item) => item.branch === report.mainCheckout.branch);
    next.push(catchUpAdvice(report.mainCheckout.path, report.mainCheckout.branch, base?.before ?? null));
  }
  return next;
}

const RESULT_TEXT: Record<LandResult, string> = {
  landed: 'landed',
  'already-in-base': 'already in its base; ended',
  conflict: 'stopped: it conflicts',
  'check-failed': 'stopped: its check failed',
  stopped: 'stopped',
  'not-reached': 'not reached',
  'would-land': 'merges cleanly',
  'would-conflict': 'would conflict',
};

function mustSyncText(items: readonly MustSync[], dryRun: boolean): string {
  return (
    items.map((item) => `${item.id} (${inlineList(item.conflicts)})`).join(', ') +
    (dryRun ? '' : '; told at its next prompt')
  );
}

export function renderLand(report: LandReport): string {
  const out: string[] = [];
  const count = report.order.length;
  const bases = report.bases.map((base) => `${base.branch} (at ${short(base.before)})`).join(', ');
  out.push(
    report.dryRun
      ? `- Land plan (dry run, nothing changed): ${count} session${count === 1 ? '' : 's'} into ${bases}, in this order:`
      : `${report.stopped ? '!' : '✓'} Land queue: ${count} session${count === 1 ? '' : 's'} into ${bases}:`,
  );
  report.sessions.forEach((session, index) => {
    const mark =
      session.result === 'landed' || session.result === 'already-in-base' || session.result === 'would-land'
        ? '✓'
        : session.result === 'not-reached'
          ? '-'
          : '✗';
    const head = `${mark} ${index + 1}. ${label(session)}: ${RESULT_TEXT[session.result]}`;
    if (session.result === 'landed' || session.result === 'would-land') {
      const merge = session.merge?.commit
        ? `${report.dryRun ? '' : `as ${short(session.merge.commit)} `}("${session.merge.message}")`
        : `("${session.merge?.message ?? ''}")`;
      out.push(
        `${head} ${merge}; ${session.base} ${report.dryRun ? 'would move' : 'moved'} by ${session.gained} commit${session.gained === 1 ? '' : 's'}`,
      );
    } else if (session.result === 'conflict' || session.result === 'would-conflict') {
      out.push(
        `${head} with ${session.base} in ${inlineList(session.conflicts, 8)}${session.result === 'would-conflict' ? '; the queue would stop here' : '; nothing of it changed'}`,
      );
    } else {
      out.push(`${head}${session.message ? `: ${session.message}` : ''}`);
    }
    if (session.check) {
      const check = session.check;
      if (check.status === 'passed')
        out.push(
          `    ✓ check passed: ${check.command}${check.ms !== null ? ` (${(check.ms / 1000).toFixed(1)} s)` : ''}`,
        );
      else if (check.status === 'would-run') out.push(`    - check: ${check.command}`);
      else
        out.push(
          `    ✗ check ${check.status}: ${check.failure ?? check.command}${check.log ? ` (log: ${check.log})` : ''}`,
        );
    }
    if (session.result === 'landed' || session.result === 'already-in-base') {
      const removed = session.worktreeRemoved ? 'worktree removed' : 'worktree kept';
      out.push(`    ✓ ${removed}, branch ${session.branch} ${session.branchDeleted ? 'deleted' : 'kept'}`);
    }
    for (const item of session.saved) out.push(`    - saved ${item.what} as ${item.ref} (restore: ${item.restore})`);
    if (session.mustSync.length > 0) out.push(`    ! then must sync: ${mustSyncText(session.mustSync, report.dryRun)}`);
    for (const warning of session.warnings) out.push(`    ! ${warning}`);
  });
  for (const item of report.notSelected) out.push(`- Not selected: ${item.id}: ${item.reason}`);
  if (report.check) {
    out.push(
      report.dryRun
        ? `- Checks: \`${report.check.command}\` (${report.check.source === 'flag' ? '--check' : 'check in the config'}) on each candidate merge, in a temporary detached worktree with the session's env files and setup; a failure stops the queue.`
        : `- Checks ran: \`${report.check.command}\` (${report.check.source === 'flag' ? '--check' : 'check in the config'}), one per landing, in a temporary worktree (removed).`,
    );
  } else {
    out.push('- No check runs (none given with --check, none in the config).');
  }
  for (const base of report.bases) {
    if (report.dryRun || base.after === null) continue;
    out.push(
      base.before === base.after
        ? `- ${base.branch} did not move (${short(base.before)}).`
        : `- ${base.branch} moved from ${short(base.before)} to ${short(base.after)}: ${base.landed.length} session${base.landed.length === 1 ? '' : 's'} landed, ${base.gained} commit${base.gained === 1 ? '' : 's'}.`,
    );
  }
  const main = report.mainCheckout;
  const mainLines: Record<MainCheckoutReport['action'], string> = {
    'fast-forwarded': `✓ The main checkout ${main.path} (on ${main.branch}) was fast-forwarded with each landing.`,
    'would-fast-forward': `- The main checkout ${main.path} (on ${main.branch}) is clean: it would be fast-forwarded with each landing.`,
    detached: `! The main checkout ${main.path} was left as it was (${main.why}): its files and index are untouched, and its HEAD was detached at the old ${main.branch}, so the moved branch does not show as changes there.`,
    'would-detach': `- The main checkout ${main.path} has ${main.branch} checked out but ${main.why}: it would be left as it is (its HEAD detached at the old ${main.branch}); then ${main.update} brings it up to date.`,
    untouched: `- The main checkout ${main.path} was not touched (${main.branch ? `on ${main.branch}` : 'detached'}, not a base that moved).`,
  };
  out.push(mainLines[main.action]);
  for (const warning of report.warnings) out.push(`! ${warning}`);
  if (report.stopped && !report.dryRun)
    out.push(`! The queue stopped at ${report.stopped.session}: ${report.stopped.message}`);
  if (report.next.length > 0)
    out.push('', `Next: ${report.next[0]}`, ...report.next.slice(1).map((line) => `  then: ${line}`));
  return out.join('\n');
}

/** The notice as the UserPromptSubmit hook tells it: once, short, with the exact way to sync. */
export function landNoticeContext(id: string, notice: LandNotice, options: { ready: boolean }): string {
  const who = notice.landed.map((item) => `"${item.id}"`);
  const landed = `${who.length === 1 ? 'Session' : 'Sessions'} ${inlineList(who)} landed in ${notice.base} (${notice.landed.length === 1 ? `merge ${short(notice.landed[0]!.commit)}` : `now at ${short(notice.to)}`})`;
  const moved = `${notice.base} moved by ${notice.gained} commit${notice.gained === 1 ? '' : 's'}, and this session is now ${notice.behind} behind it.`;
  const sync = `/parallel.sync here, or \`${helper(`sync ${id}`)}\``;
  const again = options.ready
    ? ` Syncing moves its branch, so mark it ready again afterwards (\`${helper(`ready ${id}`)}\`).`
    : '';
  if (notice.conflicts.length > 0) {
    return `Parallel session "${id}": ${landed}; ${moved} Merging this session into ${notice.base} would now conflict in ${inlineList(notice.conflicts, 10)}. Tell the user, and sync before changing those files further: ${sync}, then resolve the conflicts in this worktree.${again}`;
  }
  return `Parallel session "${id}": ${landed}; ${moved} This session still merges cleanly into ${notice.base}; sync when convenient: ${sync}.${again}`;
}

/** What the hook's "last spoke" marker holds for a notice: it speaks again only when this changes. */
export function landNoticeKey(notice: LandNotice): string {
  return `${notice.to} ${notice.at} ${notice.landed.map((item) => item.id).join(',')}`;
}
