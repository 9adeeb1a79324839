/**
 * Creating a session is all or nothing: reserve the name in the manifest (status "starting"),
 * make the branch and worktree, write the log stub, then mark it active. Any failure or
 * held signal rolls back what this run made. A SIGKILL leaves a "starting" entry whose owner
 * is dead, which cleanup rolls back.
 */
import { isoSeconds } from '../../core/format.js';
import { helper } from '../../lib/invocation.js';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RefusalError, withOutcome } from '../../lib/errors.js';
import { holdSignals } from '../../lib/interrupt.js';
import {
  addWorktreeForBranch,
  addWorktreeWithNewBranch,
  forgetWorktreeRecord,
  removeWorktree,
} from '../../git/worktrees.js';
import { UnsafeFileError, writeConfinedFile } from '../../lib/safe-fs.js';
import { selfRecord } from '../../lib/process.js';
import { deleteBranchIfAt } from '../../git/branches.js';
import { findSession, type PortBlock, type SessionEntry } from '../../core/manifest-types.js';
import { readManifest, updateManifest } from '../../store/manifest-store.js';
import { resolveCommit } from '../../git/repo.js';
import { renderSessionLogStub, sessionLogPath } from '../../core/session-log.js';
import { toStoredPath } from '../../core/paths.js';
import type { Project } from '../../store/project.js';
import { portSettings } from '../../core/config.js';
import { allocatePortBlock } from '../../workspace/ports.js';

export interface NewSession {
  name: string;
  branch: string;
  worktreePath: string;
  goals: string[];
  baseBranch: string;
  baseCommit: string;
  startedAt: Date;
  claudeSession?: string;
  /** The agreed plan, written into the log stub; not kept in the manifest. */
  plan?: string | null;
  /** Where the new branch starts; default the base commit. With `existingBranch`, the tip it is at. */
  startCommit?: string;
  /** Check out the branch as it is instead of creating it; a roll back then leaves it alone. */
  existingBranch?: boolean;
  /** Write the session log stub (start); a restore brings the log back with the work. */
  writeLogStub?: boolean;
  /** A port block to hold again if no other session holds any of it (a restore). */
  preferredPort?: PortBlock;
  /** Where a restored session came from, recorded in its entry. */
  restoredFrom?: SessionEntry['restoredFrom'];
  /** The GitHub issue or pull request it was started from, recorded in its entry. */
  issue?: SessionEntry['issue'];
  pr?: SessionEntry['pr'];
  /**
   * Runs after the checkout, before the session becomes active, inside the roll back: a
   * restore puts the saved work back here. It names the session log, if there is one.
   */
  fill?: (worktreePath: string) => Promise<{ sessionLog: string | null }>;
}

export async function createSession(
  project: Project,
  spec: NewSession,
): Promise<{ entry: SessionEntry; warnings: string[] }> {
  const guard = holdSignals();
  const warnings: string[] = [];
  const made = { reserved: false, worktree: false };
  const entry: SessionEntry = {
    id: spec.name,
    branch: spec.branch,
    worktree: toStoredPath(project.mainCheckout, spec.worktreePath),
    startedAt: isoSeconds(spec.startedAt),
    sessionLog: null,
    goals: spec.goals,
    status: 'starting',
    owner: selfRecord(),
    base: { branch: spec.baseBranch, commit: spec.baseCommit },
    ...(spec.claudeSession ? { claudeSession: spec.claudeSession } : {}),
    ...(spec.restoredFrom ? { restoredFrom: spec.restoredFrom } : {}),
    ...(spec.issue ? { issue: spec.issue } : {}),
    ...(spec.pr ? { pr: spec.pr } : {}),
  };
  const startCommit = spec.startCommit ?? spec.baseCommit;
  try {
    const reservation = await updateManifest(project.manifestPath, project.name, (manifest) => {
      if (findSession(manifest, spec.name)) {
        throw new RefusalError(
          'session-exists',
          `A session named "${spec.name}" was registered a moment ago by another process.`,
          'Pick another name.',
        );
      }
      // The port block is chosen under the lock, so concurrent starts never share one.
      const held = manifest.sessions.flatMap((session) => session.port ?? []);
      const port =
        spec.preferredPort && portBlockFree(held, spec.preferredPort)
          ? { ...spec.preferredPort }
          : allocatePortBlock(held, spec.name, portSettings(project.config));
      manifest.sessions.push({ ...structuredClone(entry), ...(port ? { port } : {}) });
      return port;
    });
    if (reservation.result) entry.port = reservation.result;
    made.reserved = true;
    guard.check();

    made.worktree = true;
    if (spec.existingBranch) await addWorktreeForBranch(project.mainCheckout, spec.worktreePath, spec.branch);
    else await addWorktreeWithNewBranch(project.mainCheckout, spec.worktreePath, spec.branch, startCommit);
    guard.check();

    if (spec.fill) entry.sessionLog = (await spec.fill(spec.worktreePath)).sessionLog;
    if (spec.writeLogStub !== false) writeLogStub(spec, entry, warnings);
    guard.check();

    entry.status = 'active';
    delete entry.owner;
    await updateManifest(project.manifestPath, project.name, (manifest) => {
      const index = manifest.sessions.findIndex((session) => session.id === spec.name);
      if (index === -1) throw new Error(`session ${spec.name} vanished from the manifest while starting`);
      manifest.sessions[index] = structuredClone(entry);
    });
    return { entry, warnings };
  } catch (error) {
    await rollBack(project, spec, made);
    throw made.reserved ? withOutcome(error, await rollBackOutcome(project, spec, made)) : error;
  } finally {
    guard.release();
  }
}

