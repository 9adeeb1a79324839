/**
 * A session claimed by the process acting on it: active -> a working status (ending, syncing)
 * with this process as its owner, then back to active, or out of the manifest, when it stops.
 * end, sync and land all claim here, so they refuse a busy session in the same words and only
 * ever hand back or drop a claim that is their own.
 */
import { hostname } from 'node:os';
import { RefusalError } from '../lib/errors.js';
import { helper } from '../lib/invocation.js';
import { selfRecord } from '../lib/process.js';
import { findSession, type SessionEntry } from '../core/manifest-types.js';
import { readManifest, updateManifest } from '../store/manifest-store.js';
import type { Project } from '../store/project.js';

export type WorkingStatus = 'ending' | 'syncing';

/** Another start, end, sync or land holds the session. */
export function sessionBusyRefusal(session: SessionEntry, doing = 'ended'): RefusalError {
  const who = session.owner ? ` by pid ${session.owner.pid} on ${session.owner.host}` : '';
  return new RefusalError(
    'session-busy',
    `The session "${session.id}" is ${session.status}${who}, so it cannot be ${doing} now; nothing was changed.`,
    `Wait for that process to finish. If it died, run \`${helper('cleanup')}\` to finish or roll back what it started.`,
    { session: session.id, status: session.status, owner: session.owner ?? null },
  );
}

/**
 * The refusal to give for a session whose facts refused it. Another process may have claimed the
 * session since its entry was read (two syncs at once: the second then finds the first one's
 * rebase running); then that claim is the reason, and waiting for it the way on.
 */
export function refusalNow(project: Project, id: string, refusal: RefusalError, doing: string): RefusalError {
  const entry = findSession(readManifest(project.manifestPath, project.name), id);
  return entry && entry.status !== 'active' ? sessionBusyRefusal(entry, doing) : refusal;
}

/** The session is in `status` and this very process holds it. */
export function claimedHere(session: SessionEntry, status: WorkingStatus): boolean {
  return session.status === status && session.owner?.pid === process.pid && session.owner.host === hostname();
}

/**
 * Claims an active session for this process; refuses when it left the manifest or another
 * process holds it. `mark` records, in the same write, what a cleanup after a kill needs to
 * know (the operation, the landing). Gives the entry as claimed.
 */
export async function claimSession(
  project: Project,
  id: string,
  status: WorkingStatus,
  doing: string,
  mark?: (session: SessionEntry) => void,
): Promise<SessionEntry> {
  const owner = selfRecord();
  const { result } = await updateManifest(project.manifestPath, project.name, (manifest) => {
    const session = findSession(manifest, id);
    if (!session)
      throw new RefusalError(
        'no-such-session',
        `The session "${id}" left the manifest a moment ago; another process ended it, and nothing was changed.`,
        `Run \`${helper('status')}\` to see the sessions.`,
      );
    if (session.status !== 'active') throw sessionBusyRefusal(session, doing);
    session.status = status;
    session.owner = owner;
    mark?.(session);
    return structuredClone(session);
  });
  return result;
}

/**
 * Records in this process's claim what a cleanup after a kill needs to know and was learnt only
 * after claiming (an end reads its facts once it holds the session: then the rebase it starts).
 */
export async function markClaim(
  project: Project,
  id: string,
  status: WorkingStatus,
  mark: (session: SessionEntry) => void,
): Promise<void> {
  await updateManifest(project.manifestPath, project.name, (manifest) => {
    const session = findSession(manifest, id);
    if (!session || !claimedHere(session, status))
      throw new Error(`the session ${id} is no longer held by this process`);
    mark(session);
  });
}

/** Hands this process's claim back: active again, with what `update` changes in the same write. */
export async function handBack(
  project: Project,
  id: string,
  status: WorkingStatus,
  update?: (session: SessionEntry) => void,
): Promise<void> {
  await updateManifest(project.manifestPath, project.name, (manifest) => {
    const session = findSession(manifest, id);
    if (!session || !claimedHere(session, status)) return false;
    session.status = 'active';
    delete session.owner;
    delete session.operation;
    delete session.landing;
    update?.(session);
    return true;
  });
}

/** Takes the session this process claimed out of the manifest. */
export async function dropOwnEntry(project: Project, id: string, status: WorkingStatus = 'ending'): Promise<void> {
  await updateManifest(project.manifestPath, project.name, (manifest) => {
    const before = manifest.sessions.length;
    manifest.sessions = manifest.sessions.filter((session) => !(session.id === id && claimedHere(session, status)));
    return manifest.sessions.length !== before;
  });
}
