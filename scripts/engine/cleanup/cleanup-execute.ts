/**
 * Carries out a cleanup plan. Each action re-checks, just before it acts, the facts it was
 * planned on (the worktree still clean, the branch still at the planned tip and still in its
 * base, the entry still in the same state), so a change made since the plan is never undone.
 * One action failing does not stop the others; each reports its own result.
 */
import { shortSha } from '../../core/format.js';
import { existsSync, lstatSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { onlyEmptyFolders } from './cleanup-facts.js';
import { join, resolve } from 'node:path';
import { RefusalError } from '../../lib/errors.js';
import { clearStaleLock, ownerIsDead, readLockOwner } from '../../lib/lock.js';
import { pidIsAlive } from '../../lib/process.js';
import { sessionOfAction, type CleanupAction } from '../../core/cleanup-plan.js';
import { isoSeconds } from '../../core/format.js';
import { refTimestamp } from '../../core/end-plan.js';
import type { SessionEntry } from '../../core/manifest-types.js';
import { shortBranch, unfinishedAddOn } from '../../core/worktree-list.js';
import { appendHistory, restoreFacts } from '../../store/history.js';
import { forgetAgentState } from '../../store/agent-state.js';
import { readManifest, updateManifest, withManifestLock } from '../../store/manifest-store.js';
import { mergeLockPath } from '../../store/merge-lock.js';
import type { Project } from '../../store/project.js';
import { isAncestor } from '../../git/branches.js';
import { undoHalfCheckout } from '../../git/checkout-repair.js';
import { predictMerge } from '../../git/merge.js';
import { deleteBranchIfMerged } from '../../git/branch-deletion.js';
import { checkoutBusySync, gitDirOf, readGitDirMarks } from '../../git/checkout-state.js';
import { abortMergeIn, backOutOwnOperation, quitMergeIn } from '../../git/integrate.js';
import { resolveCommit } from '../../git/repo.js';
import { attachHead, detachHeadAt, headBranchRef } from '../../git/refs.js';
import { fastForwardCheckout, indexMatches } from '../../git/fast-forward.js';
import { checkWorktreePid } from '../../core/paths.js';
import { commandLine } from '../../lib/shell-words.js';
import { deleteRefIfAt } from '../../git/refs.js';
import {
  forgetWorktreeRecord,
  listWorktrees,
  relocateWorktree,
  removeWorktree,
  removeStrandedAdds,
  removeUnreadableAdds,
  repairWorktree,
  unlockWorktree,
} from '../../git/worktrees.js';
import { removeStaleGitLocks } from '../../git/stale-locks.js';
import { commitFiles, createRefIfAbsent } from '../../git/save.js';
import { unstagePaths } from '../../git/changes.js';
import { fileDigest, writeConfinedFile } from '../../lib/safe-fs.js';
import { rebuildManifest } from './manifest-rebuild.js';
import {
  mergeBack,
  removalMarkOf,
  removeEmptyFolders,
  removeSessionWorktree,
  savedRefsOf,
  type SavedItem,
} from '../worktree-removal.js';

export type ActionResult = 'done' | 'skipped' | 'failed';

export interface ActionOutcome {
  action: CleanupAction;
  result: ActionResult;
  message: string;
}

class Skip extends Error {}

export async function executeCleanup(project: Project, actions: CleanupAction[], now: Date): Promise<ActionOutcome[]> {
  const outcomes: ActionOutcome[] = [];
  // A session's later steps stand on its earlier ones: after one fails or is skipped, the rest wait for the next cleanup.
  const stopped = new Map<string, CleanupAction['kind']>();
  for (const action of actions) {
    const session = sessionOfAction(action);
    const before = session === null ? undefined : stopped.get(session);
    if (before) {
      outcomes.push({
        action,
        result: 'skipped',
        message: `not done, because the step before it for "${session}" (${before}) did not succeed; run cleanup again once that is fixed`,
      });
      continue;
    }
    try {
      outcomes.push({ action, result: 'done', message: await execute(project, action, now) });
    } catch (error) {
      const skipped = error instanceof Skip;
      outcomes.push({ action, result: skipped ? 'skipped' : 'failed', message: (error as Error).message });
      if (session !== null) stopped.set(session, action.kind);
    }
  }
  return outcomes;
}

/**
 * The step before any other while git cannot list the worktrees (planUnreadableAdds): run from `cwd`, as no main
 * checkout is known until git reads them again.
 */
export async function removeUnreadableAddsFirst(cwd: string, actions: CleanupAction[]): Promise<ActionOutcome[]> {
  const outcomes: ActionOutcome[] = [];
  for (const action of actions) {
    if (action.kind !== 'remove-unreadable-add') throw new Error(`${action.kind} needs the worktrees listed`);
    try {
      outcomes.push({ action, result: 'done', message: await removeUnreadableAdd(cwd, action) });
    } catch (error) {
      outcomes.push({
        action,
        result: error instanceof Skip ? 'skipped' : 'failed',
        message: (error as Error).message,
      });
    }
  }
  return outcomes;
}

async function removeUnreadableAdd(
  cwd: string,
  { adminDir }: Extract<CleanupAction, { kind: 'remove-unreadable-add' }>,
): Promise<string> {
  // What it finds then, not what the plan said: a folder that gained files since is kept.
  const [removed] = await removeUnreadableAdds(cwd, [adminDir]);
  if (!removed) throw new Skip(`${adminDir} is no longer what a killed git worktree add left; left alone`);
  return `removed ${adminDir}${removed.folder ? ` and ${removed.folder}` : ''}, what a killed git worktree add left half written`;
}

async function execute(project: Project, action: CleanupAction, now: Date): Promise<string> {
  const main = project.mainCheckout;
  switch (action.kind) {
    case 'remove-unreadable-add':
      return removeUnreadableAdd(main, action);
    case 'remove-stray-file': {
      if (action.file.endsWith('.lock')) {
        if (!(await clearStaleLock(resolve(project.sessionsDir, action.file))))
          throw new Skip(`${action.file} is held by a running process again; left alone`);
        return `removed the stale lock ${action.file}`;
      }
      const match = /\.(\d+)\.[0-9a-f]+\.(?:tmp|stale)$/.exec(action.file);
      if (match && pidIsAlive(Number(match[1])))
        throw new Skip(`process ${match[1]} is running again; ${action.file} left alone`);
      try {
        // A name in the sessions folder, or the full path of one beside a lock in the git dir.
        unlinkSync(resolve(project.sessionsDir, action.file));
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
      await forgetWorktreeRecord(main, action.path);
      return `unlocked and removed git's record of ${action.path}`;
    }
    case 'prune-worktree-records': {
      const done: string[] = [];
      for (const path of action.paths) {
        if (existsSync(path)) continue; // it came back
        await forgetWorktreeRecord(main, path);
        done.push(path);
      }
      if (done.length === 0) throw new Skip('every folder came back; no record removed');
      return `removed git's record of ${done.join(', ')}`;
    }
    case 'move-back': {
      if (existsSync(action.path) && !onlyEmptyFolders(action.path))
        throw new Skip(`${action.path} exists again; ${action.aside} is left where it is`);
      if (!existsSync(action.aside)) throw new Skip(`${action.aside} is gone`);
      if (action.hollowed && existsSync(action.hollowed)) mergeBack(action.hollowed, action.aside);
      if (existsSync(action.path)) removeEmptyFolders(action.path);
      await relocateWorktree(
        main,
        action.path,
        () => (renameSync(action.aside, action.path), true),
        () => renameSync(action.path, action.aside),
      );
      if (!(await listWorktrees(main)).some((record) => record.path === action.path))
        throw new Error(
          `moved "${action.id}"'s files back to ${action.path}, but git does not list it as a worktree there; look at ${action.path}`,
        );
      return `moved "${action.id}"'s worktree back to ${action.path}`;
    }
    case 'finish-removal':
      return finishMarkedRemoval(main, action.folder);
    case 'relink-worktree': {
      await repairWorktree(main, action.path);
      if (!(await listWorktrees(main)).some((record) => record.path === action.path))
        throw new Error(`git still does not list ${action.path} as a worktree; look there`);
      return `git knows "${action.id}"'s worktree at ${action.path} again`;
    }
    case 'remove-git-locks': {
      const { removed, gone, renewed } = await removeStaleGitLocks(action.locks);
      if (renewed.length > 0)
        throw new Skip(
          `a running git holds ${renewed.join(', ')} again; left alone${removed.length > 0 ? ` (removed ${removed.join(', ')})` : ''}`,
        );
      return [
        removed.length > 0 ? `removed ${removed.join(', ')}` : null,
        gone.length > 0 ? `${gone.join(', ')} already gone` : null,
      ]
        .filter(Boolean)
        .join('; ');
    }
    case 'undo-log-edit': {
      const file = join(action.worktree, action.path);
      if (fileDigest(file) !== action.digest) throw new Skip(`${action.path} changed since the plan; left as it is`);
      writeConfinedFile(action.worktree, action.path, action.text);
      await unstagePaths(action.worktree, [action.path]);
      return `put "${action.id}"'s session log ${action.path} back as it was before the interrupted step`;
    }
    case 'remove-remnants': {
      const removed: string[] = [];
      for (const path of action.paths) {
        // Only folders that are still empty, or a removal folder that no longer holds a worktree.
        if (!existsSync(path)) continue;
        if (!onlyEmptyFolders(path)) continue;
        removeEmptyFolders(path);
        removed.push(path);
      }
      if (removed.length === 0)
        throw new Skip('nothing left to remove (or something was written there since the plan)');
      return `removed ${removed.join(', ')}`;
    }
    case 'back-out-operation': {
      const outcome = await backOutStoppedOperation(project, action, now);
      if (outcome.state === 'committed')
        return `the ${action.operation.kind} in "${action.id}" had been committed; forgot the merge state it left`;
      if (!outcome.restored)
        throw new Error(
          `the ${action.operation.kind} in ${action.path} could not be backed out: ${action.branch} is not back at ${shortSha(action.operation.before)}; look at ${action.path}`,
        );
      const left =
        outcome.left.length > 0
          ? `; ${outcome.left.length} file(s) changed since were left as they are: ${outcome.left.slice(0, 5).join(', ')}`
          : '';
      return `backed out the interrupted ${action.operation.kind} in "${action.id}"; ${action.branch} is back at ${shortSha(action.operation.before)}${outcome.saved ? `; the untracked files in its way are saved as ${outcome.saved}` : ''}${left}`;
    }
    case 'finish-interrupted-merge': {
      return finishInterruptedMerge(project, action);
    }
    case 'finish-interrupted-land':
      return finishInterruptedLand(project, action);
    case 'remove-check-worktree':
      return removeCheckWorktree(project, action.path);
    case 'restore-active': {
      const { result } = await updateManifest(project.manifestPath, project.name, (manifest) => {
        const entry = manifest.sessions.find((session) => session.id === action.id);
        if (!entry || entry.status !== action.fromStatus || entry.owner?.pid !== action.ownerPid) return false;
        entry.status = 'active';
        delete entry.owner;
        delete entry.operation;
        delete entry.landing;
        if (!entry.sessionLog && action.sessionLog) entry.sessionLog = action.sessionLog;
        return true;
      });
      if (!result) throw new Skip(`"${action.id}" changed since the plan; left alone`);
      return `"${action.id}" is active again`;
    }
    case 'register': {
      const { result } = await updateManifest(project.manifestPath, project.name, (manifest) => {
        if (
          manifest.sessions.some(
            (session) => session.id === action.entry.id || session.worktree === action.entry.worktree,
          )
        )
          return false;
        manifest.sessions.push(structuredClone(action.entry));
        return true;
      });
      if (!result) throw new Skip(`"${action.entry.id}" was registered meanwhile`);
      return `registered "${action.entry.id}" (${action.entry.branch}, base ${action.entry.base.branch})`;
    }
    case 'drop-entry':
      return dropPlannedEntry(project, action, now);
    case 'delete-merged-branch':
      return deleteLeftoverBranch(project, action);
    case 'prune-saved-refs':
      return pruneSavedRefs(project, action);
    case 'remove-setup-log':
      return removeSetupLog(project, action);
    case 'remove-worktree': {
      const found: SessionEntry = {
        id: action.subject,
        branch: action.branch,
        worktree: action.path,
        startedAt: isoSeconds(now),
        sessionLog: null,
        goals: [],
        status: 'active',
        base: { branch: '', commit: action.baseTip },
      };
      const { notes } = await removeSessionWorktreeChecked(project, found, action.path, {
        checkoutOnly: false,
        allowedLeftovers: [],
        now,
      });
      const deleted = await deleteMergedBranch(project, action.branch, action.tip, action.baseTip);
      return `removed worktree ${action.path}; ${[...notes, deleted].join('; ')}`;
    }
  }
}

/**
 * Removes a session worktree the one safe way (engine/worktree-removal.ts): only while it is
 * still the worktree planned on, on the planned branch, unlocked and idle, and only if it
 * holds no work (what its branch cannot hold is saved first). An interrupted start whose
 * checkout never finished goes forced: nothing in it was ever anyone's.
 */
async function removeSessionWorktreeChecked(
  project: Project,
  entry: SessionEntry,
  path: string,
  options: { checkoutOnly: boolean; allowedLeftovers: readonly string[]; now: Date },
): Promise<{ notes: string[]; saved: SavedItem[] }> {
  const record = (await listWorktrees(project.mainCheckout)).find((worktree) => worktree.path === path);
  if (!record) throw new Skip(`${path} is no longer a git worktree`);
  // A start killed inside `git worktree add` leaves git's own marks of the add; removing it is the roll back.
  if (options.checkoutOnly && unfinishedAddOn(record, entry.branch)) {
    await removeUnfinishedAdd(project.mainCheckout, path);
    return { notes: [], saved: [] };
  }
  if (shortBranch(record.branch) !== entry.branch) throw new Skip(`${path} is no longer on ${entry.branch}`);
  if (record.locked)
    throw new Skip(`${path} is locked in git${record.lockedReason ? ` (${record.lockedReason})` : ''}; kept`);
  if (options.checkoutOnly) {
    await removeWorktree(project.mainCheckout, path, true);
    return { notes: [], saved: [] };
  }
  const busy = checkoutBusySync(path, []);
  if (busy) throw new Skip(`${busy.what} in ${path}; kept`);
  try {
    const result = await removeSessionWorktree({
      project,
      entry: { ...entry, packFiles: [...(entry.packFiles ?? []), ...options.allowedLeftovers] },
      worktree: path,
      mode: 'clean',
      refBase: `refs/sessions/saved/${entry.id}/${refTimestamp(options.now)}`,
      reason: `cleanup of session ${entry.id}`,
    });
    return {
      notes: result.saved.map(
        (item) =>
          `saved ${item.what === 'ignored' ? `the ignored or pack files it changed (${item.paths.join(', ')})` : item.what === 'nested' ? `the repository ${item.paths[0]}` : 'its changes'} as ${item.ref} (restore: ${item.restore})`,
      ),
      saved: result.saved,
    };
  } catch (error) {
    if (error instanceof RefusalError) throw new Skip(`${error.message.split('\n')[0]} Kept.`);
    throw error;
  }
}

/**
 * git removes the worktree of a killed add itself, unless the add died before the folder was one git can name (no
 * `.git` file yet, or no HEAD behind it). Then the folder can hold only that file and empty folders, which go by
 * hand, and then git's record; anything else in it keeps it.
 */
async function removeUnfinishedAdd(main: string, path: string): Promise<void> {
  try {
    await removeWorktree(main, path, true);
    return;
  } catch (error) {
    if (existsSync(path) && !holdsOnlyItsGitFile(path)) {
      throw new Skip(
        `git cannot remove ${path} (${(error as Error).message.split('\n').pop()}), and it holds files; kept`,
      );
    }
  }
  if (existsSync(path)) {
    rmSync(join(path, '.git'), { force: true });
    removeEmptyFolders(path);
  }
  // With the folder gone, this removes only git's record, which the killed add left locked.
  await removeWorktree(main, path, true);
}

/**
 * What a `git worktree add` killed before git could list the worktree left (EntryFacts.strandedAdds): the folder, only
 * while it still holds nothing and git still does not list it, and git's admin folders for it.
 */
async function removeUnlistedAdd(
  main: string,
  { folder, adminDirs }: { folder: string | null; adminDirs: readonly string[] },
): Promise<string[]> {
  const notes: string[] = [];
  if (folder && existsSync(folder)) {
    const listed = (await listWorktrees(main)).some((record) => record.path === folder);
    if (listed || !onlyEmptyFolders(folder)) throw new Skip(`${folder} is a worktree or holds files now; kept`);
    removeEmptyFolders(folder);
    notes.push(`removed its empty folder ${folder}`);
  }
  const removed = await removeStrandedAdds(main, adminDirs);
  if (removed.length > 0) notes.push(`removed what its killed git worktree add left in ${removed.join(', ')}`);
  return notes;
}

function holdsOnlyItsGitFile(path: string): boolean {
  try {
    return readdirSync(path).every((name) =>
      name === '.git' ? lstatSync(join(path, name)).isFile() : onlyEmptyFolders(join(path, name)),
    );
  } catch {
    return false;
  }
}

/** The one way a branch is deleted (git/branch-deletion.ts), said as a note. */
async function deleteMergedBranch(project: Project, branch: string, tip: string, baseTip: string): Promise<string> {
  const outcome = await deleteBranchIfMerged(project.mainCheckout, branch, tip, baseTip);
  if (outcome.deleted) return `deleted branch ${branch} (was ${shortSha(tip)})`;
  return outcome.gone ? `branch ${branch} was already gone` : `kept branch ${branch}: ${outcome.why}`;
}

/**
 * Backs out the rebase or merge a dead sync or end left undone, after clearing the index.lock
 * its killed git left. Untracked files an abort refuses to overwrite (a pick's new files) are
 * saved under refs/sessions/saved/<id>/ first.
 */
async function backOutStoppedOperation(
  project: Project,
  action: Extract<CleanupAction, { kind: 'back-out-operation' }>,
  now: Date,
): Promise<Awaited<ReturnType<typeof backOutOwnOperation>> & { saved: string | null }> {
  clearIndexLockSince(gitDirOf(action.path), Date.parse(action.operation.at));
  let saved: string | null = null;
  const outcome = await backOutOwnOperation(action.path, action.branch, action.operation, {
    hasChanges: true,
    saveInTheWay: async (paths) => {
      const commit = await commitFiles(
        action.path,
        paths,
        `Session ${action.id}: untracked files in the way of backing out its ${action.operation.kind} (${paths.length})`,
      );
      const ref = `refs/sessions/saved/${action.id}/${refTimestamp(now)}-in-the-way`;
      if (
        !(await createRefIfAbsent(
          project.mainCheckout,
          ref,
          commit,
          `cleanup of session ${action.id}: untracked files in the way`,
        ))
      )
        throw new Error(`could not save ${paths.join(', ')} as ${ref}; nothing was removed`);
      saved = ref;
    },
  });
  return { ...outcome, saved };
}

/** Removes an index.lock made at or after `sinceMs` (by a git process of ours that was killed); older ones are someone else's. */
function clearIndexLockSince(gitDir: string | null, sinceMs: number): boolean {
  if (!gitDir) return false;
  const lock = join(gitDir, 'index.lock');
  try {
    if (statSync(lock).mtimeMs < sinceMs - 1_000) return false;
    unlinkSync(lock);
    return true;
  } catch {
    return false;
  }
}

async function finishInterruptedMerge(
  project: Project,
  action: Extract<CleanupAction, { kind: 'finish-interrupted-merge' }>,
): Promise<string> {
  const lockPath = await mergeLockPath(project.mainCheckout);
  const owner = readLockOwner(lockPath);
  if (!owner || !ownerIsDead(owner)) throw new Skip("the merge lock is no longer the dead merge's; left alone");
  const done: string[] = [];
  if (clearIndexLockSince(gitDirOf(action.checkout), Date.parse(owner.acquiredAt)))
    done.push('removed the index.lock its killed git left');
  const [mergeHead, head, origHead] = await Promise.all([
    Promise.resolve(readGitDirMarks(gitDirOf(action.checkout)).mergeHead),
    resolveCommit(action.checkout, 'HEAD'),
    resolveCommit(action.checkout, 'ORIG_HEAD'),
  ]);
  if (mergeHead === action.theirs && head && (await isAncestor(action.checkout, action.theirs, head))) {
    // The merge commit was made; only its MERGE_HEAD was left. Forget that state, touch nothing else.
    await quitMergeIn(action.checkout);
    done.push(`the merge of ${shortSha(action.theirs)} had been committed; forgot the merge state it left`);
  } else if (mergeHead === action.theirs && head === origHead) {
    await abortMergeIn(action.checkout);
    if (readGitDirMarks(gitDirOf(action.checkout)).mergeHead !== null)
      throw new Error(`the merge in ${action.checkout} could not be aborted; look there`);
    done.push(`aborted the stopped merge of ${shortSha(action.theirs)}`);
  } else if (mergeHead !== null) {
    throw new Skip(
      `a merge of ${shortSha(mergeHead)} is in progress in ${action.checkout}, not the one this pack was making; left alone`,
    );
  } else if (head && !(await isAncestor(action.checkout, action.theirs, head))) {
    // A clean merge writes no MERGE_HEAD: killed while git wrote its files, it leaves some of them merged and HEAD where it was.
    const prediction = await predictMerge(action.checkout, head, action.theirs);
    const undo = prediction ? await undoHalfCheckout(action.checkout, head, prediction.tree) : null;
    if (undo && undo.restore.length + undo.remove.length > 0)
      done.push(`put back ${undo.restore.length + undo.remove.length} file(s) the merge had begun to write`);
    if (undo && undo.left.length > 0)
      done.push(`left ${undo.left.length} file(s) that changed since: ${undo.left.slice(0, 5).join(', ')}`);
  }
  await clearStaleLock(lockPath);
  done.push('released the merge lock');
  return `${action.checkout}: ${done.join('; ')}`;
}

/**
 * Finishes what a dead land run left of the main checkout, re-checking each fact first: a
 * fast-forward is completed (the files a killed read-tree had half written put back, then git's
 * two-tree merge run again; if git refuses, the checkout is left detached at the old commit,
 * consistent with its files); a HEAD detached for a base that did not move goes back on it.
 */
async function finishInterruptedLand(
  project: Project,
  action: Extract<CleanupAction, { kind: 'finish-interrupted-land' }>,
): Promise<string> {
  const lockPath = await mergeLockPath(project.mainCheckout);
  const owner = readLockOwner(lockPath);
  if (!owner || !ownerIsDead(owner) || (owner.purpose as { kind?: unknown } | undefined)?.kind !== 'land')
    throw new Skip("the merge lock is no longer the dead land run's; left alone");
  const checkout = action.checkout;
  const done: string[] = [];
  if (action.fastForward) {
    const { base, from, to } = action.fastForward;
    const [headRef, baseTip] = await Promise.all([
      headBranchRef(checkout),
      resolveCommit(checkout, `refs/heads/${base}`),
    ]);
    if (headRef !== `refs/heads/${base}` || baseTip !== to)
      throw new Skip(`${checkout} or ${base} changed since the plan; left alone`);
    if (clearIndexLockSince(gitDirOf(checkout), Date.parse(owner.acquiredAt)))
      done.push('removed the index.lock its killed git left');
    if (!(await indexMatches(checkout, to))) {
      const undo = await undoHalfCheckout(checkout, from, to);
      if (undo.left.length > 0)
        done.push(`left ${undo.left.length} file(s) that changed since: ${undo.left.slice(0, 5).join(', ')}`);
      const forwarded = await fastForwardCheckout(checkout, from, to);
      if (forwarded.ok) done.push(`brought its files from ${shortSha(from)} to ${shortSha(to)} (${base})`);
      else {
        await detachHeadAt(checkout, from, to, `cleanup: leave the main checkout at ${base} as it was`);
        done.push(
          `git would not bring its files along (${forwarded.why}), so its HEAD is detached at ${shortSha(from)}, where its files are; to bring it up to ${base}: ${commandLine(['git', '-C', checkout, 'switch', base])}`,
        );
      }
    }
  }
  if (action.reattach) {
    const { base, at } = action.reattach;
    const [headRef, head, baseTip] = await Promise.all([
      headBranchRef(checkout),
      resolveCommit(checkout, 'HEAD'),
      resolveCommit(checkout, `refs/heads/${base}`),
    ]);
    if (headRef !== null || head !== at || baseTip !== at)
      throw new Skip(`${checkout} or ${base} changed since the plan; left alone`);
    await attachHead(checkout, base, 'cleanup: back on the base, which the land did not move');
    done.push(`its HEAD is back on ${base} (${shortSha(at)})`);
  }
  await clearStaleLock(lockPath);
  done.push('released the merge lock');
  return `${checkout}: ${done.join('; ')}`;
}

/** Removes a dead land run's scratch worktree: its folder (forced; a candidate merge and the check's output) and git's record of it. */
async function removeCheckWorktree(project: Project, path: string): Promise<string> {
  const pid = checkWorktreePid(project.sessionsDir, path);
  if (pid === null || pidIsAlive(pid))
    throw new Skip(`${path} belongs to a land run that is running again; left alone`);
  const main = project.mainCheckout;
  const listed = async () => (await listWorktrees(main)).some((record) => record.path === path);
  // git refuses a folder it no longer knows for a worktree (a run killed inside its add, before HEAD was written);
  // the folder holds nothing of anyone's, so it goes by hand then.
  if (existsSync(join(path, '.git')) && (await listed())) await removeWorktree(main, path, true).catch(() => undefined);
  rmSync(path, { recursive: true, force: true });
  // Forced: a killed add leaves the record locked "initializing".
  if (await listed()) await removeWorktree(main, path, true);
  return `removed the scratch worktree ${path} of a land run that is gone`;
}

async function dropPlannedEntry(
  project: Project,
  action: Extract<CleanupAction, { kind: 'drop-entry' }>,
  now: Date,
): Promise<string> {
  const { entry } = action;
  const notes: string[] = [];
  const saved: SavedItem[] = [];
  if (action.removeWorktree) {
    const { path, allowedLeftovers, checkoutOnly } = action.removeWorktree;
    const removed = await removeSessionWorktreeChecked(project, entry, path, {
      checkoutOnly,
      allowedLeftovers,
      now,
    }).catch(async (error: unknown) => {
      // A landed session whose worktree cannot go (something was written there since): it is handed back, active and merged, for its owner to look at.
      if (!(error instanceof Skip) || action.strategy !== 'land') throw error;
      await handBack(project, entry);
      throw new Skip(`${error.message} It is active again (its base holds its branch), for you to look at.`);
    });
    const unfinished = entry.restoredFrom ? ' (its restore had never finished)' : ' (its checkout had never finished)';
    notes.push(`removed worktree ${path}${checkoutOnly ? unfinished : ''}`, ...removed.notes);
    saved.push(...removed.saved);
  }
  if (action.unfinishedAdd) notes.push(...(await removeUnlistedAdd(project.mainCheckout, action.unfinishedAdd)));
  let branchKept = action.keepBranch !== null;
  if (action.deleteBranch) {
    const said = await deleteMergedBranch(
      project,
      action.deleteBranch.branch,
      action.deleteBranch.tip,
      action.deleteBranch.baseTip,
    );
    branchKept = said.startsWith('kept');
    notes.push(said);
  } else if (action.keepBranch) {
    notes.push(`kept branch ${action.keepBranch.branch} (${shortSha(action.keepBranch.tip)})`);
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
      ...restoreFacts(entry, savedRefsOf(saved)),
    });
    forgetAgentState(project.sessionsDir, entry.id);
    return true;
  });
  if (!dropped)
    throw new Skip(`"${entry.id}" changed in the manifest since the plan; ${notes.join('; ') || 'nothing done'}`);
  notes.push('dropped its manifest entry');
  return `"${entry.id}": ${notes.join('; ')}`;
}

