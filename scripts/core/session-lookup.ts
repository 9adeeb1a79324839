import { basename, dirname } from 'node:path';
import type { Manifest, SessionEntry } from './manifest-types.js';
import { fromStoredPath, isWithin } from './paths.js';

/** The registered session whose worktree holds `path`. */
export function sessionAtPath(mainCheckout: string, manifest: Manifest, path: string): SessionEntry | null {
  return manifest.sessions.find((session) => isWithin(fromStoredPath(mainCheckout, session.worktree), path)) ?? null;
}

/**
 * The session id for a worktree, registered or not: a worktree directly inside the
 * sessions folder is a session worktree even when the manifest has lost it.
 */
export function sessionIdForWorktree(mainCheckout: string, sessionsDir: string, manifest: Manifest, worktree: string | null): string | null {
  if (!worktree || worktree === mainCheckout) return null;
  const registered = sessionAtPath(mainCheckout, manifest, worktree);
  if (registered) return registered.id;
  return dirname(worktree) === sessionsDir ? basename(worktree) : null;
}
