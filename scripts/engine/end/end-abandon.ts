/**
 * abandon: save everything first (the branch tip as refs/sessions/abandoned/<name>/<time>;
 * the worktree's uncommitted work, the ignored files it changed or made, and any repository
 * inside it with work of its own, beside it), then remove the worktree and delete the branch
 * only if it still points at the saved tip and no checkout holds it.
 */
import { RefusalError } from '../../lib/errors.js';
import { helper } from '../../lib/invocation.js';
import { commandLine } from '../../lib/shell-words.js';
import { abandonedRef } from '../../core/end-plan.js';
import { deleteBranchIfAt } from '../../git/branches.js';
import { holdsPath } from '../../git/repo.js';
import { heldBranches } from '../../git/checkout-state.js';
import { createRefIfAbsent } from '../../git/save.js';
import { listWorktrees } from '../../git/worktrees.js';
import { removeSessionWorktreeOf, short, step, type EndRun } from './end-run.js';

/** The first free refs/sessions/abandoned/<name>/<timestamp>[-n], created at `commit`. */
async function saveTip(run: EndRun): Promise<string> {
  for (let attempt = 1; attempt <= 50; attempt++) {
    const ref = abandonedRef(run.entry.id, run.now, attempt);
    if (await createRefIfAbsent(run.project.mainCheckout, ref, run.tip, `abandon session ${run.entry.id}`)) return ref;
  }
  throw new RefusalError(
    'save-failed',
    `Could not create a ref under refs/sessions/abandoned/${run.entry.id}/ to save the branch tip; nothing was deleted.`,
    `Check the repository (${commandLine(['git', 'for-each-ref', 'refs/sessions/'])}), then run the same command again.`,
  );
}

export async function endByAbandon(run: EndRun): Promise<void> {
  const main = run.project.mainCheckout;
  const { branch } = run.entry;
  const tipRef = await saveTip(run);
  const restore = [commandLine(['git', 'branch', branch, tipRef])];
  step(run, 'save-tip', `Saved the branch tip ${short(run.tip)} as ${tipRef}`);
  run.committedTo.push(`saved the work as ${tipRef}`);
  run.guard.check();

  await removeSessionWorktreeOf(run, 'abandon', tipRef);
  const changes = run.savedItems.find((item) => item.what === 'changes');
  if (changes) restore.push(changes.restore);
  run.saved = { tip: tipRef, worktree: changes?.ref ?? null, restore };

  const holder = heldBranches(await listWorktrees(main)).find((held) => held.branch === `refs/heads/${branch}`);
  if (holder) {
    run.warnings.push(`Kept the branch ${branch}: it is checked out in ${holder.path}.`);
  } else if (await deleteBranchIfAt(main, branch, run.tip)) {
    run.branchDeleted = true;
    step(run, 'delete-branch', `Deleted the branch ${branch} (its tip is saved as ${tipRef})`);
  } else {
    run.warnings.push(`Kept the branch ${branch}: it moved away from the saved tip while ending.`);
  }
  run.notes.unshift(
    `To restore the whole session (branch, worktree, uncommitted work, goals, ports): ${helper(`restore ${run.entry.id}`)}`,
    `To restore only the branch: ${restore[0]}`,
  );
  // A stub left as start wrote it is the pack's own and went with the worktree: only a log some ref holds is named.
  const logRef = changes?.ref ?? tipRef;
  if (run.entry.sessionLog && (await holdsPath(main, logRef, run.entry.sessionLog)))
    run.notes.push(
      `The session log is saved with the work: ${commandLine(['git', 'show', `${logRef}:${run.entry.sessionLog}`])}`,
    );
}
