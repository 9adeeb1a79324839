import type { Subcommand } from '../lib/subcommand.js';
import { SPECS } from './specs.js';
import { describeError } from '../lib/errors.js';
import { limiter } from '../lib/limit.js';
import { findProject, type Project } from '../store/project.js';
import { isLive } from '../core/session-state.js';
import { buildOverlapReport, renderOverlap, type OverlapReport } from '../core/overlap-report.js';
import { gatherProjectFacts, predictSessionPairs, readManifestForReport } from '../engine/report/session-facts.js';
import { resolveSession } from '../engine/resolve-session.js';

function unavailable(error: unknown, session: string | null): OverlapReport {
  const { code, message, next } = describeError(error, 'overlap');
  const problem = { code, message, next };
  return {
    repository: false,
    session,
    problems: [problem],
    sessions: [],
    overlaps: [],
    pairs: [],
    mergeOrder: [],
    notes: [],
    next: [problem.next],
  };
}

export const overlap: Subcommand = {
  ...SPECS.overlap,
  async run({ positionals }, context) {
    const name = positionals[0];
    let project: Project;
    try {
      project = await findProject(context.cwd);
    } catch (error) {
      const report = unavailable(error, name ?? null);
      return { json: { ...report }, text: renderOverlap(report) };
    }
    const { manifest, problem } = readManifestForReport(project);
    // A name the manifest does not know is the caller's mistake: refuse (exit 1), as other commands do.
    if (name !== undefined && !problem) resolveSession(project, manifest, name, 'overlap');
    const limit = limiter();
    const facts = await gatherProjectFacts(project, manifest, { predictMerges: true, limit });
    const participants = facts.sessions.filter((session) => isLive(session.state) || session.id === name);
    const pairs = await predictSessionPairs(project, participants, limit);
    const report = buildOverlapReport(participants, pairs, name ?? null);
    if (problem) report.problems.push(problem);
    return { json: { ...report }, text: renderOverlap(report) };
  },
};
