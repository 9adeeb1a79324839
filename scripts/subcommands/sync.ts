import { existsSync } from 'node:fs';
import { RefusalError } from '../lib/errors.js';
import { MARK } from '../lib/output.js';
import type { Subcommand } from '../lib/subcommand.js';
import { findProject, worktreePathOf } from '../store/project.js';
import { readManifest } from '../store/manifest-store.js';
import { formatStatusEntry, isUntracked, sessionWork } from '../core/status-porcelain.js';
import { resolveSession } from '../engine/resolve-session.js';
import { syncSession, type SyncMode } from '../engine/sync-session.js';
import { currentBranchRef } from '../git/branches.js';
import { readStatus } from '../git/changes.js';
import { resolveCommit } from '../git/repo.js';

export const sync: Subcommand = {
  name: 'sync',
  summary: "Bring a session up to date with its base: rebase onto it (default) or merge it in (--merge); a conflict is backed out and listed.",
  usage: 'sync [<name>] [--merge] [--json]',
  options: { merge: { type: 'boolean' } },
  positionals: { min: 0, max: 1 },
  async run({ values, positionals }, context) {
    const mode: SyncMode = values.merge === true ? 'merge' : 'rebase';
    const project = await findProject(context.cwd);
    const manifest = readManifest(project.manifestPath, project.name);
    const entry = resolveSession(project, manifest, positionals[0], 'sync');
    const worktree = worktreePathOf(project, entry);

    if (entry.status !== 'active') {
      throw new RefusalError('session-busy', `Session "${entry.id}" is ${entry.status}, not active.`, 'Wait for its start or end to finish; if it was interrupted, run `session cleanup`.');
    }
    if (!existsSync(worktree)) {
      throw new RefusalError('worktree-missing', `The worktree of "${entry.id}" (${worktree}) is missing.`, 'Run `session cleanup` to see how to recover it.');
    }
    const [baseCommit, headRef, tip, status] = await Promise.all([
      resolveCommit(project.mainCheckout, `refs/heads/${entry.base.branch}`),
      currentBranchRef(worktree),
      resolveCommit(project.mainCheckout, `refs/heads/${entry.branch}`),
      readStatus(worktree),
    ]);
    if (!baseCommit) {
      throw new RefusalError('base-missing', `The base branch ${entry.base.branch} of "${entry.id}" no longer exists, so there is nothing to sync with.`, `Recreate it (git branch ${entry.base.branch} <commit>) or end the session with \`session end ${entry.id} --strategy keep\`.`, { base: entry.base });
    }
    if (!tip || headRef !== `refs/heads/${entry.branch}`) {
      throw new RefusalError('not-on-session-branch', `The worktree ${worktree} is not on ${entry.branch} (HEAD: ${headRef ?? 'detached, perhaps a rebase or bisect in progress'}).`, `Finish or abort what is in progress there, then \`git switch ${entry.branch}\` and retry.`);
    }
    // The untracked session log is left alone by a rebase or merge, and sync commits it anyway.
    const work = sessionWork(status, entry.packFiles ?? []).filter((item) => !(isUntracked(item) && item.path === entry.sessionLog));
    if (work.length > 0) {
      const files = work.map(formatStatusEntry);
      throw new RefusalError(
        'session-dirty',
        `Session "${entry.id}" has uncommitted changes, and a ${mode} needs a clean worktree:\n${files.map((line) => `  ${line}`).join('\n')}`,
        `Commit them in ${worktree} (or stash them), then run \`session sync${positionals[0] ? ` ${entry.id}` : ''}${mode === 'merge' ? ' --merge' : ''}\` again.`,
        { files },
      );
    }

    const result = await syncSession(project, { entry, worktree, tip, baseCommit }, mode, context.now);
    const short = (sha: string) => sha.slice(0, 12);
    const lines = result.upToDate
      ? [`${MARK.done} "${entry.id}" already contains ${entry.base.branch} (${short(baseCommit)}); nothing to ${mode}.`]
      : [
          `${MARK.done} ${mode === 'rebase' ? 'Rebased' : 'Merged'} "${entry.id}" onto ${entry.base.branch} (${short(baseCommit)}): picked up ${result.pickedUp} commit(s).`,
          ...(result.logUpdated ? [`${MARK.done} Session log ${entry.sessionLog}: "Last synced with base" updated${result.logCommit ? `, committed as ${short(result.logCommit)}` : ''}`] : []),
          `${MARK.done} ${entry.branch}: ${short(result.before)} -> ${short(result.after)}`,
        ];
    lines.push(...result.warnings.map((warning) => `${MARK.warn} ${warning}`));
    return {
      text: lines.join('\n'),
      json: {
        session: entry.id,
        branch: entry.branch,
        worktree,
        mode,
        base: { branch: entry.base.branch, commit: baseCommit },
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
