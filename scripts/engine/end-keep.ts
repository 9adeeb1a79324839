/**
 * keep: note in the session log that the merge is pending and commit that note on the
 * session branch, push when there is a remote (a failed push only warns), copy the log to
 * the main checkout, remove the worktree, keep the branch.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { humanTimestamp } from '../core/session-log.js';
import { mergePendingNote } from '../core/end-plan.js';
import { commitPaths } from '../git/save.js';
import { copyLogToMain, removeCleanWorktree, short, step, tryPush, type EndRun } from './end-run.js';

async function commitMergePendingNote(run: EndRun): Promise<void> {
  const log = run.entry.sessionLog;
  const path = log ? join(run.worktreePath, log) : null;
  if (!log || !path || !existsSync(path)) {
    run.warnings.push('The session log is missing from the worktree, so no "merge pending" note was added.');
    return;
  }
  const original = readFileSync(path);
  writeFileSync(path, Buffer.concat([original, Buffer.from(mergePendingNote(run.entry.branch, run.facts.baseBranch, humanTimestamp(run.now)))]));
  try {
    run.tip = await commitPaths(run.worktreePath, [log], `Session ${run.entry.id}: merge pending, branch kept for later`);
  } catch (error) {
    writeFileSync(path, original); // leave the worktree exactly as it was
    throw error;
  }
  run.committedTo.push(`committed the merge-pending note as ${short(run.tip)}`);
  step(run, 'note', `Noted in ${log} that the merge is pending, committed on ${run.entry.branch} as ${short(run.tip)}`);
}

export async function endByKeep(run: EndRun): Promise<void> {
  const { branch } = run.entry;
  await commitMergePendingNote(run);
  run.guard.check();
  if (run.facts.remotes.includes(run.options.remote)) {
    const failure = await tryPush(run, run.options.remote);
    if (failure) {
      run.warnings.push(`Pushing ${branch} to ${run.options.remote} failed, so the branch is only local: ${failure}`);
      run.next.push(`push it when ${run.options.remote} is reachable: git push --set-upstream ${run.options.remote} ${branch}`);
    }
  } else {
    run.warnings.push(`There is no remote "${run.options.remote}", so ${branch} stays local only.`);
  }
  await copyLogToMain(run);
  await removeCleanWorktree(run);
  step(run, 'keep-branch', `Kept the branch ${branch} for a later merge`);
  run.next.push(`when the work is ready, open a PR from ${branch} or merge it into ${run.facts.baseBranch}: git merge --no-ff ${branch}`);
}
