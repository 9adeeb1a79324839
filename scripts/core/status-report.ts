/**
 * `session status` as data and as text, pure: the JSON document is built from the gathered
 * facts, and the text is rendered from that document, so both always say the same thing.
 */
import { helper } from '../lib/invocation.js';
import { relativeAge } from './age.js';
import type { Config } from './config.js';
import { displayPath } from './paths.js';
import { shortSha } from './format.js';
import { openCommand } from './names.js';
import { commandLine } from '../lib/shell-words.js';
import { fileOverlaps, overlapsOf, compare, type SessionChanges } from './overlap.js';
import { renderTable, truncate } from './render-table.js';
import { hasLeftovers, prunableCounts, type Leftovers } from './leftovers.js';
import {
  attentionFor,
  CLEANUP_STATES,
  describeAgent,
  isLive,
  type AgentReport,
  type Attention,
  type SessionFacts,
  type SessionState,
} from './session-state.js';
import { readyState } from './land-plan.js';
import type { IssueLink, PrLink } from './manifest-types.js';

export interface ReportProblem {
  code: string;
  message: string;
  next: string;
}

export interface SessionReport {
  id: string;
  state: SessionState;
  registered: boolean;
  branch: string | null;
  worktree: string;
  worktreeExists: boolean;
  startedAt: string | null;
  started: string | null;
  goals: string[];
  sessionLog: string | null;
  base: { branch: string; commit: string } | null;
  ahead: number | null;
  behind: number | null;
  uncommitted: number | null;
  lastCommit: { commit: string; date: string; age: string } | null;
  merge: { predicted: boolean; clean: boolean | null; conflicts: string[]; note: string | null };
  overlaps: { file: string; sessions: string[] }[];
  port: { base: number; count: number } | null;
  locked: { reason: string | null } | null;
  prunable: { reason: string | null } | null;
  owner: { pid: number; host: string; alive: boolean | null } | null;
  attention: Attention[];
  problems: string[];
  /** The agent working in it, as the hooks last reported it; null when they reported nothing. */
  agent: AgentReport | null;
  /** The line that opens it: its worktree, and `claude --resume` with its agent's conversation (else the one it came from). Null when its worktree is gone. */
  open: string | null;
  /** Marked finished by `session ready`; `current` while the branch is still at the marked tip. */
  ready: { at: string; tip: string; current: boolean } | null;
  /** The GitHub issue it was started from (start --issue), and the pull request it was started on (start --pr). */
  issue: IssueLink | null;
  pr: PrLink | null;
}

export interface MainReport {
  path: string;
  branch: string | null;
  clean: boolean;
  changes: number;
  untracked: number;
  busy: { operation: string; what: string; finish: string[]; abort: string[] } | null;
  /** What starts stashed of its uncommitted changes and no one has popped yet, newest first. */
  startStashes: Array<{ ref: string; commit: string; session: string }>;
}

export interface StatusReport {
  repository: boolean;
  /** Where the command ran: the session whose worktree holds cwd, or the main checkout. */
  here: { session: string | null; mainCheckout: boolean };
  mainCheckout: MainReport | null;
  sessionsDir: string | null;
  manifest: string | null;
  problems: ReportProblem[];
  sessions: SessionReport[];
  /** Sessions whose agent waits for the user, the longest waiting first. */
  needsYou: string[];
  otherWorktrees: { path: string; branch: string | null }[];
  /** What ended sessions left: kept branches, saved refs, setup logs; null when it could not be told (no repository, an unusable manifest). */
  leftovers: LeftoversReport | null;
  settings: {
    staleAfterDays: number;
    behindWarningCommits: number;
    sessionMode: Config['sessionMode'];
    savedRefsMaxAgeDays: number;
    agentIdleMinutes: number;
  };
  next: string[];
}

export type LeftoversReport = Leftovers & { prunable: ReturnType<typeof prunableCounts> };

/** The manifest may carry a port block (written by workspace setup); read it without trusting it. */
export function portOf(entry: unknown): { base: number; count: number } | null {
  const port = (entry as { port?: unknown } | null)?.port as { base?: unknown; count?: unknown } | undefined;
  if (!port || typeof port.base !== 'number' || typeof port.count !== 'number') return null;
  return { base: port.base, count: port.count };
}

export function changesOf(session: SessionFacts): SessionChanges {
  return { id: session.id, committed: session.committedFiles ?? [], uncommitted: session.uncommittedFiles ?? [] };
}

