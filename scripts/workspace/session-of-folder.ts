/**
 * The session whose worktree holds a folder, found from git's own files and the project
 * config alone: no git process and no manifest read. The hooks use it, so that finding
 * their session costs little more than node's start-up and never waits on a lock.
 */
import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { realPathAllowMissing } from '../lib/safe-fs.js';
import { sessionNameProblem } from '../core/names.js';
import { isDirectlyInside, sessionsDirFor } from '../core/paths.js';
import { mainCheckoutFromFiles, worktreeFromFiles } from '../git/repo-files.js';
import { loadConfig } from '../store/config-file.js';

export interface FolderSession {
  id: string;
  sessionsDir: string;
  mainCheckout: string;
  /** The worktree's top folder, real path. */
  worktree: string;
}

/** The session whose worktree (directly inside the sessions folder) holds `folder`; null anywhere else. */
export function sessionOfFolder(folder: string): FolderSession | null {
  const files = worktreeFromFiles(realpathSync(folder));
  if (!files) return null;
  const mainCheckout = mainCheckoutFromFiles(files.commonDir);
  if (!mainCheckout || files.toplevel === mainCheckout) return null;
  const sessionsDir = realPathAllowMissing(sessionsDirFor(mainCheckout, loadConfig(mainCheckout).sessionsDir));
  if (!isDirectlyInside(sessionsDir, files.toplevel)) return null;
  const id = basename(files.toplevel);
  return sessionNameProblem(id) === null ? { id, sessionsDir, mainCheckout, worktree: files.toplevel } : null;
}
