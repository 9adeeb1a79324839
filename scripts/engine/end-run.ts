/**
 * The state one `session end` carries through its steps, the manifest transitions around it
 * (active -> ending -> gone, or back to active), and the steps every strategy shares.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { RefusalError } from '../lib/errors.js';
import type { SignalGuard } from '../lib/interrupt.js';
import { updateManifest } from '../store/manifest-store.js';
import { findSession, type SessionEntry } from '../core/manifest-types.js';
import { SESSION_LOG_DIR } from '../core/session-log.js';
import { isPackFile, isUntracked, sessionWork } from '../core/status-porcelain.js';
import { freeFileName, uncommittedRefusal, type EndFacts, type EndOptions, type StepLine } from '../core/end-plan.js';
import type { Project } from '../store/project.js';
import { readStatus } from '../git/changes.js';
import { removeWorktree } from '../git/worktrees.js';
import { readFileAtCommit } from '../git/branches.js';
import { pushBranch } from '../git/remote.js';

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
  pr: { created: boolean; url: string | null; manualStep: string | null } | null;
  saved: { tip: string; worktree: string | null; restore: string[] } | null;
  logCopy: string | null;
  branchDeleted: boolean;
}

export function step(run: EndRun, id: string, text: string): void {
  run.steps.push({ id, text });
}

export const short = (commit: string) => commit.slice(0, 12);

/** Claims the session for this process; refuses when another start or end holds it. */
export async function markEnding(project: Project, id: string): Promise<void> {
  const owner = { pid: process.pid, host: hostname() };
  await updateManifest(project.manifestPath, project.name, (manifest) => {
    const session = findSession(manifest, id);
    if (!session) throw new RefusalError('no-such-session', `The session "${id}" left the manifest a moment ago; another process ended it.`, 'Run `session status` to see the sessions.');
    if (session.status !== 'active') throw busyRefusal(session);
    session.status = 'ending';
    session.owner = owner;
  });
}

export function busyRefusal(session: SessionEntry): RefusalError {
  const who = session.owner ? ` by pid ${session.owner.pid} on ${session.owner.host}` : '';
  return new RefusalError(
    'session-busy',
    `The session "${session.id}" is ${session.status}${who}, so it cannot be ended now.`,
    'Wait for that process to finish. If it died, run `session cleanup` to finish or roll back what it started.',
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
    return true;
  });
}

export async function dropEntry(project: Project, id: string): Promise<void> {
  await updateManifest(project.manifestPath, project.name, (manifest) => {
    const before = manifest.sessions.length;
    manifest.sessions = manifest.sessions.filter((session) => !(session.id === id && ownedByMe(session)));
    return manifest.sessions.length !== before;
  });
}

/**
 * Removes the worktree without force: only the pack's own untracked files (copies) are
 * deleted first, so real work that appeared meanwhile makes git refuse rather than lose it.
 */
export async function removeCleanWorktree(run: EndRun): Promise<void> {
  const packFiles = run.entry.packFiles ?? [];
  const status = await readStatus(run.worktreePath);
  const work = sessionWork(status, packFiles);
  if (work.length > 0) throw uncommittedRefusal(run.entry.id, run.worktreePath, work);
  for (const entry of status) {
    if (isUntracked(entry) && isPackFile(entry.path, packFiles)) rmSync(join(run.worktreePath, entry.path), { force: true, recursive: true });
  }
  await removeWorktree(run.project.mainCheckout, run.worktreePath, false);
  run.worktreeRemoved = true;
  step(run, 'remove-worktree', `Removed the worktree ${run.worktreePath}`);
}

/** Pushes the session branch; returns the error text instead of throwing. */
export async function tryPush(run: EndRun, remote: string): Promise<string | null> {
  try {
    await pushBranch(run.project.mainCheckout, remote, run.entry.branch);
    run.push = { remote, pushed: true, error: null };
    run.committedTo.push(`pushed ${run.entry.branch} to ${remote}`);
    step(run, 'push', `Pushed ${run.entry.branch} to ${remote} (upstream set)`);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n').slice(0, 3).join(' ') : String(error);
    run.push = { remote, pushed: false, error: message };
    return message;
  }
}

/**
 * Keeps the session log visible from the main checkout as an untracked copy in
 * docs/session_logs/, taken from the worktree or else from the branch; never overwrites.
 */
export async function copyLogToMain(run: EndRun): Promise<void> {
  const log = run.entry.sessionLog;
  if (!log) {
    run.warnings.push('The session has no session log, so none was copied to the main checkout.');
    return;
  }
  const inWorktree = join(run.worktreePath, log);
  const content = existsSync(inWorktree) ? readFileSync(inWorktree) : await readFileAtCommit(run.project.mainCheckout, run.tip, log);
  if (content === null) {
    run.warnings.push(`The session log ${log} is neither in the worktree nor on the branch, so none was copied.`);
    return;
  }
  const folder = join(run.project.mainCheckout, SESSION_LOG_DIR);
  mkdirSync(folder, { recursive: true });
  for (;;) {
    const name = freeFileName(basename(log), (candidate) => existsSync(join(folder, candidate)));
    try {
      writeFileSync(join(folder, name), content, { flag: 'wx' });
      run.logCopy = join(folder, name);
      step(run, 'copy-log', `Copied the session log to ${SESSION_LOG_DIR}/${name} in the main checkout (untracked; commit it if it is worth keeping)`);
      if (name === basename(log)) {
        // The branch carries the log at the same path, and git refuses to overwrite an untracked file.
        run.notes.push(`Before merging or pulling ${run.entry.branch} into the main checkout, delete the untracked copy ${SESSION_LOG_DIR}/${name} (the branch brings its own).`);
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
