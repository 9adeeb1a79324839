import { git } from '../lib/shell.js';

/** Checks out every submodule (recursively) at the commit the worktree's HEAD records. */
export async function initSubmodules(worktree: string): Promise<void> {
  await git(worktree, ['submodule', 'update', '--init', '--recursive']);
}
