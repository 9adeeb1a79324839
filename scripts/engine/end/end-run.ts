/**
 * The state one `session end` carries through its steps, the manifest transitions around it
 * (active -> ending -> gone, or back to active), and the steps every strategy shares.
 */
import { shortSha } from '../../core/format.js';
import { helper } from '../../lib/invocation.js';
import { hostname } from 'node:os';
import { GitError, RefusalError } from '../../lib/errors.js';
import type { SignalGuard } from '../../lib/interrupt.js';
import { selfRecord } from '../../lib/process.js';
import { updateManifest } from '../../store/manifest-store.js';
import { findSession, type SessionEntry } from '../../core/manifest-types.js';
import { classifyPushFailure, refTimestamp, type EndFacts, type EndOptions, type PushFailure, type StepLine } from '../../core/end-plan.js';
import type { Project } from '../../store/project.js';
import { pushBranch } from '../../git/remote.js';
import { removeSessionWorktree, type SavedItem } from '../worktree-removal.js';

export interface EndRun {
  project: Project;
  entry: SessionEntry;
  options: EndOptions;
  facts: EndFacts;
  now: Date;
  guard: SignalGuard;
  worktreePath: string;
  /** The session branch's tip as it is now; rebase and the keep note move it. */
  tip: string;
  steps: StepLine[];
  warnings: string[];
  /** Facts worth printing that need no action, e.g. how to restore abandoned work. */
  notes: string[];
  /** What the user must do besides leaving the removed worktree. */
  next: string[];
  /** Set once something happened that a failure later on does not undo (a push, a merge). */
  committedTo: string[];
  worktreeRemoved: boolean;
  rebased: { from: string; to: string } | null;
  merge: { commit: string | null; how: 'main-checkout' | 'ref-only' | 'already-merged' } | null;
  push: { remote: string; pushed: boolean; error: string | null } | null;
  /** `existing`: the number of the PR the session was started on, which the push updated (no new PR). */
  pr: { created: boolean; url: string | null; manualStep: string | null; title: string; body: string; bodyFile: string | null; existing?: number } | null;
  saved: { tip: string; worktree: string | null; restore: string[] } | null;
  /** Everything saved before the worktree went, with how to restore it. */
  savedItems: SavedItem[];
  /** The folder the caller stands in, when an agent's tool call runs the end from inside the worktree. */
  callerFolder: string | null;
  /** The emptied folders left for that caller's shell, removed once it exits. */
  leftForCaller: string[];
  branchDeleted: boolean;
}

export function step(run: EndRun, id: string, text: string): void {
  run.steps.push({ id, text });
}

export const short = shortSha;

/** Claims the session for this process; refuses when another start or end holds it. */
export async function markEnding(project: Project, id: string): Promise<void> {
  const owner = selfRecord();
  await updateManifest(project.manifestPath, project.name, (manifest) => {
    const session = findSession(manifest, id);
    if (!session) throw new RefusalError('no-such-session', `The session "${id}" left the manifest a moment ago; another process ended it.`, `Run \`${helper('status')}\` to see the sessions.`);
    if (session.status !== 'active') throw sessionBusyRefusal(session);
    session.status = 'ending';
    session.owner = owner;
  });
}

/** Records the operation an end is about to start in the session it holds: before a rebase, so cleanup can prove a stopped rebase is this one. */
export async function recordOperation(project: Project, id: string, operation: NonNullable<SessionEntry['operation']>): Promise<void> {
  await updateManifest(project.manifestPath, project.name, (manifest) => {
    const session = findSession(manifest, id);
    if (!session || !ownedByMe(session)) throw new Error(`the session ${id} is no longer held by this end`);
    session.operation = operation;
  });
}

/** Another start, end or sync holds the session. */
export function sessionBusyRefusal(session: SessionEntry, doing = 'ended'): RefusalError {
  const who = session.owner ? ` by pid ${session.owner.pid} on ${session.owner.host}` : '';
  return new RefusalError(
    'session-busy',
    `The session "${session.id}" is ${session.status}${who}, so it cannot be ${doing} now; nothing was changed.`,
    `Wait for that process to finish. If it died, run \`${helper('cleanup')}\` to finish or roll back what it started.`,
    { session: session.id, status: session.status, owner: session.owner ?? null },
  );
}

const ownedByMe = (session: SessionEntry) => session.status === 'ending' && session.owner?.pid === process.pid && session.owner.host === hostname();

