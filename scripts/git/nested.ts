/**
 * Repositories inside a worktree: submodules, and folders that are git repositories of their
 * own. Their commits and files live in their own .git, which goes when the worktree goes, so
 * they are found and, when they hold anything of their own, saved into the main repository.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { git, lines } from '../lib/shell.js';
import type { NestedRepository } from '../core/inventory.js';
import { gitDirOf } from './checkout-state.js';

/** Paths of the submodules the worktree's index records (mode 160000); none without a .gitmodules. */
export async function submodulePaths(worktree: string): Promise<string[]> {
  if (!existsSync(join(worktree, '.gitmodules'))) return [];
  const { stdout } = await git(worktree, ['--no-optional-locks', 'ls-files', '-z', '--stage']);
  return stdout
    .split('\0')
    .filter((line) => line.startsWith('160000 '))
    .map((line) => line.slice(line.indexOf('\t') + 1));
}

/**
 * The environment for git commands inside a nested repository: a submodule's git dir names
 * its working tree by a relative core.worktree, which a worktree moved aside no longer
 * matches, so both the git dir and the folder it is in now are named explicitly.
 */
export function nestedEnv(folder: string): NodeJS.ProcessEnv {
  const gitDir = gitDirOf(folder);
  return gitDir ? { GIT_DIR: gitDir, GIT_WORK_TREE: folder } : {};
}

async function describeNested(
  worktree: string,
  path: string,
  kind: NestedRepository['kind'],
  ignored: boolean,
): Promise<NestedRepository | null> {
  const folder = join(worktree, path);
  if (!gitDirOf(folder)) return null; // an uninitialised submodule, or a folder that is not a repository
  const [counted, status] = await Promise.all([
    git(folder, ['rev-list', '--count', 'HEAD', '--branches', '--not', '--remotes'], {
      okExitCodes: [0, 128],
      env: nestedEnv(folder),
    }),
    git(
      folder,
      ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=normal', '--ignore-submodules=none'],
      { okExitCodes: [0, 128], env: nestedEnv(folder) },
    ),
  ]);
  const localCommits = counted.exitCode === 0 ? Number(counted.stdout.trim()) || 0 : 0;
  return { path, kind, localCommits, dirty: status.exitCode !== 0 || status.stdout.length > 0, ignored };
}

/** The nested repositories among `candidates` (untracked or ignored folders) and every initialised submodule. */
export async function findNestedRepositories(
  worktree: string,
  candidates: ReadonlyArray<{ path: string; ignored: boolean }>,
): Promise<NestedRepository[]> {
  const submodules = await submodulePaths(worktree);
  const found = await Promise.all([
    ...submodules.map((path) => describeNested(worktree, path, 'submodule', false)),
    ...candidates
      .filter((folder) => !submodules.includes(folder.path) && existsSync(join(worktree, folder.path, '.git')))
      .map((folder) => describeNested(worktree, folder.path, 'repository', folder.ignored)),
  ]);
  return found.filter((repo): repo is NestedRepository => repo !== null);
}

/**
 * Copies a nested repository's HEAD, its branches and a snapshot of its uncommitted work into
 * the repository at `intoGitDir`, under `refPrefix` (HEAD, heads/*, worktree). A push from the
 * nested repository can send any commit it has, a branch or not. Returns the refs written.
 */
export async function saveNestedRepository(
  folder: string,
  intoGitDir: string,
  refPrefix: string,
  snapshot: string | null,
): Promise<string[]> {
  const env = nestedEnv(folder);
  const head = await git(folder, ['rev-parse', '--verify', '--quiet', 'HEAD'], { okExitCodes: [0, 1, 128], env });
  const branches = lines((await git(folder, ['for-each-ref', '--format=%(refname)', 'refs/heads/'], { env })).stdout);
  const specs = [
    ...(head.exitCode === 0 ? [`+${head.stdout.trim()}:${refPrefix}/HEAD`] : []),
    ...branches.map((ref) => `+${ref}:${refPrefix}/heads/${ref.slice('refs/heads/'.length)}`),
    ...(snapshot ? [`+${snapshot}:${refPrefix}/worktree`] : []),
  ];
  if (specs.length === 0) return [];
  await git(folder, ['push', '--quiet', '--no-verify', intoGitDir, ...specs], { env });
  return specs.map((spec) => spec.slice(spec.indexOf(':') + 1));
}
