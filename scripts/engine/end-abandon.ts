/**
 * abandon: save everything under refs/sessions/abandoned/<name>/<timestamp> first (the branch
 * tip, and a snapshot commit of any uncommitted or untracked work), then force-remove the
 * worktree and delete the branch only if it still points at the saved tip.
 */
import { RefusalError } from '../lib/errors.js';
import { abandonedRef, commandLine } from '../core/end-plan.js';
import { isPackFile, isUntracked, sessionWork } from '../core/status-porcelain.js';
import { readStatus } from '../git/changes.js';
import { resolveCommit } from '../git/repo.js';
import { removeWorktree } from '../git/worktrees.js';
import { deleteBranchIfAt } from '../git/branches.js';
import { createRefIfAbsent, snapshotWorktree } from '../git/save.js';
import { copyLogToMain, short, step, type EndRun } from './end-run.js';

/** The first free refs/sessions/abandoned/<name>/<timestamp>[-n], created at `commit`. */
async function saveTip(run: EndRun): Promise<string> {
  for (let attempt = 1; attempt <= 50; attempt++) {
    const ref = abandonedRef(run.entry.id, run.now, attempt);
    if (await createRefIfAbsent(run.project.mainCheckout, ref, run.tip, `abandon session ${run.entry.id}`)) return ref;
  }
  throw new RefusalError('save-failed', `Could not create a ref under refs/sessions/abandoned/${run.entry.id}/ to save the branch tip; nothing was deleted.`, 'Check the repository (git for-each-ref refs/sessions/), then run the same command again.');
}

export async function endByAbandon(run: EndRun): Promise<void> {
  const main = run.project.mainCheckout;
  const { branch, id } = run.entry;
  const packFiles = run.entry.packFiles ?? [];
  const tipRef = await saveTip(run);
  const restore = [commandLine(['git', 'branch', branch, tipRef])];
  step(run, 'save-tip', `Saved the branch tip ${short(run.tip)} as ${tipRef}`);

  const [status, head] = await Promise.all([readStatus(run.worktreePath), resolveCommit(run.worktreePath, 'HEAD')]);
  const work = sessionWork(status, packFiles);
  let worktreeRef: string | null = null;
  if (work.length > 0 || head !== run.tip) {
    const exclude = status.filter((entry) => isUntracked(entry) && isPackFile(entry.path, packFiles)).map((entry) => entry.path);
    const snapshot = await snapshotWorktree(run.worktreePath, exclude, `Abandoned session ${id}: its uncommitted work`);
    worktreeRef = `${tipRef}-worktree`;
    if (!(await createRefIfAbsent(main, worktreeRef, snapshot, `abandon session ${id}: worktree`))) {
      throw new RefusalError('save-failed', `Could not create ${worktreeRef} to save the uncommitted work; nothing was deleted.`, 'Run the same command again.');
    }
    restore.push(`${commandLine(['git', 'stash', 'apply', worktreeRef])}   (inside a checkout of ${branch})`);
    step(run, 'save-worktree', `Saved ${work.length} uncommitted or untracked change(s) as ${worktreeRef}`);
  }
  run.saved = { tip: tipRef, worktree: worktreeRef, restore };
  run.committedTo.push(`saved the work as ${tipRef}`);
  await copyLogToMain(run);
  run.guard.check();

  await removeWorktree(main, run.worktreePath, true);
  run.worktreeRemoved = true;
  step(run, 'remove-worktree', `Removed the worktree ${run.worktreePath} (forced; its changes are saved above)`);
  if (await deleteBranchIfAt(main, branch, run.tip)) {
    run.branchDeleted = true;
    step(run, 'delete-branch', `Deleted the branch ${branch} (its tip is saved as ${tipRef})`);
  } else {
    run.warnings.push(`Kept the branch ${branch}: it moved away from the saved tip while ending.`);
  }
  run.notes.push(`To restore the branch: ${restore[0]}`);
  if (worktreeRef) run.notes.push(`To restore the uncommitted work: ${restore[1]}`);
}