/** Hands the session back as active: the end stopped before its worktree was removed. */
export async function restoreActive(project: Project, id: string): Promise<void> {
  await updateManifest(project.manifestPath, project.name, (manifest) => {
    const session = findSession(manifest, id);
    if (!session || !ownedByMe(session)) return false;
    session.status = 'active';
    delete session.owner;
    delete session.operation;
    return true;
  });
}

export async function dropOwnEntry(project: Project, id: string): Promise<void> {
  await updateManifest(project.manifestPath, project.name, (manifest) => {
    const before = manifest.sessions.length;
    manifest.sessions = manifest.sessions.filter((session) => !(session.id === id && ownedByMe(session)));
    return manifest.sessions.length !== before;
  });
}

/**
 * Removes the worktree the one safe way (engine/worktree-removal.ts): moved aside, its stock
 * taken and saved, looked at again, then removed. `clean` refuses uncommitted work; `abandon`
 * saves it. What was saved is reported with how to get it back.
 */
export async function removeSessionWorktreeOf(run: EndRun, mode: 'clean' | 'abandon', refBase: string): Promise<void> {
  const result = await removeSessionWorktree({ project: run.project, entry: run.entry, worktree: run.worktreePath, mode, refBase, reason: `end session ${run.entry.id} (${run.options.strategy})`, callerFolder: run.callerFolder });
  run.leftForCaller = result.leftForCaller;
  run.worktreeRemoved = true;
  run.savedItems.push(...result.saved);
  for (const item of result.saved) {
    if (item.what === 'changes') step(run, 'save-worktree', `Saved ${item.paths.length} uncommitted or untracked change(s) as ${item.ref}`);
    if (item.what === 'ignored') step(run, 'save-ignored', `Saved ${item.paths.length} ignored file(s) the session changed or made (${item.paths.slice(0, 3).join(', ')}${item.paths.length > 3 ? ', ...' : ''}) as ${item.ref}`);
    if (item.what === 'nested') step(run, 'save-nested', `Saved the repository ${item.paths[0]} (its HEAD, branches and uncommitted work) under ${item.ref}/`);
    run.notes.push(`To restore ${item.what === 'nested' ? item.paths[0] : item.what === 'ignored' ? 'the ignored files' : 'the uncommitted work'}: ${item.restore}`);
  }
  step(run, 'remove-worktree', `Removed the worktree ${run.worktreePath}${mode === 'abandon' ? ' (forced; its work is saved above)' : ''}`);
  if (result.droppedNote) run.notes.push(result.droppedNote);
  if (result.recreated) run.warnings.push(`Something wrote into ${run.worktreePath} while the session ended, so that folder exists again with those files; look inside before deleting it.`);
}

/** refs/sessions/saved/<name>/<time>: where a clean end keeps what its branch cannot hold (edited ignored files). */
export function savedRefBase(run: EndRun): string {
  return `refs/sessions/saved/${run.entry.id}/${refTimestamp(run.now)}`;
}

/** Pushes the session branch; returns what went wrong, and what kind of failure it was, instead of throwing. */
/** Where the session branch goes on `remote`: a session started on a pull request pushes back to that PR's branch. */
export function pushTarget(entry: SessionEntry, remote: string): string {
  return entry.pr && entry.pr.remote === remote ? entry.pr.branch : entry.branch;
}

export async function tryPush(run: EndRun, remote: string): Promise<{ message: string; kind: PushFailure } | null> {
  const target = pushTarget(run.entry, remote);
  try {
    await pushBranch(run.project.mainCheckout, remote, run.entry.branch, target);
    run.push = { remote, pushed: true, error: null };
    run.committedTo.push(`pushed ${run.entry.branch} to ${remote}`);
    step(run, 'push', target === run.entry.branch ? `Pushed ${run.entry.branch} to ${remote} (upstream set)` : `Pushed ${run.entry.branch} to ${remote}/${target}, the branch of pull request #${run.entry.pr!.number}`);
    return null;
  } catch (error) {
    const stderr = error instanceof GitError ? error.stderr : '';
    const message = error instanceof GitError ? (stderr.trim() || error.message).split('\n').slice(0, 3).join(' ') : String(error);
    run.push = { remote, pushed: false, error: message };
    return { message, kind: classifyPushFailure(stderr) };
  }
}
