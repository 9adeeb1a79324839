/**
 * Bringing a base branch into a session branch inside its worktree: rebase or merge, and
 * backing out of either cleanly when it stops on conflicts.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { git, lines } from '../lib/shell.js';

export interface IntegrationResult {
  ok: boolean;
  /** git's own words when it stopped. */
  output: string;
}

/** Replays the session's commits onto `onto`. Stops (ok false) on conflicts, leaving the rebase in progress. */
export async function rebaseOnto(worktree: string, onto: string): Promise<IntegrationResult> {
  const result = await git(worktree, ['-c', 'rebase.autoStash=false', '-c', 'rebase.updateRefs=false', 'rebase', '--no-autosquash', '--quiet', onto], { okExitCodes: [0, 1, 128] });
  return { ok: result.exitCode === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

/** Merges `commit` into the checked-out branch with `message`. Stops (ok false) on conflicts. */
export async function mergeCommit(worktree: string, commit: string, message: string): Promise<IntegrationResult> {
  const result = await git(worktree, ['merge', '--no-edit', '--message', message, commit], { okExitCodes: [0, 1, 128] });
  return { ok: result.exitCode === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

/** Paths git left unmerged in the index. */
export async function unmergedPaths(worktree: string): Promise<string[]> {
  const { stdout } = await git(worktree, ['diff', '--name-only', '--diff-filter=U', '-z']);
  return [...new Set(stdout.split('\0').filter(Boolean))];
}

/** True while a rebase is stopped in `worktree`. */
export async function rebaseInProgress(worktree: string): Promise<boolean> {
  const [merge, apply] = await Promise.all(['rebase-merge', 'rebase-apply'].map(async (name) => {
    const { stdout } = await git(worktree, ['rev-parse', '--git-path', name]);
    return lines(stdout)[0]!;
  }));
  return existsSync(resolve(worktree, merge!)) || existsSync(resolve(worktree, apply!));
}

export async function abortRebase(worktree: string): Promise<void> {
  await git(worktree, ['rebase', '--abort']);
}

export async function abortMerge(worktree: string): Promise<void> {
  await git(worktree, ['merge', '--abort']);
}

/** True while a merge is stopped in `worktree`. */
export async function mergeInProgress(worktree: string): Promise<boolean> {
  const result = await git(worktree, ['rev-parse', '--quiet', '--verify', 'MERGE_HEAD'], { okExitCodes: [0, 1, 128] });
  return result.exitCode === 0;
}
