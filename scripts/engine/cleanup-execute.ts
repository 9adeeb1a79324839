/**
 * Carries out a cleanup plan. Each action re-checks, just before it acts, the facts it was
 * planned on (the worktree still clean, the branch still at the planned tip and still in its
 * base, the entry still in the same state), so a change made since the plan is never undone.
 * One action failing does not stop the others; each reports its own result.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CleanupAction } from '../core/cleanup-plan.js';
import { isoSeconds } from '../core/cleanup-plan.js';
import { appendHistory } from '../store/history.js';
import { clearStaleLock } from '../lib/lock.js';
import { pidIsAlive } from '../lib/process.js';
import { readManifest, updateManifest, withManifestLock } from '../store/manifest-store.js';
import type { SessionEntry } from '../core/manifest-types.js';
import type { Project } from '../store/project.js';
import { isPackFile, isUntracked } from '../core/status-porcelain.js';
import { formatStatusEntry } from '../core/status-porcelain.js';
import { shortBranch } from '../core/worktree-list.js';
import { deleteBranchIfAt, isAncestor } from '../git/branches.js';
import { readStatus } from '../git/changes.js';
import { resolveCommit } from '../git/repo.js';
import { listWorktrees, pruneWorktrees, removeWorktree, unlockWorktree } from '../git/worktrees.js';
import { rebuildManifest } from './manifest-rebuild.js';

export type ActionResult = 'done' | 'skipped' | 'failed';

export interface ActionOutcome {
  action: CleanupAction;
  result: ActionResult;
  message: string;
}

class Skip extends Error {}

export async function executeCleanup(project: Project, actions: CleanupAction[], now: Date): Promise<ActionOutcome[]> {
  const outcomes: ActionOutcome[] = [];
  for (const action of actions) {
    try {
      outcomes.push({ action, result: 'done', message: await execute(project, action, now) });
    } catch (error) {
      const skipped = error instanceof Skip;
      outcomes.push({ action, result: skipped ? 'skipped' : 'failed', message: (error as Error).message });
    }
  }
  return outcomes;
}

async function execute(project: Project, action: CleanupAction, now: Date): Promise<string> {
  const main = project.mainCheckout;
  switch (action.kind) {
    case 'remove-stray-file': {
      if (action.file.endsWith('.lock')) {
        if (!(await clearStaleLock(resolve(project.sessionsDir, action.file)))) throw new Skip(`${action.file} is held by a running process again; left alone`);
        return `removed the stale lock ${action.file}`;
      }
      const match = /\.(\d+)\.[0-9a-f]+\.(?:tmp|stale)$/.exec(action.file);
      if (match && pidIsAlive(Number(match[1]))) throw new Skip(`process ${match[1]} is running again; ${action.file} left alone`);
      try {
        unlinkSync(join(project.sessionsDir, action.file));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Skip(`${action.file} is already gone`);
        throw error;
      }
      return `removed ${action.file}`;
    }
    case 'rebuild-manifest': {
      const outcome = await rebuildManifest(project, action.aside, action.sessions);
      if (!outcome.rebuilt) throw new Skip(outcome.why);
      return `moved the bad manifest to ${outcome.aside} and rebuilt ${project.manifestPath} with ${action.sessions.length} session(s)`;
    }
    case 'unlock-and-prune': {
      if (existsSync(action.path)) throw new Skip(`${action.path} exists again; its lock is left in place`);
      await unlockWorktree(main, action.path);
      await pruneWorktrees(main);
      return `unlocked and pruned git's record of ${action.path}`;
    }
    case 'prune-worktree-records': {
      await pruneWorktrees(main);
      return `pruned git's records of ${action.paths.join(', ')}`;
    }
    case 'restore-active': {
      const { result } = await updateManifest(project.manifestPath, project.name, (manifest) => {
        const entry = manifest.sessions.find((session) => session.id === action.id);
        if (!entry || entry.status !== action.fromStatus || entry.owner?.pid !== action.ownerPid) return false;
        entry.status = 'active';
        delete entry.owner;
        if (!entry.sessionLog && action.sessionLog) entry.sessionLog = action.sessionLog;
        return true;
      });
      if (!result) throw new Skip(`"${action.id}" changed since the plan; left alone`);
      return `"${action.id}" is active again`;
    }
    case 'register': {
      const { result } = await updateManifest(project.manifestPath, project.name, (manifest) => {
        if (manifest.sessions.some((session) => session.id === action.entry.id || session.worktree === action.entry.worktree)) return false;
        manifest.sessions.push(structuredClone(action.entry));
        return true;
      });
      if (!result) throw new Skip(`"${action.entry.id}" was registered meanwhile`);
      return `registered "${action.entry.id}" (${action.entry.branch}, base ${action.entry.base.branch})`;
    }
    case 'drop-entry':
      return dropEntry(project, action, now);
    case 'remove-worktree': {
      await removeCleanWorktree(project, action.path, [], [], action.branch);
      const deleted = await deleteMergedBranch(project, action.branch, action.tip, action.baseTip);
      return `removed worktree ${action.path}; ${deleted}`;
    }
  }
}

/**
 * Removes a worktree only if it still holds no session work. Untracked files that are the
 * pack's own (or start's own, for a rollback) need git's --force; nothing else does.
 */
