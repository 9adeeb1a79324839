import { helper } from '../lib/invocation.js';
import { MARK } from '../lib/output.js';
import type { Subcommand } from '../lib/subcommand.js';
import { SPECS } from './specs.js';
import { findProject } from '../store/project.js';
import { describeAction, planCleanup, type CleanupAction, type KeptItem } from '../core/cleanup-plan.js';
import { gatherCleanupFacts } from '../engine/cleanup/cleanup-facts.js';
import { executeCleanup, type ActionOutcome } from '../engine/cleanup/cleanup-execute.js';

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

export const cleanup: Subcommand = {
  ...SPECS.cleanup,
  async run({ values }, context) {
    const apply = values.yes === true && values['dry-run'] !== true;
    const project = await findProject(context.cwd);
    const { facts } = await gatherCleanupFacts(project, context.now);
    const plan = planCleanup(facts);
    const manifestState = facts.corruptManifest ? 'corrupt' : 'ok';

    if (!apply) {
      const lines =
        plan.actions.length === 0
          ? [`${MARK.done} Nothing to clean up.`]
          : [
              `${MARK.info} Cleanup would (nothing has been changed):`,
              ...plan.actions.map((action) => `  ${MARK.info} ${describeAction(action)}`),
            ];
      lines.push(...keptLines(plan.kept));
      const next = plan.actions.length > 0 ? `Ask the user, then run \`${helper('cleanup --yes')}\` to do this.` : null;
      if (next) lines.push('', `Next: ${next}`);
      return {
        text: lines.join('\n'),
        json: {
          mode: 'plan',
          manifest: project.manifestPath,
          manifestState,
          actions: plan.actions.map((action) => actionJson(action)),
          kept: plan.kept,
          next,
        },
      };
    }

    const outcomes = await executeCleanup(project, plan.actions, context.now);
    const mark = { done: MARK.done, skipped: MARK.warn, failed: MARK.fail } as const;
    const lines =
      outcomes.length === 0
        ? [`${MARK.done} Nothing to clean up.`]
        : outcomes.map(
            (o) =>
              `${mark[o.result]} ${o.result === 'done' ? o.message : `${o.result}: ${describeAction(o.action)}: ${o.message}`}`,
          );
    lines.push(...keptLines(plan.kept));
    const failed = outcomes.filter((o) => o.result === 'failed').length;
    const rebuilt = outcomes.some((o) => o.action.kind === 'rebuild-manifest' && o.result === 'done');
    const next =
      failed > 0
        ? `Fix the problems shown above, then run \`${helper('cleanup')}\` again.`
        : rebuilt
          ? `Run \`${helper('cleanup')}\` again to review the rebuilt sessions (their goals are unknown).`
          : null;
    if (next) lines.push('', `Next: ${next}`);
    return {
      text: lines.join('\n'),
      json: {
        mode: 'apply',
        manifest: project.manifestPath,
        manifestState,
        actions: outcomes.map((outcome) => actionJson(outcome.action, outcome)),
        kept: plan.kept,
        failed,
        next,
      },
    };
  },
};
