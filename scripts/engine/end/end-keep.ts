/**
 * keep: note in the session log that the merge is pending and commit that note on the
 * session branch, push only when a remote was asked for (a failed push only warns), remove
 * the worktree, keep the branch. Nothing is written into the main checkout.
 */
import { join } from 'node:path';
import { helper } from '../../lib/invocation.js';
import { readBoundedText, UnsafeFileError, writeConfinedFile } from '../../lib/safe-fs.js';
import { commandLine } from '../../lib/shell-words.js';
import { humanTimestamp } from '../../core/session-log.js';
import { hasMergePendingNote, mergePendingNote, pushFailureNext } from '../../core/end-plan.js';
import { commitPaths } from '../../git/save.js';
import { removeSessionWorktreeOf, savedRefBase, short, step, tryPush, type EndRun } from './end-run.js';

const MAX_LOG_BYTES = 4 * 1024 * 1024;

async function commitMergePendingNote(run: EndRun): Promise<void> {
  const log = run.entry.sessionLog;
  let original: string | null = null;
  try {
    original = log ? readBoundedText(join(run.worktreePath, log), MAX_LOG_BYTES) : null;
  } catch (error) {
    if (!(error instanceof UnsafeFileError)) throw error;
    run.warnings.push(
      `The session log ${log} cannot be read safely (${error.message}), so no "merge pending" note was added.`,
    );
    return;
  }
  if (!log || original === null) {
    run.warnings.push('The session log is missing from the worktree, so no "merge pending" note was added.');
    return;
  }
  if (hasMergePendingNote(original)) {
    step(run, 'note', `The session log ${log} already notes that the merge is pending`);
    return; // a keep that stopped later and is run again adds no second note
  }
  try {
    writeConfinedFile(
      run.worktreePath,
      log,
      original + mergePendingNote(run.entry.branch, run.facts.baseBranch, humanTimestamp(run.now)),
    );
  } catch (error) {
    if (!(error instanceof UnsafeFileError)) throw error;
    run.warnings.push(
      `The session log ${log} cannot be written safely (${error.message}), so no "merge pending" note was added.`,
    );
    return;
  }
  try {
    run.tip = await commitPaths(
      run.worktreePath,
      [log],
      `Session ${run.entry.id}: merge pending, branch kept for later`,
    );
  } catch (error) {
    writeConfinedFile(run.worktreePath, log, original); // leave the worktree exactly as it was
    throw error;
  }
  run.committedTo.push(`committed the merge-pending note as ${short(run.tip)}`);
  step(run, 'note', `Noted in ${log} that the merge is pending, committed on ${run.entry.branch} as ${short(run.tip)}`);
}

export async function endByKeep(run: EndRun): Promise<void> {
  const { branch } = run.entry;
  await commitMergePendingNote(run);
  run.guard.check();
  if (run.options.remoteGiven) {
    const failure = await tryPush(run, run.options.remote);
    if (failure) {
      run.warnings.push(
        `Pushing ${branch} to ${run.options.remote} failed (${failure.kind === 'rejected' ? 'rejected as non-fast-forward' : failure.kind}), so the branch is only local: ${failure.message}`,
      );
      run.next.push(pushFailureNext(failure.kind, run.options.remote, branch));
    }
  }
  await removeSessionWorktreeOf(run, 'clean', savedRefBase(run));
  step(run, 'keep-branch', `Kept the branch ${branch} for a later merge`);
  if (run.entry.sessionLog)
    run.notes.push(
      `The session log is on the branch: ${commandLine(['git', 'show', `${branch}:${run.entry.sessionLog}`])}`,
    );
  run.notes.push(`To pick the session up again later (worktree, goals, ports): ${helper(`restore ${run.entry.id}`)}`);
  run.next.push(
    `when the work is ready, open a PR from ${branch} or merge it into ${run.facts.baseBranch}: ${commandLine(['git', 'merge', '--no-ff', branch])}`,
  );
}
