/**
 * Bringing a checkout's index and files from one commit to a later one after its branch ref
 * was moved by compare-and-swap: git's own two-tree merge, the one a fast-forward uses, which
 * writes only the files that differ and refuses rather than overwrite a change of the user's.
 */
import { git } from '../lib/shell.js';

/**
 * `git read-tree -m -u <from> <to>` in `checkout`, whose index and files are at `from`.
 * Returns false (and changes nothing) when git refuses, e.g. a local change in the way.
 */
export async function fastForwardCheckout(
  checkout: string,
  from: string,
  to: string,
): Promise<{ ok: true } | { ok: false; why: string }> {
  const result = await git(checkout, ['read-tree', '-m', '-u', from, to], { okExitCodes: [0, 1, 128] });
  if (result.exitCode === 0) return { ok: true };
  return { ok: false, why: (result.stderr.trim() || result.stdout.trim()).split('\n').slice(0, 3).join(' ') };
}

/** True when the index of `checkout` holds exactly the tree of `commit` (no unmerged entries, nothing staged). */
export async function indexMatches(checkout: string, commit: string): Promise<boolean> {
  const result = await git(checkout, ['diff-index', '--cached', '--quiet', commit, '--'], { okExitCodes: [0, 1, 128] });
  return result.exitCode === 0;
}
