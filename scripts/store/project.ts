/**
 * Finds the main checkout from anywhere inside the repository, including from inside a
 * session worktree, using git's own list of worktrees rather than folder names.
 */
import { basename, join } from 'node:path';
import { realpathSync } from 'node:fs';
import { RefusalError } from '../lib/errors.js';
import { locateRepository, rememberCommonDir } from '../git/repo.js';
import { commonDirOfUnreadableAddAt, listWorktrees, unreadableAddsRefusalIn } from '../git/worktrees.js';
import type { WorktreeRecord } from '../core/worktree-list.js';
import { loadConfig } from './config-file.js';
import type { Config } from '../core/config.js';
import { fromStoredPath, MANIFEST_FILE, sessionsDirFor } from '../core/paths.js';
import type { SessionEntry } from '../core/manifest-types.js';
import { fileDigest, realPathAllowMissing } from '../lib/safe-fs.js';

export interface Project {
  cwd: string;
  mainCheckout: string;
  /** The main checkout's folder name; the manifest's `project`. */
  name: string;
  /** Toplevel of the worktree holding cwd; null when cwd is inside .git. */
  currentWorktree: string | null;
  /** As git lists them; the first is the main checkout. */
  worktrees: WorktreeRecord[];
  config: Config;
  sessionsDir: string;
  manifestPath: string;
}

export async function findProject(cwdInput: string): Promise<Project> {
  let cwd: string;
  try {
    cwd = realpathSync(cwdInput);
  } catch {
    throw new RefusalError(
      'no-such-folder',
      `The folder ${cwdInput} does not exist.`,
      'Run the helper from inside your project.',
    );
  }
  const [location, worktrees] = await Promise.all([
    locateRepository(cwd),
    listWorktrees(cwd).catch((error: unknown) => error),
  ]);
  if (!location) {
    const commonDir = commonDirOfUnreadableAddAt(cwd);
    const unreadable = commonDir ? unreadableAddsRefusalIn(commonDir) : null;
    if (unreadable) throw unreadable;
    throw new RefusalError(
      'not-a-repository',
      `${cwd} is not inside a git repository.`,
      'Run the helper from inside your project, or run `git init` and make a first commit.',
    );
  }
  if (!Array.isArray(worktrees)) throw worktrees;
  const currentWorktree = location.toplevel;
  const main = worktrees[0];
  if (!main || main.bare) {
    throw new RefusalError(
      'bare-repository',
      'This repository has no main checkout (it is bare).',
      'Run the helper from a non-bare clone; parallel sessions branch from a main checkout.',
    );
  }
  const mainCheckout = main.path;
  rememberCommonDir(mainCheckout, location.commonDir);
  const config = loadConfig(mainCheckout);
  // Git records worktrees by their real paths, so a symlinked sessions folder is resolved once, here.
  const sessionsDir = realPathAllowMissing(sessionsDirFor(mainCheckout, config.sessionsDir));
  return {
    cwd,
    mainCheckout,
    name: basename(mainCheckout),
    currentWorktree,
    worktrees,
    config,
    sessionsDir,
    manifestPath: join(sessionsDir, MANIFEST_FILE),
  };
}

/** An entry's worktree as git names it: the stored path, resolved through symlinks (by `realPath`, for a caller resolving many). */
export function worktreePathOf(
  project: Pick<Project, 'mainCheckout'>,
  entry: Pick<SessionEntry, 'worktree'>,
  realPath: (path: string) => string = realPathAllowMissing,
): string {
  try {
    return realPath(fromStoredPath(project.mainCheckout, entry.worktree));
  } catch {
    return fromStoredPath(project.mainCheckout, entry.worktree);
  }
}

/**
 * The files in the entry's worktree that are the pack's own, not the session's work: what it
 * copied or wrote there (`packFiles`), and the session log stub while it is still exactly as
 * start wrote it (so a fresh session is not dirty, and an edited log is work like any other).
 */
export function ownFilesOf(
  entry: Pick<SessionEntry, 'packFiles' | 'sessionLog' | 'sessionLogDigest'>,
  worktree: string,
): string[] {
  const own = [...(entry.packFiles ?? [])];
  if (
    entry.sessionLog &&
    entry.sessionLogDigest &&
    fileDigest(join(worktree, entry.sessionLog)) === entry.sessionLogDigest
  )
    own.push(entry.sessionLog);
  return own;
}
