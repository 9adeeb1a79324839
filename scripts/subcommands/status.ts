import type { Context, Subcommand } from '../lib/subcommand.js';
import { SPECS } from './specs.js';
import { now as clock } from '../lib/clock.js';
import { UsageError } from '../lib/errors.js';
import { commonGitDir } from '../git/repo.js';
import { watchStatus, watchTargets } from '../engine/report/watch-status.js';
import { describeError } from '../lib/errors.js';
import { limiter } from '../lib/limit.js';
import { DEFAULT_CONFIG } from '../core/config.js';
import { findProject, type Project } from '../store/project.js';
import { isTrackedChange, isUntracked } from '../core/status-porcelain.js';
import { shortBranch } from '../core/worktree-list.js';
import {
  buildStatusReport,
  problemOnlyReport,
  renderStatus,
  type MainReport,
  type ReportProblem,
  type StatusReport,
} from '../core/status-report.js';
import { readStatus, stashesMadeByStart } from '../git/changes.js';
import { checkoutBusySync } from '../git/checkout-state.js';
import { gatherProjectFacts, readManifestForReport } from '../engine/report/session-facts.js';
import { gatherLeftoverFacts } from '../engine/cleanup/leftover-facts.js';
import { findLeftovers } from '../core/leftovers.js';
import { readRefs } from '../git/refs.js';
import { comparisonsToKeep, openComparisonCache } from '../store/comparison-cache.js';

/** Any failure becomes a reported problem: status is inlined by slash commands, where a non-zero exit aborts. */
function asProblem(error: unknown): ReportProblem {
  const { code, message, next } = describeError(error, 'status');
  return { code, message, next };
}

async function mainReport(project: Project): Promise<MainReport> {
  const main = project.worktrees[0]!;
  const [entries, startStashes] = await Promise.all([
    readStatus(project.mainCheckout),
    stashesMadeByStart(project.mainCheckout, await commonGitDir(project.mainCheckout)),
  ]);
  const changes = entries.filter(isTrackedChange).length;
  const busy = checkoutBusySync(project.mainCheckout, entries);
  return {
    path: project.mainCheckout,
    branch: shortBranch(main.branch),
    clean: changes === 0,
    changes,
    untracked: entries.filter(isUntracked).length,
    busy: busy ? { operation: busy.operation, what: busy.what, finish: busy.finish, abort: busy.abort } : null,
    startStashes,
  };
}

async function report(cwd: string, now: Date): Promise<StatusReport> {
  const defaults = {
    staleAfterDays: DEFAULT_CONFIG.staleAfterDays,
    behindWarningCommits: DEFAULT_CONFIG.behindWarningCommits,
    sessionMode: DEFAULT_CONFIG.sessionMode,
    savedRefsMaxAgeDays: DEFAULT_CONFIG.savedRefsMaxAgeDays,
    agentIdleMinutes: DEFAULT_CONFIG.agentIdleMinutes,
  };
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
    const comparisons = openComparisonCache({
      sessionsDir: project.sessionsDir,
      project: project.name,
      mainCheckout: project.mainCheckout,
      commonDir: await commonGitDir(project.mainCheckout),
    });
    const [facts, main, leftoverFacts] = await Promise.all([
      gatherProjectFacts(project, manifest, { predictMerges: true, limit, refs, comparisons }),
      limit(() => mainReport(project)),
      problem ? Promise.resolve(null) : refs.then((rows) => gatherLeftoverFacts(project, manifest, rows, now, limit)),
    ]);
    comparisons.save(comparisonsToKeep(manifest.sessions.length));
    return buildStatusReport({
      leftovers: leftoverFacts ? findLeftovers(leftoverFacts) : null,
      sessions: facts.sessions,
      main,
      sessionsDir: project.sessionsDir,
      manifestPath: project.manifestPath,
      otherWorktrees: facts.otherWorktrees.map((record) => ({ path: record.path, branch: shortBranch(record.branch) })),
      problems: problem ? [problem] : [],
      config: {
        staleAfterDays: project.config.staleAfterDays,
        behindWarningCommits: project.config.behindWarningCommits,
        sessionMode: project.config.sessionMode,
        savedRefsMaxAgeDays: project.config.savedRefsMaxAgeDays,
        agentIdleMinutes: project.config.agentIdleMinutes,
      },
      now,
      currentWorktree: project.currentWorktree,
    });
  } catch (error) {
    return problemOnlyReport(asProblem(error), defaults);
  }
}

/** Draws the status again on every change until Ctrl-C, for a coordinator's own terminal. */
async function watch(context: Context): Promise<{ frames: number }> {
  let sessionsDir: string | null = null;
  let commonDir: string | null = null;
  let where = context.cwd;
  try {
    const project = await findProject(context.cwd);
    sessionsDir = project.sessionsDir;
    commonDir = await commonGitDir(project.mainCheckout);
    where = project.mainCheckout;
  } catch {
    /* the status itself says what is wrong, and is drawn again on the timer */
  }
  let drawnAt = clock(context.env);
  const frames = await watchStatus({
    render: async () => {
      drawnAt = clock(context.env);
      return renderStatus(await report(context.cwd, drawnAt), { cwd: context.cwd });
    },
    write: (text) => context.stdout.write(text),
    isTTY: context.stdout.isTTY === true,
    header: () =>
      `Parallel sessions of ${where}, as of ${drawnAt.toTimeString().slice(0, 8)}; redrawn on every change (Ctrl-C to stop).`,
    targets: () => watchTargets(sessionsDir, commonDir),
  });
  return { frames };
}

export const status: Subcommand = {
  ...SPECS.status,
  async run({ values, json }, context) {
    if (values.watch === true) {
      if (json)
        throw new UsageError(
          '--watch draws the status for a terminal; it cannot be --json',
          'Run `status --json` for one document, or `status --watch` to follow the sessions.',
        );
      const { frames } = await watch(context);
      return { json: { frames }, text: `- Stopped watching (${frames} frame${frames === 1 ? '' : 's'} drawn).` };
    }
    const result = await report(context.cwd, context.now);
    return { json: { ...result }, text: renderStatus(result, { cwd: context.cwd }) };
  },
};
