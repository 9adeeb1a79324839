import { shortSha } from '../core/format.js';
import { UsageError } from '../lib/errors.js';
import { holdSignals } from '../lib/interrupt.js';
import { MARK } from '../lib/output.js';
import type { Subcommand } from '../lib/subcommand.js';
import { SPECS } from './specs.js';
import { syncMode, syncRefusal } from '../core/sync-rules.js';
import { findProject } from '../store/project.js';
import { readManifest } from '../store/manifest-store.js';
import { assertTrusted, resolveSession } from '../engine/resolve-session.js';
import { refusalNow, sessionBusyRefusal } from '../engine/session-claim.js';
import { gatherSyncFacts, syncSession } from '../engine/sync/sync-session.js';

export const sync: Subcommand = {
  ...SPECS.sync,
  async run({ values, positionals }, context) {
    if (values.merge === true && values.rebase === true)
      throw new UsageError(
        '--merge and --rebase exclude each other',
        'Pass one of them, or neither: a pushed branch is merged, any other rebased.',
      );
    const asked = values.merge === true ? 'merge' : values.rebase === true ? 'rebase' : null;
    const project = await findProject(context.cwd);
    const manifest = readManifest(project.manifestPath, project.name);
    const entry = resolveSession(project, manifest, positionals[0], 'sync');
    assertTrusted(project, entry);
    if (entry.status !== 'active') throw sessionBusyRefusal(entry, 'synced');
    const facts = await gatherSyncFacts(project, entry, asked, positionals[0] !== undefined, context.cwd);
    const mode = syncMode(facts);
    const refusal = syncRefusal(facts, mode);
    if (refusal) throw refusalNow(project, entry.id, refusal, 'synced');

    const guard = holdSignals(); // a rebase cut in half is worse than one that finishes
    let result;
    try {
      result = await syncSession(project, facts, mode, context.now);
    } finally {
      guard.release();
    }
    const short = shortSha;
    const base = `${entry.base.branch} (${short(result.baseCommit)})`;
    const logLine = result.logUpdated
      ? [
          `${MARK.done} Session log ${entry.sessionLog}: "Last synced with base" updated${result.logCommit ? `, committed as ${short(result.logCommit)}` : ''}`,
        ]
      : [];
    const lines = result.upToDate
      ? [`${MARK.done} "${entry.id}" already contains ${base}; nothing to ${mode}.`, ...logLine]
      : [
          mode === 'rebase'
            ? `${MARK.done} Rebased ${entry.branch} onto ${base}: picked up ${result.pickedUp} commit(s).`
            : `${MARK.done} Merged ${base} into ${entry.branch}: picked up ${result.pickedUp} commit(s).`,
          ...logLine,
          `${MARK.done} ${entry.branch}: ${short(result.before)} -> ${short(result.after)}`,
        ];
    if (!asked && facts.upstream && !result.upToDate)
      lines.push(
        `${MARK.info} Merged rather than rebased: ${entry.branch} was pushed (${facts.upstream.replace(/^refs\/remotes\//, '')}), and a rebase would rewrite what is published. Pass --rebase to rebase anyway.`,
      );
    lines.push(...result.warnings.map((warning) => `${MARK.warn} ${warning}`));
    return {
      text: lines.join('\n'),
      json: {
        session: entry.id,
        branch: entry.branch,
        worktree: facts.worktree,
        mode,
        base: { branch: entry.base.branch, commit: result.baseCommit },
        upToDate: result.upToDate,
        before: result.before,
        after: result.after,
        pickedUp: result.pickedUp,
        sessionLog: entry.sessionLog,
        logUpdated: result.logUpdated,
        logCommit: result.logCommit,
        lastSyncedAt: result.lastSyncedAt,
        warnings: result.warnings,
      },
    };
  },
};
