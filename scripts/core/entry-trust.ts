/**
 * A manifest entry is read back from disk, where a hand edit or a broken tool can have put
 * anything, so nothing acts on it before it agrees with git and the layout. Pure: the real
 * paths and git's worktree records are gathered by the caller.
 */
import { basename, dirname, isAbsolute } from 'node:path';
import type { SessionEntry } from './manifest-types.js';
import { sessionNameProblem } from './names.js';

export interface TrustFacts {
  /** The sessions folder, resolved through symlinks. */
  sessionsDir: string;
  /** The entry's worktree path resolved through symlinks (its nearest existing ancestor when missing). */
  worktreeReal: string;
  branchPrefix: string;
  /** Each worktree git lists, by real path, with the branch it holds. */
  worktrees: ReadonlyArray<{ path: string; branch: string | null }>;
  mainCheckout: string;
}

/** A relative path that stays inside the folder it is relative to. */
export function staysInside(path: string): boolean {
  if (path.length === 0 || isAbsolute(path) || path.startsWith('~') || path.includes('\0')) return false;
  const parts = path.split(/[\\/]+/);
  return !parts.includes('..') && parts[0] !== '.git';
}

/** Every reason the entry cannot be trusted; empty when it agrees with git and the layout. */
export function entryTrustProblems(entry: SessionEntry, facts: TrustFacts): string[] {
  const problems: string[] = [];
  const idProblem = sessionNameProblem(entry.id);
  if (idProblem) problems.push(`its id ${JSON.stringify(entry.id)} is not a session name (${idProblem})`);
  if (dirname(facts.worktreeReal) !== facts.sessionsDir)
    problems.push(`its worktree ${facts.worktreeReal} is not directly inside the sessions folder ${facts.sessionsDir}`);
  else if (basename(facts.worktreeReal) !== entry.id)
    problems.push(`its worktree folder ${basename(facts.worktreeReal)} is not named after its id "${entry.id}"`);
  if (facts.worktreeReal === facts.mainCheckout) problems.push('its worktree is the main checkout');
  if (!entry.branch.startsWith(facts.branchPrefix) || entry.branch.length === facts.branchPrefix.length) {
    problems.push(`its branch ${entry.branch} does not start with the session prefix ${facts.branchPrefix}`);
  }
  if (entry.branch === entry.base.branch) problems.push(`its branch ${entry.branch} is its own base`);
  const record = facts.worktrees.find((worktree) => worktree.path === facts.worktreeReal);
  if (record && record.path === facts.worktrees[0]?.path) problems.push('git lists its worktree as the main checkout');
  if (entry.sessionLog !== null && !staysInside(entry.sessionLog))
    problems.push(`its session log ${JSON.stringify(entry.sessionLog)} leaves the worktree`);
  for (const list of [entry.packFiles ?? [], entry.copiedFiles ?? []]) {
    const bad = list.find((path) => !staysInside(path));
    if (bad !== undefined) problems.push(`it lists a file ${JSON.stringify(bad)} outside the worktree`);
  }
  return problems;
}