/**
 * Finishes a removal that was marked as all saved (worktree-removal.ts) before it was cut short:
 * git removes what is left of the folder, or, where git can no longer tell it is a worktree
 * (its .git already deleted), the rest of the folder goes and then git's record of it.
 */
async function finishMarkedRemoval(main: string, folder: string): Promise<string> {
  const mark = removalMarkOf(folder);
  if (!existsSync(mark)) throw new Skip(`the mark of ${folder} is gone: another cleanup finished it`);
  const record = (await listWorktrees(main)).find((worktree) => worktree.path === folder) ?? null;
  if (existsSync(folder)) {
    if (record && existsSync(join(folder, '.git'))) await removeWorktree(main, folder, true);
    else rmSync(folder, { recursive: true, force: true });
  }
  if (record && (await listWorktrees(main)).some((worktree) => worktree.path === folder))
    await forgetWorktreeRecord(main, folder);
  rmSync(mark, { force: true });
  return `finished removing ${folder} (everything in it had been saved or committed)`;
}

/** An interrupted landing whose end cannot be finished goes back to active, never left ending. */
async function handBack(project: Project, planned: SessionEntry): Promise<void> {
  await updateManifest(project.manifestPath, project.name, (manifest) => {
    const entry = manifest.sessions.find((session) => sameEntry(session, planned));
    if (!entry) return false;
    entry.status = 'active';
    delete entry.owner;
    delete entry.operation;
    delete entry.landing;
    return true;
  });
}