async function removeCleanWorktree(project: Project, path: string, packFiles: readonly string[], allowedLeftovers: readonly string[], branch: string): Promise<void> {
  const record = (await listWorktrees(project.mainCheckout)).find((worktree) => worktree.path === path);
  if (!record) throw new Skip(`${path} is no longer a git worktree`);
  if (shortBranch(record.branch) !== branch) throw new Skip(`${path} is no longer on ${branch}`);
  if (record.locked) throw new Skip(`${path} is locked in git${record.lockedReason ? ` (${record.lockedReason})` : ''}; kept`);
  const status = await readStatus(path);
  const disposable = (entry: (typeof status)[number]) => isUntracked(entry) && (isPackFile(entry.path, packFiles) || allowedLeftovers.includes(entry.path));
  const work = status.filter((entry) => !disposable(entry));
  if (work.length > 0) throw new Skip(`${path} has uncommitted changes now (${work.map(formatStatusEntry).join(', ')}); kept`);
  await removeWorktree(project.mainCheckout, path, status.length > 0);
}

/** Compare-and-delete, only while the tip is still the planned one and still in the base. */
async function deleteMergedBranch(project: Project, branch: string, tip: string, baseTip: string): Promise<string> {
  const main = project.mainCheckout;
  const current = await resolveCommit(main, `refs/heads/${branch}`);
  if (current === null) return `branch ${branch} was already gone`;
  if (current !== tip) return `kept branch ${branch}: it moved to ${current.slice(0, 12)} since the plan`;
  if (!(await isAncestor(main, tip, baseTip))) return `kept branch ${branch}: it holds commits its base lacks`;
  const checkedOut = (await listWorktrees(main)).find((worktree) => worktree.branch === `refs/heads/${branch}`);
  if (checkedOut) return `kept branch ${branch}: it is checked out in ${checkedOut.path}`;
  const deleted = await deleteBranchIfAt(main, branch, tip);
  return deleted ? `deleted branch ${branch} (was ${tip.slice(0, 12)})` : `kept branch ${branch}: it changed while being deleted`;
}

async function dropEntry(project: Project, action: Extract<CleanupAction, { kind: 'drop-entry' }>, now: Date): Promise<string> {
  const { entry } = action;
  const notes: string[] = [];
  if (action.removeWorktree) {
    const { path, allowedLeftovers } = action.removeWorktree;
    await removeCleanWorktree(project, path, entry.packFiles ?? [], allowedLeftovers, entry.branch);
    notes.push(`removed worktree ${path}`);
    await pruneWorktrees(project.mainCheckout);
  }
  let branchKept = action.keepBranch !== null;
  if (action.deleteBranch) {
    const said = await deleteMergedBranch(project, action.deleteBranch.branch, action.deleteBranch.tip, action.deleteBranch.baseTip);
    branchKept = said.startsWith('kept');
    notes.push(said);
  } else if (action.keepBranch) {
    notes.push(`kept branch ${action.keepBranch.branch} (${action.keepBranch.tip.slice(0, 12)})`);
  }
  const head = action.deleteBranch?.tip ?? action.keepBranch?.tip ?? null;
  const dropped = await withManifestLock(project.manifestPath, (write) => {
    const manifest = readManifest(project.manifestPath, project.name);
    const index = manifest.sessions.findIndex((session) => sameEntry(session, entry));
    if (index === -1) return false;
    manifest.sessions.splice(index, 1);
    write(manifest);
    appendHistory(project.sessionsDir, {
      id: entry.id,
      branch: entry.branch,
      strategy: action.strategy,
      head,
      base: entry.base,
      endedAt: isoSeconds(now),
      ...(branchKept && head ? { savedAs: `refs/heads/${entry.branch}` } : {}),
      reason: action.reason,
    });
    return true;
  });
  if (!dropped) throw new Skip(`"${entry.id}" changed in the manifest since the plan; ${notes.join('; ') || 'nothing done'}`);
  notes.push('dropped its manifest entry');
  return `"${entry.id}": ${notes.join('; ')}`;
}

function sameEntry(current: SessionEntry, planned: SessionEntry): boolean {
  return current.id === planned.id && current.branch === planned.branch && current.status === planned.status && current.owner?.pid === planned.owner?.pid;
}
