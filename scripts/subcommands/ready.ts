import { shortSha } from '../core/format.js';
import { helper } from '../lib/invocation.js';
import { MARK } from '../lib/output.js';
import type { Subcommand } from '../lib/subcommand.js';
import { SPECS } from './specs.js';
import { inlineList } from '../core/format.js';
import { findProject } from '../store/project.js';
import { readManifest } from '../store/manifest-store.js';
import { assertTrusted, resolveSession } from '../engine/resolve-session.js';
import { markReady } from '../engine/land/mark-ready.js';

export const ready: Subcommand = {
  ...SPECS.ready,
  async run({ values, positionals }, context) {
    const project = await findProject(context.cwd);
    const entry = resolveSession(project, readManifest(project.manifestPath, project.name), positionals[0], 'ready');
    assertTrusted(project, entry);
    const undo = values.undo === true;
    const result = await markReady(project, entry, undo, context.now);
    const base = entry.base.branch;
    const lines: string[] = [];
    const next: string[] = [];
    if (undo) {
      lines.push(
        result.previous
          ? `${MARK.done} Session "${entry.id}" is no longer marked ready to land (it was marked at ${shortSha(result.previous.tip)}).`
          : `${MARK.info} Session "${entry.id}" was not marked ready; nothing changed.`,
      );
    } else {
      const ahead =
        result.ahead === null
          ? ''
          : result.ahead === 0
            ? `; it has no commit ${base} lacks, so landing it only ends it`
            : `; ${result.ahead} commit(s) ${base} lacks`;
      lines.push(
        `${MARK.done} Session "${entry.id}" is marked ready to land at ${shortSha(result.ready!.tip)}${ahead}.`,
      );
      if (result.prediction && !result.prediction.clean) {
        lines.push(
          `${MARK.warn} Merging it into ${base} would conflict now, in ${inlineList(result.prediction.conflicts)}: the land queue stops at it. Sync it first (/parallel.sync here, or \`${helper(`sync ${entry.id}`)}\`), then mark it again.`,
        );
      } else if (result.behind) {
        lines.push(
          `${MARK.info} ${base} has ${result.behind} commit(s) it lacks; it merges cleanly, so it can land as it is.`,
        );
      }
      lines.push(
        `${MARK.info} A commit made in it from now on clears the mark: mark it again when that work is finished too.`,
      );
      next.push(
        `the coordinator lands the ready sessions with /parallel.land in the main checkout (or \`${helper('land --dry-run')}\`, then \`${helper('land')}\`).`,
      );
    }
    return {
      text: [...lines, ...(next.length > 0 ? ['', `Next: ${next[0]}`] : [])].join('\n'),
      json: {
        session: { id: entry.id, branch: entry.branch, worktree: result.worktree },
        ready: result.ready,
        previous: result.previous,
        base: { branch: base, commit: result.baseTip },
        ahead: result.ahead,
        behind: result.behind,
        prediction: result.prediction,
        next,
      },
    };
  },
};
