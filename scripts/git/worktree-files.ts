/**
 * Where a folder sits in its repository, and the repository's worktrees, read from git's own files as
 * `git rev-parse` and `git worktree list` read them, without starting git: every subcommand asks both
 * first, and the two processes cost it about 20 ms before anything else can start.
 *
 * Each reader gives null wherever its answer could differ from git's, and the caller asks git: a layout
 * the repo-files readers do not know (repo-files.ts), a folder inside a git dir, one owned by another
 * user (git's safe.directory check) or across a filesystem boundary, and any worktree record not whole
 * and plain: a missing or odd gitdir, commondir or HEAD file, as a concurrent add or remove leaves for a
 * moment (git's own list then fails or skips it, and listWorktrees handles that). Nothing here writes.
 */
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { isWithin } from '../core/paths.js';
import type { WorktreeRecord } from '../core/worktree-list.js';
import {
  readHead,
  readRepoFiles,
  readText,
  realOrNull,
  worktreeFromFiles,
  worktreeGitDir,
  type RepoFiles,
} from './repo-files.js';

export interface LocatedRepository {
  commonDir: string;
  toplevel: string;
  repo: RepoFiles;
}

/** The worktree holding the real folder `cwd` and its repository; null where git should be asked. */
export function locateFromFiles(cwd: string, env: NodeJS.ProcessEnv): LocatedRepository | null {
  const files = worktreeFromFiles(cwd);
  if (!files) return null;
  const repo = readRepoFiles(files.commonDir, env);
  if (!repo) return null;
  const gitDir = worktreeGitDir(files.toplevel, repo);
  if (!gitDir) return null;
  // The two layouts `git worktree add` makes: the main checkout's `.git` folder, or a `.git` file into worktrees/.
  const plain =
    gitDir === repo.commonDir
      ? files.toplevel === repo.mainCheckout
      : dirname(gitDir) === join(repo.commonDir, 'worktrees');
  if (!plain) return null;
  const realGitDir = realOrNull(gitDir);
  if (!realGitDir || isWithin(realGitDir, cwd) || isWithin(repo.commonDir, cwd)) return null;
  if (!ownedByUs(files.toplevel) || !ownedByUs(repo.commonDir) || crossesFilesystem(cwd, files.toplevel)) return null;
  return { commonDir: repo.commonDir, toplevel: files.toplevel, repo };
}

/** `git worktree list --porcelain` as parsed, for the repository holding `cwd`; null where git should be asked. */
export function worktreeListFromFiles(cwd: string, env: NodeJS.ProcessEnv): WorktreeRecord[] | null {
  let real: string;
  try {
    real = realpathSync.native(cwd);
  } catch {
    return null;
  }
  const located = locateFromFiles(real, env);
  return located ? worktreesOf(located.repo) : null;
}

const NULL_OID = '0'.repeat(40);
// git's isspace: what its strbuf_trim takes off.
const trimGit = (text: string) => text.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '');

export function worktreesOf(repo: RepoFiles): WorktreeRecord[] | null {
  const mainGitDir = worktreeGitDir(repo.mainCheckout, repo);
  const mainHead = mainGitDir === repo.commonDir ? readHead(repo.commonDir, repo) : undefined;
  if (!mainHead) return null;
  const main = record(repo.mainCheckout, mainHead);
  const adminRoot = join(repo.commonDir, 'worktrees');
  let ids: string[];
  try {
    ids = readdirSync(adminRoot);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return null;
    ids = [];
  }
  const linked: WorktreeRecord[] = [];
  for (const id of ids) {
    const adminDir = join(adminRoot, id);
    const pointer = readText(join(adminDir, 'gitdir'));
    const commonDir = readText(join(adminDir, 'commondir'));
    if (pointer === null || commonDir === null || trimGit(commonDir) === '') return null;
    if (realOrNull(resolve(adminDir, trimGit(commonDir))) !== repo.commonDir) return null;
    const gitFile = pointer.replace(/[\r\n]+$/, '');
    // git writes the absolute path of the worktree's `.git`; relative paths (worktree.useRelativePaths) are git's to read.
    if (gitFile !== pointer.trimEnd() || !gitFile.startsWith('/') || !gitFile.endsWith('/.git')) return null;
    const head = readHead(adminDir, repo);
    if (!head) return null;
    const entry = record(gitFile.slice(0, -'/.git'.length), head);
    const lock = readText(join(adminDir, 'locked'));
    if (lock !== null) {
      entry.locked = true;
      entry.lockedReason = trimGit(lock) || null;
    } else if (!existsSync(gitFile)) {
      entry.prunable = true;
      entry.prunableReason = 'gitdir file points to non-existent location';
    }
    linked.push(entry);
  }
  // As `git worktree list` orders them: the main checkout first, then by path, as bytes (or ignoring ASCII case).
  const key = (path: string) => Buffer.from(repo.ignoreCase ? path.replace(/[A-Z]+/g, (s) => s.toLowerCase()) : path);
  let tie = false;
  linked.sort((a, b) => Buffer.compare(key(a.path), key(b.path)) || ((tie = true), 0));
  // Paths equal but for case: git's sort leaves their order to chance, so its own list is the answer.
  return tie ? null : [main, ...linked];
}

function record(path: string, head: { branch: string | null; commit: string | null }): WorktreeRecord {
  return {
    path,
    head: head.commit ?? NULL_OID,
    branch: head.branch,
    bare: false,
    detached: head.branch === null,
    locked: false,
    lockedReason: null,
    prunable: false,
    prunableReason: null,
  };
}

function ownedByUs(path: string): boolean {
  if (typeof process.getuid !== 'function') return false;
  try {
    return lstatSync(path).uid === process.getuid();
  } catch {
    return false;
  }
}

/** git stops looking for `.git` at a filesystem boundary: any folder from cwd up to the toplevel on another device. */
function crossesFilesystem(cwd: string, toplevel: string): boolean {
  try {
    const device = statSync(toplevel).dev;
    for (let folder = cwd; folder !== toplevel; folder = dirname(folder)) {
      if (statSync(folder).dev !== device) return true;
      if (dirname(folder) === folder || !folder.includes(sep)) return true;
    }
    return false;
  } catch {
    return true;
  }
}
