/**
 * Each session's one state, and what about it needs attention. Pure: the facts are gathered
 * elsewhere (engine/session-facts.ts), so every rule here is testable as a table of cases.
 */
import { helper } from '../lib/invocation.js';
import type { SessionEntry } from './manifest-types.js';
import type { Config } from './config.js';
import type { Busy } from './busy.js';
import { olderThanDays, relativeAge, shortDuration, wholeDays } from './age.js';
import { BLOCKING_WAITS, type AgentEvent, type AgentRecord, type AgentState } from './agent-state.js';
import { commandLine } from '../lib/shell-words.js';
import { inlineList } from './format.js';

export const SESSION_STATES = [
  'active',
  'orphaned',
  'unregistered',
  'locked',
  'prunable',
  'merged',
  'interrupted',
  'starting',
  'ending',
  'syncing',
  'untrusted',
] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** What is known about one session, registered or found only by git. */
export interface StateFacts {
  /** null: a worktree in the sessions folder that the manifest does not list. */
  entry: SessionEntry | null;
  /** Does the worktree folder exist on disk? */
  folderExists: boolean;
  /** Does `git worktree list` list the worktree? */
  knownToGit: boolean;
  locked: boolean;
  prunable: boolean;
  /** For starting/ending entries: is the owning process still running? null when it cannot be told (another host). */
  ownerAlive: boolean | null;
  branchTip: string | null;
  /** Commits the branch has that its base lacks; null when either branch is missing. */
  ahead: number | null;
  /** Uncommitted files of the session's own work; null when they could not be read. */
  uncommitted: number | null;
  /** Why the manifest entry cannot be trusted (it disagrees with git or the layout); empty when it can. */
  trustProblems: readonly string[];
  /** An operation under way in the worktree (a rebase stopped part way, an index.lock). */
  busy: Busy | null;
}

/**
 * The first rule that matches wins, so every session has exactly one state:
 * 0. `untrusted`: the entry disagrees with git or the layout; nothing acts on it;
 * 1. starting/ending/syncing entries: `interrupted` when the owner is dead, else the step in progress;
 * 2. `orphaned`: registered, but the folder is gone or git no longer lists the worktree;
 * 3. not registered: `prunable` when git says so, else `unregistered`;
 * 4. `prunable`, then `locked`, as git reports them;
 * 5. `merged`: the branch moved since the session started, every commit is in its base,
 *    and nothing is left uncommitted;
 * 6. `active`.
 */
export function classifySession(facts: StateFacts): SessionState {
  const { entry } = facts;
  if (entry && facts.trustProblems.length > 0) return 'untrusted';
  if (entry && entry.status !== 'active') {
    return facts.ownerAlive === false ? 'interrupted' : entry.status;
  }
  if (entry && (!facts.folderExists || !facts.knownToGit)) return 'orphaned';
  if (!entry) return facts.prunable ? 'prunable' : 'unregistered';
  if (facts.prunable) return 'prunable';
  if (facts.locked) return 'locked';
  if (
    facts.ahead === 0 &&
    facts.branchTip !== null &&
    facts.branchTip !== entry.base.commit &&
    facts.uncommitted === 0 &&
    !facts.busy
  )
    return 'merged';
  return 'active';
}

/** Sessions whose worktree is in use: their changes count for overlaps and merge order. */
export function isLive(state: SessionState): boolean {
  return state === 'active' || state === 'locked';
}

/** States that `session cleanup` resolves. */
export const CLEANUP_STATES: readonly SessionState[] = [
  'orphaned',
  'unregistered',
  'prunable',
  'merged',
  'interrupted',
];

export interface Attention {
  code: string;
  message: string;
  next: string;
}

