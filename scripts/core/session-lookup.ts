import { basename } from 'node:path';
import type { Manifest, SessionEntry } from './manifest-types.js';
import { isDirectlyInside, isWithin } from './paths.js';

/** Where an entry's worktree is, as git names it (the caller resolves symlinks). */
export type WorktreeOf = (entry: SessionEntry) => string;

/** The registered session whose worktree holds `path`. */
export function sessionAtPath(worktreeOf: WorktreeOf, manifest: Manifest, path: string): SessionEntry | null {
  return manifest.sessions.find((session) => isWithin(worktreeOf(session), path)) ?? null;
}

/**
 * The session id for a worktree, registered or not: a worktree directly inside the
 * sessions folder is a session worktree even when the manifest has lost it.
 */
export function sessionIdForWorktree(
  mainCheckout: string,
  sessionsDir: string,
  manifest: Manifest,
  worktree: string | null,
  worktreeOf: WorktreeOf,
): string | null {
  if (!worktree || worktree === mainCheckout) return null;
  const registered = sessionAtPath(worktreeOf, manifest, worktree);
  if (registered) return registered.id;
  return isDirectlyInside(sessionsDir, worktree) ? basename(worktree) : null;
}