export interface ReportInput {
  sessions: SessionFacts[];
  main: MainReport;
  sessionsDir: string;
  manifestPath: string;
  otherWorktrees: { path: string; branch: string | null }[];
  problems: ReportProblem[];
  leftovers: Leftovers | null;
  config: Pick<
    Config,
    'staleAfterDays' | 'behindWarningCommits' | 'sessionMode' | 'savedRefsMaxAgeDays' | 'agentIdleMinutes'
  >;
  now: Date;
  /** Toplevel of the worktree holding cwd. */
  currentWorktree: string | null;
}

export function buildStatusReport(input: ReportInput): StatusReport {
  const live = input.sessions.filter((session) => isLive(session.state));
  const overlaps = fileOverlaps(live.map(changesOf));
  const sessions = [...input.sessions]
    .sort((a, b) => compare(a.id, b.id))
    .map((facts): SessionReport => {
      const entry = facts.entry;
      const mine = isLive(facts.state) ? overlapsOf(facts.id, overlaps) : [];
      const attention = attentionFor(
        {
          id: facts.id,
          state: facts.state,
          entry,
          worktreePath: facts.worktreePath,
          worktreeExists: facts.folderExists,
          lockedReason: facts.lockedReason,
          prunableReason: facts.prunableReason,
          owner: entry?.owner ?? null,
          branchExists: facts.branchTip !== null,
          branchTip: facts.branchTip,
          behind: facts.behind,
          uncommitted: facts.uncommittedFiles?.length ?? null,
          lastCommitDate: facts.lastCommitDate,
          mergeConflicts: facts.merge?.conflicts ?? null,
          overlaps: mine,
          trustProblems: facts.trustProblems,
          busy: facts.busy,
          setupOwner: facts.setupOwner,
          manifestPath: input.manifestPath,
        },
        input.config,
        input.now,
      );
      const agent = describeAgent(
        { record: facts.agent, startedAt: entry?.startedAt ?? null, clientAlive: facts.agentClient },
        input.now,
        input.config.agentIdleMinutes,
      );
      return {
        id: facts.id,
        state: facts.state,
        registered: entry !== null,
        branch: facts.branch,
        worktree: facts.worktreePath,
        worktreeExists: facts.folderExists,
        startedAt: entry?.startedAt ?? null,
        started: entry ? relativeAge(entry.startedAt, input.now) : null,
        goals: entry?.goals ?? [],
        sessionLog: entry?.sessionLog ?? null,
        base: entry ? { ...entry.base } : null,
        ahead: facts.ahead,
        behind: facts.behind,
        uncommitted: facts.uncommittedFiles?.length ?? null,
        lastCommit:
          facts.branchTip && facts.lastCommitDate
            ? { commit: facts.branchTip, date: facts.lastCommitDate, age: relativeAge(facts.lastCommitDate, input.now) }
            : null,
        merge: {
          predicted: facts.merge !== null,
          clean: facts.merge?.clean ?? null,
          conflicts: facts.merge?.conflicts ?? [],
          note: facts.mergeNote,
        },
        overlaps: mine,
        port: portOf(entry),
        locked: facts.locked ? { reason: facts.lockedReason } : null,
        prunable: facts.prunable ? { reason: facts.prunableReason } : null,
        owner: entry?.owner ? { ...entry.owner, alive: facts.ownerAlive } : null,
        attention,
        problems: facts.problems,
        agent,
        open:
          facts.folderExists && isLive(facts.state)
            ? openCommand(facts.worktreePath, agent?.conversation ?? entry?.claudeSession, commandLine)
            : null,
        ready: entry?.ready
          ? { ...entry.ready, current: readyState(entry.ready, facts.branchTip) === 'current' }
          : null,
        issue: entry?.issue ? { ...entry.issue } : null,
        pr: entry?.pr ? { ...entry.pr } : null,
      };
    });
  const report: StatusReport = {
    repository: true,
    here: {
      session: input.sessions.find((session) => session.worktreePath === input.currentWorktree)?.id ?? null,
      mainCheckout: input.currentWorktree === input.main.path,
    },
    mainCheckout: input.main,
    sessionsDir: input.sessionsDir,
    manifest: input.manifestPath,
    problems: input.problems,
    sessions,
    needsYou: sessions
      .filter((session) => session.agent?.needsYou && session.state !== 'untrusted')
      .sort((a, b) => compare(a.agent!.since, b.agent!.since) || compare(a.id, b.id))
      .map((session) => session.id),
    otherWorktrees: input.otherWorktrees,
    leftovers: input.leftovers ? { ...input.leftovers, prunable: prunableCounts(input.leftovers) } : null,
    settings: {
      staleAfterDays: input.config.staleAfterDays,
      behindWarningCommits: input.config.behindWarningCommits,
      sessionMode: input.config.sessionMode,
      savedRefsMaxAgeDays: input.config.savedRefsMaxAgeDays,
      agentIdleMinutes: input.config.agentIdleMinutes,
    },
    next: [],
  };
  report.next = nextSteps(report);
  return report;
}

