import type { Subcommand } from '../lib/subcommand.js';
import { describeError } from '../lib/errors.js';
import { limiter } from '../lib/limit.js';
import { DEFAULT_CONFIG } from '../core/config.js';
import { findProject, type Project } from '../store/project.js';
import { isTrackedChange, isUntracked } from '../core/status-porcelain.js';
import { shortBranch } from '../core/worktree-list.js';
import { buildStatusReport, problemOnlyReport, renderStatus, type MainReport, type ReportProblem, type StatusReport } from '../core/status-report.js';
import { readStatus } from '../git/changes.js';
import { checkoutBusySync } from '../git/checkout-state.js';
import { gatherProjectFacts, readManifestForReport } from '../engine/report/session-facts.js';
import { gatherLeftoverFacts } from '../engine/cleanup/leftover-facts.js';
import { findLeftovers } from '../core/leftovers.js';
import { readRefs } from '../git/refs.js';

/** Any failure becomes a reported problem: status is inlined by slash commands, where a non-zero exit aborts. */
function asProblem(error: unknown): ReportProblem {
  const { code, message, next } = describeError(error, 'status');
  return { code, message, next };
}

async function mainReport(project: Project): Promise<MainReport> {
  const main = project.worktrees[0]!;
  const entries = await readStatus(project.mainCheckout);
  const changes = entries.filter(isTrackedChange).length;
  const busy = checkoutBusySync(project.mainCheckout, entries);
  return {
    path: project.mainCheckout,
    branch: shortBranch(main.branch),
    clean: changes === 0,
    changes,
    untracked: entries.filter(isUntracked).length,
    busy: busy ? { operation: busy.operation, what: busy.what, finish: busy.finish, abort: busy.abort } : null,
  };
}

async function report(cwd: string, now: Date): Promise<StatusReport> {
  const defaults = { staleAfterDays: DEFAULT_CONFIG.staleAfterDays, behindWarningCommits: DEFAULT_CONFIG.behindWarningCommits, sessionMode: DEFAULT_CONFIG.sessionMode, savedRefsMaxAgeDays: DEFAULT_CONFIG.savedRefsMaxAgeDays, agentIdleMinutes: DEFAULT_CONFIG.agentIdleMinutes };
  let project: Project;
  try {
    project = await findProject(cwd);
  } catch (error) {
    return problemOnlyReport(asProblem(error), defaults);
  }
  try {
    const { manifest, problem } = readManifestForReport(project);
    const limit = limiter();
    // One for-each-ref for every branch and every saved ref: the sessions' tips and the leftovers.
    const refs = limit(() => readRefs(project.mainCheckout));
    const [facts, main, leftoverFacts] = await Promise.all([
      gatherProjectFacts(project, manifest, { predictMerges: true, limit, refs }),
      limit(() => mainReport(project)),
      problem ? Promise.resolve(null) : refs.then((rows) => gatherLeftoverFacts(project, manifest, rows, now, limit)),
    ]);
    return buildStatusReport({
      leftovers: leftoverFacts ? findLeftovers(leftoverFacts) : null,
      sessions: facts.sessions,
      main,
      sessionsDir: project.sessionsDir,
      manifestPath: project.manifestPath,
      otherWorktrees: facts.otherWorktrees.map((record) => ({ path: record.path, branch: shortBranch(record.branch) })),
      problems: problem ? [problem] : [],
      config: { staleAfterDays: project.config.staleAfterDays, behindWarningCommits: project.config.behindWarningCommits, sessionMode: project.config.sessionMode, savedRefsMaxAgeDays: project.config.savedRefsMaxAgeDays, agentIdleMinutes: project.config.agentIdleMinutes },
      now,
      currentWorktree: project.currentWorktree,
    });
  } catch (error) {
    return problemOnlyReport(asProblem(error), defaults);
  }
}

export const status: Subcommand = {
  name: 'status',
  summary: 'Show every parallel session, what needs attention and why, the leftovers of ended sessions, and the main checkout. Read-only; always exits 0.',
  usage: 'status [--json]',
  options: {},
  positionals: { min: 0, max: 0 },
  async run(_invocation, context) {
    const result = await report(context.cwd, context.now);
    return { json: { ...result }, text: renderStatus(result, { cwd: context.cwd }) };
  },
};