function sameEntry(current: SessionEntry, planned: SessionEntry): boolean {
  return (
    current.id === planned.id &&
    current.branch === planned.branch &&
    current.status === planned.status &&
    current.owner?.pid === planned.owner?.pid
  );
}

/** Leftovers belong to a session that is gone: one registered again, or with a folder again, since the plan keeps them. */
function assertSessionStillGone(project: Project, session: string, branch?: string): void {
  const manifest = readManifest(project.manifestPath, project.name);
  if (manifest.sessions.some((entry) => entry.id === session || (branch !== undefined && entry.branch === branch)))
    throw new Skip(`a session "${session}" is registered again; its leftovers are kept`);
  if (existsSync(join(project.sessionsDir, session)))
    throw new Skip(`${join(project.sessionsDir, session)} exists again; the leftovers of "${session}" are kept`);
}

async function deleteLeftoverBranch(
  project: Project,
  action: Extract<CleanupAction, { kind: 'delete-merged-branch' }>,
): Promise<string> {
  assertSessionStillGone(project, action.session, action.branch);
  const baseTip = await resolveCommit(project.mainCheckout, `refs/heads/${action.base}`);
  if (!baseTip) throw new Skip(`its base ${action.base} is gone; ${action.branch} is kept`);
  const said = await deleteMergedBranch(project, action.branch, action.tip, baseTip);
  if (!said.startsWith('deleted')) throw new Skip(said);
  return said;
}