/** The facts the attention rules read, beyond the state. */
export interface AttentionFacts {
  id: string;
  state: SessionState;
  entry: SessionEntry | null;
  worktreePath: string;
  /** The folder is there (an orphan whose folder remains is one git no longer lists). */
  worktreeExists: boolean;
  lockedReason: string | null;
  prunableReason: string | null;
  owner: { pid: number; host: string } | null;
  branchExists: boolean;
  /** The branch tip, for the ready mark's check; absent when not known. */
  branchTip?: string | null;
  behind: number | null;
  uncommitted: number | null;
  lastCommitDate: string | null;
  /** null when not predicted (git too old, or nothing to predict). */
  mergeConflicts: string[] | null;
  overlaps: { file: string; sessions: string[] }[];
  trustProblems: readonly string[];
  busy: Busy | null;
  /** The owner of a running setup: alive, dead or unknown; null when no setup runs. */
  setupOwner: 'alive' | 'dead' | 'unknown' | null;
  manifestPath: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const listed = inlineList;

/** Why a session needs a person's or an agent's attention, each with the next step. */
export function attentionFor(
  facts: AttentionFacts,
  config: Pick<Config, 'staleAfterDays' | 'behindWarningCommits'>,
  now: Date,
): Attention[] {
  const { id, entry } = facts;
  const out: Attention[] = [];
  const cleanup = `Run \`${helper('cleanup')}\` to see the plan, then \`${helper('cleanup --yes')}\`.`;
  const stepName = (status: string | undefined) =>
    status === 'starting' ? 'start' : status === 'syncing' ? 'sync' : entry?.landing ? 'land' : 'end';
  switch (facts.state) {
    case 'untrusted':
      out.push({
        code: 'untrusted',
        message: `its manifest entry disagrees with git or the layout (${facts.trustProblems.join('; ')}), so no command acts on it`,
        next: `Check the entry "${id}" in ${facts.manifestPath} (a hand edit or another tool changed it): fix it or remove it there.`,
      });
      return out;
    case 'interrupted':
      out.push({
        code: 'interrupted',
        message: `an interrupted ${stepName(entry?.status)} left this entry (owner pid ${facts.owner?.pid ?? '?'} is gone)${facts.busy ? `, and ${facts.busy.what} in its worktree` : ''}`,
        next: `${cleanup} It finishes or rolls back the interrupted step.`,
      });
      break;
    case 'starting':
    case 'ending':
    case 'syncing':
      out.push({
        code: facts.state,
        message: `a ${stepName(facts.state)} is in progress (pid ${facts.owner?.pid ?? '?'} on ${facts.owner?.host ?? '?'})`,
        next: `Wait for it to finish, then run \`${helper('status')}\` again.`,
      });
      break;
    case 'orphaned':
      out.push({
        code: 'orphaned',
        message: facts.worktreeExists
          ? `git no longer lists ${facts.worktreePath} as a worktree`
          : `the worktree ${facts.worktreePath} is gone${facts.branchExists ? ' (its branch remains)' : ''}`,
        next: cleanup,
      });
      break;
    case 'unregistered':
      out.push({
        code: 'unregistered',
        message: `the worktree ${facts.worktreePath} is not in the manifest`,
        next: cleanup,
      });
      break;
    case 'prunable':
      out.push({
        code: 'prunable',
        message: `git reports the worktree as prunable${facts.prunableReason ? ` (${facts.prunableReason})` : ''}`,
        next: cleanup,
      });
      break;
    case 'merged':
      out.push({
        code: 'merged',
        message: `every commit is already in ${entry?.base.branch ?? 'its base'}`,
        next: `End it with \`${helper(`end ${id} --strategy merge`)}\` (nothing left to merge; it only removes the worktree), or let \`${helper('cleanup')}\` remove it.`,
      });
      break;
    case 'locked':
      out.push({
        code: 'locked',
        message: `git has the worktree locked${facts.lockedReason ? ` (${facts.lockedReason})` : ''}`,
        next: `Unlock it when it is free again: ${commandLine(['git', 'worktree', 'unlock', facts.worktreePath])}`,
      });
      break;
    case 'active':
      break;
  }
  if (!isLive(facts.state) || !entry) return out;

  if (facts.busy) {
    out.push({
      code: 'busy',
      message: `${facts.busy.what} in its worktree`,
      next: `Finish it (${facts.busy.finish.join('; ')}) or abort it (${facts.busy.abort.join('; ')}).`,
    });
  }
  const setup = entry.setup;
  if (setup && (setup.status === 'interrupted' || (setup.status === 'running' && facts.setupOwner === 'dead'))) {
    out.push({
      code: 'setup-interrupted',
      message: `its workspace setup (${setup.command ?? 'dependency install'}) was interrupted`,
      next: `Run \`${helper(`setup ${id}`)}\` to prepare the workspace again.`,
    });
  } else if (setup?.status === 'failed') {
    out.push({
      code: 'setup-failed',
      message: `its workspace setup failed${setup.log ? ` (log: ${setup.log})` : ''}`,
      next: `Fix the cause shown in the log, then run \`${helper(`setup ${id}`)}\`.`,
    });
  }

  if (!facts.branchExists) {
    out.push({
      code: 'branch-missing',
      message: `the branch ${entry.branch} does not exist`,
      next: `Check the worktree: ${commandLine(['git', '-C', facts.worktreePath, 'status'])}`,
    });
  }
  if (facts.mergeConflicts && facts.mergeConflicts.length > 0) {
    out.push({
      code: 'conflicts',
      message: `would conflict with ${entry.base.branch} in ${listed(facts.mergeConflicts)}`,
      next: `Run \`${helper(`sync ${id}`)}\` and resolve the conflicts in the session.`,
    });
  }
  const syncedAt = entry.lastSyncedAt ?? entry.startedAt;
  const stale = olderThanDays(syncedAt, now, config.staleAfterDays);
  const farBehind = facts.behind !== null && facts.behind > config.behindWarningCommits;
  if (stale || farBehind) {
    const why = [
      stale
        ? `${entry.lastSyncedAt ? 'last synced' : 'started'} ${wholeDays(syncedAt, now)} days ago (over ${config.staleAfterDays})`
        : null,
      farBehind ? `${facts.behind} commits behind ${entry.base.branch} (over ${config.behindWarningCommits})` : null,
    ]
      .filter(Boolean)
      .join(' and ');
    out.push({
      code: stale ? 'stale' : 'behind',
      message: why,
      next: `Run \`${helper(`sync ${id}`)}\` to bring in ${entry.base.branch}.`,
    });
  }
  const lastWork = facts.lastCommitDate ?? entry.startedAt;
  if ((facts.uncommitted ?? 0) > 0 && olderThanDays(lastWork, now, config.staleAfterDays)) {
    out.push({
      code: 'dirty-old',
      message: `${plural(facts.uncommitted!, 'uncommitted file')}, and the last commit was ${relativeAge(lastWork, now)}`,
      next: `Commit the work in ${facts.worktreePath} so that it is saved on the branch.`,
    });
  }
  if (entry.ready && facts.branchTip && entry.ready.tip !== facts.branchTip) {
    out.push({
      code: 'ready-moved',
      message: `it was marked ready to land at ${entry.ready.tip.slice(0, 12)}, but its branch has moved since, so the mark no longer counts`,
      next: `When the work is finished again, mark it again: \`${helper(`ready ${id}`)}\` (or land it by name).`,
    });
  }
  if (facts.overlaps.length > 0) {
    const others = [...new Set(facts.overlaps.flatMap((overlap) => overlap.sessions))].sort();
    out.push({
      code: 'overlap',
      message: `${plural(facts.overlaps.length, 'file')} also changed by ${others.join(', ')}: ${listed(facts.overlaps.map((overlap) => overlap.file))}`,
      next: `Run \`${helper(`overlap ${id}`)}\` for predicted conflicts and a merge order.`,
    });
  }
  return out;
}

/** Everything gathered about one session (engine/session-facts.ts fills it; the core reads it). */
export interface SessionFacts {
  id: string;
  entry: SessionEntry | null;
  /** Absolute. */
  worktreePath: string;
  folderExists: boolean;
  knownToGit: boolean;
  locked: boolean;
  lockedReason: string | null;
  prunable: boolean;
  prunableReason: string | null;
  ownerAlive: boolean | null;
  /** Short branch name: from the manifest, or from git for an unregistered worktree. */
  branch: string | null;
  branchTip: string | null;
  lastCommitDate: string | null;
  baseBranch: string | null;
  baseTip: string | null;
  ahead: number | null;
  behind: number | null;
  /** The session's own uncommitted files (renames give both paths); null when not read. */
  uncommittedFiles: string[] | null;
  /** Files changed on the branch since its fork from the base; null when not known. */
  committedFiles: string[] | null;
  /** Merge prediction into the base: null when not made (see mergeNote). */
  merge: { clean: boolean; conflicts: string[] } | null;
  mergeNote: string | null;
  /** Git failures met while gathering; reported, never thrown. */
  problems: string[];
  trustProblems: string[];
  busy: Busy | null;
  setupOwner: 'alive' | 'dead' | 'unknown' | null;
  /** What the hooks last recorded about the session's agent; null when nothing was. */
  agent: AgentRecord | null;
  /** Whether the client process that recorded it still runs; null when none was recorded. */
  agentClient: 'alive' | 'dead' | 'unknown' | null;
  state: SessionState;
}

/** What is known about a session's agent: its recorded state, and whether the client that recorded it still runs. */
export interface AgentFacts {
  record: AgentRecord | null;
  /** When the session started: a record from before it is an earlier session's of the same name. */
  startedAt: string | null;
  /** The recorded client process: alive, dead, on another host (unknown); null when none was recorded. */
  clientAlive: 'alive' | 'dead' | 'unknown' | null;
}

/** A session's agent as status shows it. */
export interface AgentView {
  state: AgentState;
  /** When the recorded state began (the last hook event). */
  since: string;
  event: AgentEvent;
  /** The Claude Code conversation: `claude --resume <it>` continues it. */
  conversation: string | null;
  /** A notification's message, kept as the client wrote it. */
  message: string | null;
  /** Why it is in that state, in words: the notification's message, "its turn ended", ... */
  reason: string | null;
  /** Waiting: the agent needs the user to go on. */
  needsYou: boolean;
  client: { pid: number; host: string; alive: boolean | null } | null;
}

const MINUTE_MS = 60_000;

function waitReason(record: AgentRecord): string {
  if (record.event === 'Notification') return record.message ?? 'a notification asked for you';
  if (record.event === 'SessionStart') return record.detail === 'resume' ? 'resumed, no prompt yet' : 'no prompt yet';
  return 'its turn ended';
}

/**
 * The agent's one state, the first rule that matches winning:
 * 0. no record, or one older than the session: unknown (null);
 * 1. `gone`: the conversation ended, or the client process that recorded the state runs no more;
 * 2. `idle`: waiting with no turn for `idleMinutes`, unless the wait blocks a turn (a permission prompt);
 * 3. the recorded `working` or `waiting`.
 */
export function classifyAgent(facts: AgentFacts, now: Date, idleMinutes: number): AgentView | null {
  const { record } = facts;
  if (!record) return null;
  if (facts.startedAt && Date.parse(record.at) < Date.parse(facts.startedAt)) return null;
  const base = {
    since: record.at,
    event: record.event,
    conversation: record.conversation,
    message: record.message ?? null,
    client: record.client
      ? {
          pid: record.client.pid,
          host: record.client.host,
          alive: facts.clientAlive === 'unknown' || facts.clientAlive === null ? null : facts.clientAlive === 'alive',
        }
      : null,
  };
  if (record.state === 'gone') return { ...base, state: 'gone', reason: 'the conversation ended', needsYou: false };
  if (facts.clientAlive === 'dead')
    return {
      ...base,
      state: 'gone',
      reason: `its Claude Code process (pid ${record.client?.pid ?? '?'}) ended`,
      needsYou: false,
    };
  if (record.state === 'waiting') {
    const blocking = record.notificationType !== undefined && BLOCKING_WAITS.has(record.notificationType);
    const quietFor = now.getTime() - Date.parse(record.at);
    if (!blocking && quietFor >= idleMinutes * MINUTE_MS)
      return { ...base, state: 'idle', reason: waitReason(record), needsYou: false };
    return { ...base, state: 'waiting', reason: waitReason(record), needsYou: true };
  }
  return { ...base, state: 'working', reason: null, needsYou: false };
}

/** "waiting 12 min: Claude needs your permission to use Bash", for a status line or a table cell (`short`: without the reason). */
export function agentSummary(view: AgentView, now: Date, short = false): string {
  const age = shortDuration(now.getTime() - Date.parse(view.since));
  if (view.state === 'gone' && view.event !== 'SessionEnd')
    return short ? 'gone' : `gone: ${view.reason} (last event ${age} ago)`;
  const head = `${view.state} ${age}`;
  return short || !view.reason ? head : `${head}: ${view.reason}`;
}

/** The agent as reports show it: its view, how long it has been so, and the one line that says it. */
export type AgentReport = AgentView & {
  /** How long it has been in that state: "12 min". */
  age: string;
  /** "waiting 12 min: Claude needs your permission to use Bash". */
  summary: string;
};

export function describeAgent(facts: AgentFacts, now: Date, idleMinutes: number): AgentReport | null {
  const view = classifyAgent(facts, now, idleMinutes);
  return view
    ? { ...view, age: shortDuration(now.getTime() - Date.parse(view.since)), summary: agentSummary(view, now) }
    : null;
}
