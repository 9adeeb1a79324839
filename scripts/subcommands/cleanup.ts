import { helper } from '../lib/invocation.js';
import { MARK } from '../lib/output.js';
import { RefusalError } from '../lib/errors.js';
import type { Outcome, Subcommand } from '../lib/subcommand.js';
import { SPECS } from './specs.js';
import { findProject, type Project } from '../store/project.js';
import {
  describeAction,
  planCleanup,
  planUnreadableAdds,
  type CleanupAction,
  type KeptItem,
  type UnreadableAddFacts,
} from '../core/cleanup-plan.js';
import { gatherCleanupFacts } from '../engine/cleanup/cleanup-facts.js';
import { executeCleanup, removeUnreadableAddsFirst, type ActionOutcome } from '../engine/cleanup/cleanup-execute.js';

function actionJson(action: CleanupAction, outcome?: ActionOutcome) {
  return {
    kind: action.kind,
    subject: action.subject,
    reason: action.reason,
    description: describeAction(action),
    ...(outcome ? { result: outcome.result, message: outcome.message } : {}),
  };
}

function keptLines(kept: KeptItem[]): string[] {
  return kept.map((item) => `${MARK.warn} Kept ${item.subject}: ${item.reason}. Next: ${item.next}`);
}

/** The adds git dies on, and their common git dir, when finding the project was refused for them (git/worktrees.ts). */
function unreadableAddsOf(error: unknown): { adds: UnreadableAddFacts[]; commonDir: string } | null {
  if (!(error instanceof RefusalError) || error.code !== 'worktree-add-unreadable') return null;
  return { adds: error.details.unreadableAdds as UnreadableAddFacts[], commonDir: error.details.commonDir as string };
}

/** Where the manifest is, once git could list the worktrees; null while it cannot (only unreadable adds planned). */
interface Where {
  manifest: string | null;
  manifestState: 'ok' | 'corrupt' | null;
}

function renderPlan(where: Where, actions: CleanupAction[], kept: KeptItem[]): Outcome {
  const lines =
    actions.length === 0
      ? [`${MARK.done} Nothing to clean up.`]
      : [
          `${MARK.info} Cleanup would (nothing has been changed):`,
          ...actions.map((action) => `  ${MARK.info} ${describeAction(action)}`),
        ];
  if (where.manifest === null)
    lines.push(`${MARK.info} The rest of the plan is made once git can read the worktrees again.`);
  lines.push(...keptLines(kept));
  const next = actions.length > 0 ? `Ask the user, then run \`${helper('cleanup --yes')}\` to do this.` : null;
  if (next) lines.push('', `Next: ${next}`);
  return {
    text: lines.join('\n'),
    json: { mode: 'plan', ...where, actions: actions.map((action) => actionJson(action)), kept, next },
  };
}

function renderApplied(where: Where, outcomes: ActionOutcome[], kept: KeptItem[]): Outcome {
  const mark = { done: MARK.done, skipped: MARK.warn, failed: MARK.fail } as const;
  const lines =
    outcomes.length === 0
      ? [`${MARK.done} Nothing to clean up.`]
      : outcomes.map(
          (o) =>
            `${mark[o.result]} ${o.result === 'done' ? o.message : `${o.result}: ${describeAction(o.action)}: ${o.message}`}`,
        );
  lines.push(...keptLines(kept));
  const failed = outcomes.filter((o) => o.result === 'failed').length;
  const rebuilt = outcomes.some((o) => o.action.kind === 'rebuild-manifest' && o.result === 'done');
  const next =
    failed > 0
      ? `Fix the problems shown above, then run \`${helper('cleanup')}\` again.`
      : where.manifest === null
        ? `Run \`${helper('cleanup')}\` again: with git reading the worktrees, it plans the rest.`
        : rebuilt
          ? `Run \`${helper('cleanup')}\` again to review the rebuilt sessions (their goals are unknown).`
          : null;
  if (next) lines.push('', `Next: ${next}`);
  return {
    text: lines.join('\n'),
    json: {
      mode: 'apply',
      ...where,
      actions: outcomes.map((outcome) => actionJson(outcome.action, outcome)),
      kept,
      failed,
      next,
    },
  };
}

export const cleanup: Subcommand = {
  ...SPECS.cleanup,
  async run({ values }, context) {
    const apply = values.yes === true && values['dry-run'] !== true;
    let project: Project;
    try {
      project = await findProject(context.cwd);
    } catch (error) {
      // git dies on an add killed part way, so nothing else can be looked at until it is gone.
      const unreadable = unreadableAddsOf(error);
      if (!unreadable) throw error;
      const unknown: Where = { manifest: null, manifestState: null };
      const actions = planUnreadableAdds(unreadable.adds);
      if (!apply) return renderPlan(unknown, actions, []);
      // Only that was shown and agreed to; the rest of the plan is made, and shown, by the next cleanup.
      return renderApplied(unknown, await removeUnreadableAddsFirst(unreadable.commonDir, actions), []);
    }
    const { facts } = await gatherCleanupFacts(project, context.now);
    const plan = planCleanup(facts);
    const where: Where = { manifest: project.manifestPath, manifestState: facts.corruptManifest ? 'corrupt' : 'ok' };
    if (!apply) return renderPlan(where, plan.actions, plan.kept);
    return renderApplied(where, await executeCleanup(project, plan.actions, context.now), plan.kept);
  },
};