/**
 * Deletes one end's saved refs by compare-and-delete, each only while it still points where
 * the plan saw it; the ref the others are named after goes last. Refs pruned because their
 * base holds them are checked against the base again first.
 */
async function pruneSavedRefs(
  project: Project,
  action: Extract<CleanupAction, { kind: 'prune-saved-refs' }>,
): Promise<string> {
  const main = project.mainCheckout;
  assertSessionStillGone(project, action.session);
  if (action.why === 'merged') {
    const baseTip = action.base ? await resolveCommit(main, `refs/heads/${action.base}`) : null;
    if (!baseTip) throw new Skip(`its base ${action.base ?? '(unknown)'} is gone; the refs are kept`);
    for (const { ref, commit } of action.refs) {
      if (!(await isAncestor(main, commit, baseTip)))
        throw new Skip(`${ref} is no longer in ${action.base}; the refs are kept`);
    }
  }
  const ordered = [...action.refs].sort((a, b) => Number(a.ref === action.set) - Number(b.ref === action.set));
  const deleted: string[] = [];
  const moved: string[] = [];
  for (const { ref, commit } of ordered) {
    if (await deleteRefIfAt(main, ref, commit)) deleted.push(ref);
    else moved.push(ref);
  }
  if (deleted.length === 0) throw new Skip(`every ref of ${action.set} changed or went since the plan; none deleted`);
  const why = action.why === 'merged' ? `${action.base} holds them` : 'older than the configured age';
  return `deleted ${deleted.length} saved ref(s) of "${action.session}" (${why}): ${deleted.join(', ')}${moved.length > 0 ? `; kept ${moved.join(', ')}, which changed since the plan` : ''}`;
}

async function removeSetupLog(
  project: Project,
  action: Extract<CleanupAction, { kind: 'remove-setup-log' }>,
): Promise<string> {
  assertSessionStillGone(project, action.session);
  const path = join(project.sessionsDir, action.file);
  try {
    if (!lstatSync(path).isFile()) throw new Skip(`${path} is not a regular file; left alone`);
    unlinkSync(path);
  } catch (error) {
    if (error instanceof Skip) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Skip(`${action.file} is already gone`);
    throw error;
  }
  return `removed ${action.file}`;
}
