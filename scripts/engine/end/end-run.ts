/**
 * The state one `session end` carries through its steps, the manifest transitions around it
 * (active -> ending -> gone, or back to active), and the steps every strategy shares.
 */
import { shortSha } from '../../core/format.js';
import { GitError } from '../../lib/errors.js';
import type { SignalGuard } from '../../lib/interrupt.js';
import type { SessionEntry } from '../../core/manifest-types.js';
import {
  classifyPushFailure,
  refTimestamp,
  type EndFacts,
  type EndOptions,
  type PushFailure,
  type StepLine,
} from '../../core/end-plan.js';
import type { Project } from '../../store/project.js';
import { pushBranch } from '../../git/remote.js';
import {
  removeSessionWorktree,
  removeWithStock,
  type RemovalSpec,
  type RemovalStock,
  type SavedItem,
} from '../worktree-removal.js';

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
  pr: {
    created: boolean;
    url: string | null;
    manualStep: string | null;
    title: string;
    body: string;
    bodyFile: string | null;
    existing?: number;
  } | null;
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

/**
 * Removes the worktree the one safe way (engine/worktree-removal.ts): moved aside, its stock
 * taken and saved, looked at again, then removed. `clean` refuses uncommitted work; `abandon`
 * saves it. What was saved is reported with how to get it back. `stock`: the worktree was moved
 * aside and its stock taken already (a merge does that while it merges).
 */
export async function removeSessionWorktreeOf(
  run: EndRun,
  mode: 'clean' | 'abandon',
  refBase: string,
  stock?: RemovalStock,
): Promise<void> {
  const result = stock ? await removeWithStock(stock) : await removeSessionWorktree(removalSpecOf(run, mode, refBase));
  run.leftForCaller = result.leftForCaller;
  run.worktreeRemoved = true;
  run.savedItems.push(...result.saved);
  for (const item of result.saved) {
    if (item.what === 'changes')
      step(run, 'save-worktree', `Saved ${item.paths.length} uncommitted or untracked change(s) as ${item.ref}`);
    if (item.what === 'ignored')
      step(
        run,
        'save-ignored',
        `Saved ${item.paths.length} ignored or pack file(s) the session changed or made (${item.paths.slice(0, 3).join(', ')}${item.paths.length > 3 ? ', ...' : ''}) as ${item.ref}`,
      );
    if (item.what === 'nested')
      step(
        run,
        'save-nested',
        `Saved the repository ${item.paths[0]} (its HEAD, branches and uncommitted work) under ${item.ref}/`,
      );
    run.notes.push(
      `To restore ${item.what === 'nested' ? item.paths[0] : item.what === 'ignored' ? 'the ignored files' : 'the uncommitted work'}: ${item.restore}`,
    );
  }
  step(
    run,
    'remove-worktree',
    `Removed the worktree ${run.worktreePath}${mode === 'abandon' ? ' (forced; its work is saved above)' : ''}`,
  );
  if (result.droppedNote) run.notes.push(result.droppedNote);
  if (result.recreated)
    run.warnings.push(
      `Something wrote into ${run.worktreePath} while the session ended, so that folder exists again with those files; look inside before deleting it.`,
    );
}

/** What the one removal (engine/worktree-removal.ts) is told about this end's worktree. */
export function removalSpecOf(run: EndRun, mode: 'clean' | 'abandon', refBase: string): RemovalSpec {
  return {
    project: run.project,
    entry: run.entry,
    worktree: run.worktreePath,
    mode,
    refBase,
    reason: `end session ${run.entry.id} (${run.options.strategy})`,
    callerFolder: run.callerFolder,
  };
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
    step(
      run,
      'push',
      target === run.entry.branch
        ? `Pushed ${run.entry.branch} to ${remote} (upstream set)`
        : `Pushed ${run.entry.branch} to ${remote}/${target}, the branch of pull request #${run.entry.pr!.number}`,
    );
    return null;
  } catch (error) {
    const stderr = error instanceof GitError ? error.stderr : '';
    const message =
      error instanceof GitError ? (stderr.trim() || error.message).split('\n').slice(0, 3).join(' ') : String(error);
    run.push = { remote, pushed: false, error: message };
    return { message, kind: classifyPushFailure(stderr) };
  }
}
