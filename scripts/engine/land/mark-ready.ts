/**
 * `session ready`: the session's work is finished and may be landed. Only committed work can
 * be marked: the mark records the branch tip, and counts for `session land` only while the
 * branch is still there. Nothing but the manifest entry changes.
 */
import { existsSync } from 'node:fs';
import { isoSeconds } from '../../core/format.js';
import { RefusalError } from '../../lib/errors.js';
import { helper } from '../../lib/invocation.js';
import { busyRefusal } from '../../core/busy.js';
import { branchMissingRefusal, uncommittedRefusal } from '../../core/end-plan.js';
import { findSession, type ReadyMark, type SessionEntry } from '../../core/manifest-types.js';
import { sessionWork } from '../../core/status-porcelain.js';
import { updateManifest } from '../../store/manifest-store.js';
import { ownFilesOf, worktreePathOf, type Project } from '../../store/project.js';
import { aheadBehind } from '../../git/branches.js';
import { readStatus } from '../../git/changes.js';
import { checkoutBusy } from '../../git/checkout-state.js';
import { predictMerge } from '../../git/merge.js';
import { resolveCommit } from '../../git/repo.js';
import { sessionBusyRefusal } from '../session-claim.js';

export interface ReadyResult {
  ready: ReadyMark | null;
  /** The mark that was there before (an undo, or a mark moved to a new tip). */
  previous: ReadyMark | null;
  worktree: string;
  baseTip: string | null;
  ahead: number | null;
  behind: number | null;
  prediction: { clean: boolean; conflicts: string[] } | null;
}

export async function markReady(project: Project, entry: SessionEntry, undo: boolean, now: Date): Promise<ReadyResult> {
  const main = project.mainCheckout;
  const worktree = worktreePathOf(project, entry);
  const previous = entry.ready ?? null;
  if (undo) {
    await updateManifest(project.manifestPath, project.name, (manifest) => {
      const session = findSession(manifest, entry.id);
      if (!session?.ready) return false;
      delete session.ready;
      return true;
    });
    return { ready: null, previous, worktree, baseTip: null, ahead: null, behind: null, prediction: null };
  }
  if (entry.status !== 'active') throw sessionBusyRefusal(entry, 'marked ready');
  if (!existsSync(worktree)) {
    throw new RefusalError(
      'worktree-missing',
      `The worktree ${worktree} of session "${entry.id}" is gone, so there is no finished work to mark.`,
      `Run \`${helper('cleanup')}\` to reconcile the manifest with git; it keeps the branch.`,
    );
  }
  const [tip, baseTip, status] = await Promise.all([
    resolveCommit(main, `refs/heads/${entry.branch}`),
    resolveCommit(main, `refs/heads/${entry.base.branch}`),
    readStatus(worktree, { hidden: true }),
  ]);
  if (!tip) throw branchMissingRefusal(entry.id, entry.branch, worktree);
  const busy = await checkoutBusy(worktree, status);
  if (busy) throw busyRefusal(busy, `the worktree of session "${entry.id}"`);
  const work = sessionWork(status, ownFilesOf(entry, worktree));
  if (work.length > 0) {
    const refusal = uncommittedRefusal(entry.id, worktree, work);
    throw new RefusalError(
      refusal.code,
      refusal.message.replace(
        ', and its worktree cannot be removed with them in it',
        ', and only committed work can be marked ready to land',
      ),
      refusal.next.replace(/ To discard them instead: .*$/, ''),
      refusal.details,
    );
  }
  const [counts, prediction] = baseTip
    ? await Promise.all([aheadBehind(main, tip, baseTip), predictMerge(main, baseTip, tip)])
    : [null, null];
  const ready: ReadyMark = { at: isoSeconds(now), tip };
  await updateManifest(project.manifestPath, project.name, (manifest) => {
    const session = findSession(manifest, entry.id);
    if (!session || session.status !== 'active') throw sessionBusyRefusal(session ?? entry, 'marked ready');
    session.ready = ready;
  });
  const merges = counts !== null && counts.ahead > 0 && counts.behind > 0;
  return {
    ready,
    previous,
    worktree,
    baseTip,
    ahead: counts?.ahead ?? null,
    behind: counts?.behind ?? null,
    prediction:
      prediction && merges
        ? { clean: prediction.clean, conflicts: prediction.conflicts }
        : counts
          ? { clean: true, conflicts: [] }
          : null,
  };
}
