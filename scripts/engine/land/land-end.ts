/**
 * A landing's manifest transitions and its end: the session is claimed (status ending, with the
 * landing recorded, so cleanup can finish or forget it after a kill), handed back when the queue
 * stops before its base moved, and once its base holds it, ended as `end --strategy merge` ends a
 * session: the one safe worktree removal, compare-and-delete of the branch, a history record;
 * the same manifest write gives every other session on that base its notice.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { heardMarkerName } from '../../store/land-heard.js';
import { isoSeconds } from '../../core/format.js';
import { RefusalError } from '../../lib/errors.js';
import { refTimestamp } from '../../core/end-plan.js';
import type { LandNotice, SessionEntry } from '../../core/manifest-types.js';
import { appendHistory, restoreFacts, type HistoryRecord } from '../../store/history.js';
import { readManifest, withManifestLock } from '../../store/manifest-store.js';
import { worktreePathOf, type Project } from '../../store/project.js';
import { deleteBranchIfMerged } from '../../git/branch-deletion.js';
import { removeSessionWorktree, savedRefsOf, type SavedItem } from '../worktree-removal.js';
import { claimedHere, claimSession, handBack } from '../session-claim.js';

const ownedByMe = (session: SessionEntry) => claimedHere(session, 'ending') && session.landing !== undefined;

/** Claims the session for this run: status ending, with the base and its commit the landing starts from. */
export function claimForLanding(
  project: Project,
  id: string,
  base: string,
  from: string,
  now: Date,
): Promise<SessionEntry> {
  return claimSession(
    project,
    id,
    'ending',
    'landed',
    (session) => (session.landing = { base, from, at: isoSeconds(now) }),
  );
}

/** Hands the session back as active: the queue stopped before its base moved. */
export function releaseLanding(project: Project, id: string): Promise<void> {
  return handBack(project, id, 'ending');
}

export interface FinishedLanding {
  worktreeRemoved: boolean;
  branchDeleted: boolean;
  saved: SavedItem[];
  warnings: string[];
}

/**
 * Ends a session its base now holds: the worktree goes the safe way (refused if something was
 * written there since the checks, and then kept, the session handed back as active), the branch
 * by compare-and-delete, the entry leaves the manifest in the same write that gives the other
 * sessions on the base their notices, and the history records the landing.
 */
export async function finishLanding(
  project: Project,
  entry: SessionEntry,
  landed: { tip: string; base: string; commit: string | null },
  notices: ReadonlyMap<string, LandNotice>,
  now: Date,
  callerFolder: string | null,
): Promise<FinishedLanding> {
  const warnings: string[] = [];
  let saved: SavedItem[] = [];
  let worktreeRemoved = false;
  try {
    const removal = await removeSessionWorktree({
      project,
      entry,
      worktree: worktreePathOf(project, entry),
      mode: 'clean',
      refBase: `refs/sessions/saved/${entry.id}/${refTimestamp(now)}`,
      reason: `land session ${entry.id}`,
      callerFolder,
    });
    saved = removal.saved;
    worktreeRemoved = true;
    if (removal.recreated)
      warnings.push(
        `Something wrote into the worktree of ${entry.id} while it was removed, so that folder exists again with those files; look inside before deleting it.`,
      );
  } catch (error) {
    if (!(error instanceof RefusalError)) throw error;
    warnings.push(`${entry.id} landed, but its worktree was kept: ${error.message.split('\n')[0]} ${error.next}`);
  }
  let branchDeleted = false;
  if (worktreeRemoved) {
    const outcome = await deleteBranchIfMerged(
      project.mainCheckout,
      entry.branch,
      landed.tip,
      `refs/heads/${landed.base}`,
    );
    branchDeleted = outcome.deleted;
    if (!outcome.deleted) warnings.push(`Kept the branch ${entry.branch}: ${outcome.why}.`);
  }
  await withManifestLock(project.manifestPath, (write) => {
    const manifest = readManifest(project.manifestPath, project.name);
    for (const session of manifest.sessions) {
      const notice = notices.get(session.id);
      if (notice && session.id !== entry.id) session.landNotice = notice;
    }
    const mine = manifest.sessions.find((session) => session.id === entry.id && ownedByMe(session));
    if (mine && !worktreeRemoved) {
      // Its base holds it, but the worktree is kept: the session is active (and merged), for its owner to look at.
      mine.status = 'active';
      delete mine.owner;
      delete mine.landing;
      delete mine.ready;
    }
    if (worktreeRemoved) manifest.sessions = manifest.sessions.filter((session) => session !== mine);
    write(manifest);
    if (worktreeRemoved) appendHistory(project.sessionsDir, historyRecord(entry, landed, branchDeleted, saved, now));
  });
  if (worktreeRemoved) rmSync(join(project.sessionsDir, heardMarkerName(entry.id)), { force: true });
  return { worktreeRemoved, branchDeleted, saved, warnings };
}

function historyRecord(
  entry: SessionEntry,
  landed: { tip: string; base: string; commit: string | null },
  branchDeleted: boolean,
  saved: SavedItem[],
  now: Date,
): HistoryRecord {
  return {
    id: entry.id,
    branch: entry.branch,
    strategy: 'land',
    head: landed.tip,
    base: entry.base,
    endedAt: isoSeconds(now),
    ...(landed.commit ? { mergeCommit: landed.commit } : {}),
    ...(branchDeleted ? {} : { savedAs: `refs/heads/${entry.branch}` }),
    ...restoreFacts(entry, savedRefsOf(saved)),
  };
}