/** What to do next, most useful first, each a command to run. */
export function nextSteps(report: StatusReport): string[] {
  const next: string[] = [];
  for (const problem of report.problems) next.push(problem.next);
  for (const id of report.needsYou) {
    const session = report.sessions.find((each) => each.id === id)!;
    next.push(
      `The agent in ${id} waits for you (${session.agent!.reason}): answer it in its terminal, or \`${helper(`open ${id}`)}\` opens it (a tmux window inside tmux, else the line to run).`,
    );
  }
  if (report.sessions.some((session) => CLEANUP_STATES.includes(session.state))) {
    next.push(
      `\`${helper('cleanup')}\` shows how it would resolve the orphaned, interrupted, merged or unregistered sessions; \`${helper('cleanup --yes')}\` does it.`,
    );
  }
  const sync = report.sessions.filter((session) =>
    session.attention.some((item) => ['conflicts', 'stale', 'behind'].includes(item.code)),
  );
  for (const session of sync)
    next.push(`\`${helper(`sync ${session.id}`)}\` brings ${session.base?.branch ?? 'its base'} into ${session.id}.`);
  if (report.sessions.some((session) => session.overlaps.length > 0))
    next.push(`\`${helper('overlap')}\` predicts conflicts between sessions and suggests a merge order.`);
  const ready = report.sessions.filter((session) => session.ready?.current && isLive(session.state));
  if (ready.length > 0)
    next.push(
      `${ready.length === 1 ? `${ready[0]!.id} is` : `${ready.length} sessions are`} ready to land (${ready.map((session) => session.id).join(', ')}): \`${helper('land --dry-run')}\` shows the land queue, \`${helper('land')}\` lands ${ready.length === 1 ? 'it' : 'them in order'} (/parallel.land asks first).`,
    );
  for (const session of report.sessions.filter((s) => s.attention.some((item) => item.code === 'dirty-old'))) {
    next.push(`Commit the uncommitted work in ${session.id}.`);
  }
  const prunable = report.leftovers?.prunable;
  if (prunable && prunable.savedRefSets + prunable.setupLogs + prunable.branches > 0) {
    next.push(
      `\`${helper('cleanup')}\` shows which leftovers of ended sessions it would prune (merged, or saved over ${report.settings.savedRefsMaxAgeDays} days ago); \`${helper('cleanup --yes')}\` prunes them.`,
    );
  }
  if (report.repository && report.sessions.length === 0 && report.problems.length === 0)
    next.push(
      `\`${helper('start <name>')}\` (or /dev-session.start) creates a parallel session${report.leftovers?.restorable.length ? `, or \`${helper('restore <name>')}\` brings back an ended one (listed above)` : ''}.`,
    );
  return next;
}

/** When there is nothing to list: outside a repository, or a project that cannot be read. */
export function problemOnlyReport(problem: ReportProblem, settings: StatusReport['settings']): StatusReport {
  return {
    repository: problem.code !== 'not-a-repository' && problem.code !== 'no-such-folder',
    here: { session: null, mainCheckout: false },
    mainCheckout: null,
    sessionsDir: null,
    manifest: null,
    problems: [problem],
    sessions: [],
    needsYou: [],
    otherWorktrees: [],
    leftovers: null,
    settings,
    next: [problem.next],
  };
}

const dash = (value: string | number | null | undefined) =>
  value === null || value === undefined || value === '' ? '-' : String(value);

/** "waiting 12 min", "working <1 min", "gone". */
function agentCell(agent: AgentReport | null): string {
  if (!agent) return '-';
  return agent.state === 'gone' ? 'gone' : `${agent.state} ${agent.age}`;
}

function mergeCell(session: SessionReport): string {
  if (session.merge.predicted) return session.merge.clean ? 'clean' : `conflict (${session.merge.conflicts.length})`;
  return session.merge.note ? '?' : '-';
}

function stateCell(session: SessionReport): string {
  if (!session.ready || !isLive(session.state)) return session.state;
  return `${session.state}, ${session.ready.current ? 'ready' : 'ready?'}`;
}

function aheadBehindCell(session: SessionReport): string {
  if (session.ahead === null || session.behind === null) return '-';
  return `+${session.ahead}/-${session.behind}`;
}

function overlapCell(session: SessionReport): string {
  if (session.overlaps.length === 0) return '-';
  const others = [...new Set(session.overlaps.flatMap((overlap) => overlap.sessions))].sort();
  return `${session.overlaps.length} (${truncate(others.join(','), 24)})`;
}

export interface RenderOptions {
  /** Paths are shown relative to it when that is shorter. */
  cwd: string;
}

export function renderStatus(report: StatusReport, options: RenderOptions): string {
  const out: string[] = [];
  for (const problem of report.problems) out.push(`✗ ${problem.message}`);
  if (!report.mainCheckout) {
    out.push('', `Next: ${report.next.join(' ')}`);
    return out.join('\n');
  }
  const path = (absolute: string) => displayPath(options.cwd, absolute);
  const count = report.sessions.length;
  const attentionCount = report.sessions.filter((session) => session.attention.length > 0).length;
  const waiting = report.needsYou.length;
  out.push(
    count === 0
      ? `- No parallel sessions (sessions folder: ${path(report.sessionsDir!)}).${report.leftovers && hasLeftovers(report.leftovers) ? ' Ended sessions left branches, saved refs or logs: see Leftovers below.' : ''}`
      : `${attentionCount + waiting > 0 ? '!' : '✓'} ${count} parallel session${count === 1 ? '' : 's'}, ${waiting > 0 ? `${waiting} need${waiting === 1 ? 's' : ''} you, ` : ''}${attentionCount} needing attention (sessions folder: ${path(report.sessionsDir!)})`,
  );
  if (report.here.session) out.push(`- You are in session "${report.here.session}" (its worktree).`);
  else if (report.here.mainCheckout) out.push('- You are in the main checkout.');
  // Sessions whose agent waits come first, the longest waiting first; then the rest by id.
  const ordered = [
    ...report.needsYou.map((id) => report.sessions.find((session) => session.id === id)!),
    ...report.sessions.filter((session) => !report.needsYou.includes(session.id)),
  ];
  if (waiting > 0) {
    out.push('', 'Needs you:');
    for (const session of ordered.slice(0, waiting)) {
      out.push(`! ${session.id}: ${session.agent!.summary}`);
      if (session.open) out.push(`    ${session.open}`);
    }
  }
  if (count > 0) {
    // The AGENT column once any hook has reported: a project without the hooks reads as before.
    const agents = report.sessions.some((session) => session.agent !== null);
    out.push(
      '',
      renderTable(
        [
          { header: 'SESSION' },
          { header: 'STATE' },
          ...(agents ? [{ header: 'AGENT' }] : []),
          { header: 'BASE' },
          { header: 'AHEAD/BEHIND' },
          { header: 'DIRTY', align: 'right' },
          { header: 'LAST COMMIT' },
          { header: 'STARTED' },
          { header: 'MERGE' },
          { header: 'OVERLAPS' },
          { header: 'PORT' },
          { header: 'GOALS' },
        ],
        ordered.map((s) => [
          s.id,
          stateCell(s),
          ...(agents ? [agentCell(s.agent)] : []),
          dash(s.base?.branch),
          aheadBehindCell(s),
          dash(s.uncommitted),
          dash(s.lastCommit?.age),
          dash(s.started),
          mergeCell(s),
          overlapCell(s),
          s.port ? `${s.port.base}-${s.port.base + s.port.count - 1}` : '-',
          truncate(s.goals.join('; ') || '-', 48),
        ]),
      ),
      '',
      renderTable(
        [{ header: 'SESSION' }, { header: 'BRANCH' }, { header: 'WORKTREE' }, { header: 'SESSION LOG' }],
        ordered.map((s) => [
          s.id,
          dash(s.branch),
          path(s.worktree) + (s.worktreeExists ? '' : ' (missing)'),
          dash(s.sessionLog),
        ]),
      ),
    );
  }
  const needing = report.sessions.filter((session) => session.attention.length > 0 || session.problems.length > 0);
  if (needing.length > 0) {
    out.push('', 'Needs attention:');
    for (const session of needing) {
      for (const item of session.attention) out.push(`! ${session.id}: ${item.message}. ${item.next}`);
      for (const problem of session.problems) out.push(`✗ ${session.id}: git failed while ${problem}`);
    }
  }
  const notes = [
    ...new Set(report.sessions.map((session) => session.merge.note).filter((note): note is string => note !== null)),
  ];
  for (const note of notes) out.push(`- Merge predictions skipped: ${note}.`);
  const openable = ordered.filter((session) => session.open !== null);
  if (openable.length > 0) {
    out.push('', 'To work in a session, open a new terminal and run:');
    for (const session of openable) out.push(`  ${session.id}: ${session.open}`);
  }
  for (const other of report.otherWorktrees)
    out.push(`- Other worktree (not a session): ${path(other.path)} on ${dash(other.branch)}`);
  if (report.leftovers && hasLeftovers(report.leftovers)) out.push('', ...renderLeftovers(report.leftovers));
  const main = report.mainCheckout!;
  const state = main.clean ? 'clean' : `dirty: ${main.changes} changed file${main.changes === 1 ? '' : 's'}`;
  const untracked = main.untracked > 0 ? `, ${main.untracked} untracked` : '';
  out.push('', `Main checkout: ${main.path} on ${main.branch ?? '(detached HEAD)'}, ${state}${untracked}`);
  if (report.settings.sessionMode !== 'ask')
    out.push(
      `- New sessions are ${report.settings.sessionMode} unless the user says otherwise (sessionMode in .claude/flight-rules.json).`,
    );
  for (const stash of main.startStashes)
    out.push(
      `- ${stash.ref} (${shortSha(stash.commit)}) holds the uncommitted changes the start of "${stash.session}" set aside here; put them back with: ${commandLine(['git', '-C', main.path, 'stash', 'pop', stash.ref])}`,
    );
  if (main.busy)
    out.push(
      `! Git is busy there: ${main.busy.what}. Finish it (${main.busy.finish.join('; ')}) or abort it (${main.busy.abort.join('; ')}).`,
    );
  if (report.next.length > 0) {
    out.push('', 'Next:', ...report.next.map((step) => `  - ${step}`));
  } else if (count > 0) {
    out.push('', 'Next: nothing needs attention.');
  }
  return out.join('\n');
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The leftovers of ended sessions, for people: what is there, whether it is merged, how old, and how to get it back. */
export function renderLeftovers(leftovers: LeftoversReport): string[] {
  const out: string[] = [
    `Leftovers of ended sessions (kept, not lost; cleanup prunes only what is merged or older than ${leftovers.maxAgeDays} days, and only with --yes):`,
  ];
  if (leftovers.branches.length > 0) {
    out.push(
      '',
      renderTable(
        [
          { header: 'BRANCH' },
          { header: 'MERGED' },
          { header: 'UPSTREAM' },
          { header: 'LAST COMMIT' },
          { header: 'ENDED AS' },
        ],
        leftovers.branches.map((branch) => [
          branch.branch,
          branch.merged === null
            ? `? (${branch.base ?? 'no base'})`
            : `${branch.merged ? 'yes' : 'no'} (${branch.base})`,
          branch.upstream ?? 'none',
          branch.lastCommitAge,
          branch.endedAs ?? '-',
        ]),
        '  ',
      ),
    );
  }
  if (leftovers.savedRefs.length > 0) {
    out.push(
      '',
      renderTable(
        [
          { header: 'SAVED REFS OF' },
          { header: 'ENDS', align: 'right' },
          { header: 'REFS', align: 'right' },
          { header: 'NEWEST' },
          { header: 'OLDEST' },
          { header: 'PRUNABLE' },
        ],
        leftovers.savedRefs.map((session) => {
          const merged = session.sets.filter((set) => set.prune === 'merged').length;
          const old = session.sets.filter((set) => set.prune === 'old').length;
          const prunable = session.inUse
            ? 'no (session in use)'
            : merged + old === 0
              ? 'no'
              : [merged ? `${merged} merged` : null, old ? `${old} old` : null].filter(Boolean).join(', ');
          return [
            session.session,
            String(session.sets.length),
            String(session.refCount),
            ageOf(session.sets[session.sets.length - 1]!),
            ageOf(session.sets[0]!),
            prunable,
          ];
        }),
        '  ',
      ),
      `  (under refs/sessions/; list them with: git for-each-ref refs/sessions/)`,
    );
  }
  if (leftovers.setupLogs.length > 0) {
    out.push(
      '',
      `  Files of ended sessions (setup and check logs, notice markers): ${leftovers.setupLogs
        .slice(0, 8)
        .map((log) => log.file)
        .join(
          ', ',
        )}${leftovers.setupLogs.length > 8 ? `, and ${leftovers.setupLogs.length - 8} more` : ''} (${plural(leftovers.setupLogs.length, 'file')})`,
    );
  }
  if (leftovers.restorable.length > 0) {
    out.push('', '  Restore an ended session (branch, worktree, uncommitted work, goals, ports):');
    for (const item of leftovers.restorable)
      out.push(`    ${item.session} (${item.strategy} at ${item.endedAt}): ${item.command}`);
  }
  return out;
}

const ageOf = (set: { age: string }) => set.age;