function writeLogStub(spec: NewSession, entry: SessionEntry, warnings: string[]): void {
  const logPath = sessionLogPath(spec.startedAt, spec.name, (path) => existsSync(join(spec.worktreePath, path)));
  const stub = renderSessionLogStub({
    name: spec.name,
    goals: spec.goals,
    worktree: entry.worktree,
    branch: spec.branch,
    baseBranch: spec.baseBranch,
    baseCommit: spec.baseCommit,
    startedAt: spec.startedAt,
    plan: spec.plan ?? null,
  });
  try {
    // Never through a symlink: a branch may commit docs/session_logs as a link to anywhere.
    writeConfinedFile(spec.worktreePath, logPath, stub, { exclusive: true });
    entry.sessionLog = logPath;
    entry.sessionLogDigest = createHash('sha256').update(stub).digest('hex');
  } catch (error) {
    if (!(error instanceof UnsafeFileError)) throw error;
    warnings.push(`No session log was written: ${error.message}. Write it somewhere inside the worktree by hand.`);
  }
}

/** No port of `block` is held by another session. */
export function portBlockFree(held: readonly PortBlock[], block: PortBlock): boolean {
  return !held.some((other) => block.base < other.base + other.count && other.base < block.base + block.count);
}

/** What is left after a roll back, checked rather than assumed. */
async function rollBackOutcome(
  project: Project,
  spec: NewSession,
  made: { reserved: boolean; worktree: boolean },
): Promise<string> {
  const left: string[] = [];
  if (made.worktree && existsSync(spec.worktreePath)) left.push(`the folder ${spec.worktreePath}`);
  if (made.worktree && !spec.existingBranch && (await resolveCommit(project.mainCheckout, `refs/heads/${spec.branch}`)))
    left.push(`the branch ${spec.branch}`);
  try {
    const entry = findSession(readManifest(project.manifestPath, project.name), spec.name);
    if (entry?.status === 'starting' && entry.owner?.pid === process.pid) left.push('its manifest entry');
  } catch {
    left.push('(the manifest could not be read to check)');
  }
  return left.length === 0
    ? 'Rolled back: no worktree, branch or manifest entry of it is left.'
    : `NOT fully rolled back: ${left.join(', ')} ${left.length === 1 ? 'is' : 'are'} left; run \`${helper('cleanup')}\` to finish.`;
}

/** Undoes only what this run made; the branch is deleted only if this run made it and it still sits where it started. */
async function rollBack(
  project: Project,
  spec: NewSession,
  made: { reserved: boolean; worktree: boolean },
): Promise<void> {
  if (made.worktree) {
    await removeWorktree(project.mainCheckout, spec.worktreePath, true).catch(() => undefined);
    if (!existsSync(spec.worktreePath))
      await forgetWorktreeRecord(project.mainCheckout, spec.worktreePath).catch(() => undefined);
    if (!spec.existingBranch)
      await deleteBranchIfAt(project.mainCheckout, spec.branch, spec.startCommit ?? spec.baseCommit).catch(
        () => undefined,
      );
  }
  if (made.reserved) {
    await updateManifest(project.manifestPath, project.name, (manifest) => {
      manifest.sessions = manifest.sessions.filter(
        (session) => !(session.id === spec.name && session.status === 'starting'),
      );
    }).catch(() => undefined);
  }
}
