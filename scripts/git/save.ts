/**
 * Writing commits and refs that save work: a create-only ref, a snapshot commit of a whole
 * worktree made through a private index (the worktree's own index is never written), and a
 * bookkeeping commit of named paths.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from '../lib/shell.js';
import { fileOids, regularFileEntries } from './raw-files.js';

/** Creates `ref` at `commit` only if it does not exist yet; false when it already does. */
export async function createRefIfAbsent(cwd: string, ref: string, commit: string, reason: string): Promise<boolean> {
  const result = await git(cwd, ['update-ref', '-m', reason, ref, commit, ''], { okExitCodes: [0, 128] });
  return result.exitCode === 0;
}

async function commitTree(
  cwd: string,
  tree: string,
  parents: string[],
  message: string,
  env?: NodeJS.ProcessEnv,
): Promise<string> {
  const { stdout } = await git(
    cwd,
    ['commit-tree', tree, ...parents.flatMap((parent) => ['-p', parent]), '-m', message],
    env ? { env } : {},
  );
  return stdout.trim();
}

/**
 * A commit of everything in the worktree, tracked changes and untracked files alike (ignored
 * files and `exclude` left out), shaped like a stash: parents HEAD and a commit of the staged
 * state, so `git stash apply <commit>` restores it. Works on a copy of the index. `reveal` names
 * files marked assume-unchanged or skip-worktree that changed (git/changes.ts, hiddenChanges):
 * their marks are cleared in that copy, so that `git add` takes them in.
 */
export async function snapshotWorktree(
  worktree: string,
  exclude: string[],
  message: string,
  baseEnv: NodeJS.ProcessEnv = {},
  reveal: string[] = [],
): Promise<string> {
  const [{ stdout: indexPath }, head] = await Promise.all([
    git(worktree, ['rev-parse', '--path-format=absolute', '--git-path', 'index'], { env: baseEnv }),
    git(worktree, ['rev-parse', '--verify', '--quiet', 'HEAD'], { okExitCodes: [0, 1, 128], env: baseEnv }),
  ]);
  // A repository with no commit yet has no HEAD: its snapshot is a root commit.
  const parents = head.exitCode === 0 ? [head.stdout.trim()] : [];
  const folder = mkdtempSync(join(tmpdir(), 'flight-rules-index-'));
  const env = { ...baseEnv, GIT_INDEX_FILE: join(folder, 'index') };
  try {
    if (existsSync(indexPath.trim())) copyFileSync(indexPath.trim(), env.GIT_INDEX_FILE);
    const staged = await git(worktree, ['write-tree'], { env });
    const stagedCommit = await commitTree(worktree, staged.stdout.trim(), parents, `index on ${message}`, env);
    // One mark per call: update-index applies only the first of --no-assume-unchanged and --no-skip-worktree to a path.
    for (const unmark of ['--no-assume-unchanged', '--no-skip-worktree'])
      for (let at = 0; at < reveal.length; at += 500)
        await git(worktree, ['update-index', unmark, '--', ...reveal.slice(at, at + 500)], { env });
    await git(worktree, ['add', '--all', '--sparse'], { env });
    if (exclude.length > 0)
      await git(
        worktree,
        ['--literal-pathspecs', 'rm', '-r', '--cached', '--force', '--quiet', '--ignore-unmatch', '--', ...exclude],
        { env },
      );
    const changed = await git(
      worktree,
      parents.length > 0
        ? ['diff', '--cached', '--name-only', '-z', '--no-renames', '--diff-filter=AMT', parents[0]!]
        : ['ls-files', '-z'],
      { env },
    );
    await storeAsOnDisk(worktree, env, changed.stdout.split('\0').filter(Boolean));
    const tree = await git(worktree, ['write-tree'], { env });
    return await commitTree(worktree, tree.stdout.trim(), [...parents, stagedCommit], message, env);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Puts each regular file among `paths` into the private index (`env`) with the bytes it has on disk: `git add`
 * stores a file as its clean filter and end-of-line rules make it (CRLF made LF, a notebook's outputs stripped), and
 * what is saved to be given back must come back byte for byte. Symlinks and submodules are as `git add` left them.
 */
async function storeAsOnDisk(worktree: string, env: NodeJS.ProcessEnv, paths: readonly string[]): Promise<void> {
  for (let at = 0; at < paths.length; at += 500) {
    const files = await regularFileEntries(worktree, paths.slice(at, at + 500), env);
    const oids = await fileOids(
      worktree,
      files.map((file) => file.path),
      { env, write: true },
    );
    const updates = files.flatMap((file, i) =>
      oids && oids[i] !== file.oid ? ['--cacheinfo', `${file.mode},${oids[i]},${file.path}`] : [],
    );
    if (updates.length > 0) await git(worktree, ['update-index', ...updates], { env });
  }
}

/**
 * A root commit holding exactly `paths` from the worktree, ignored or not, made through a
 * private index: for ignored files (an edited .env) that no branch may hold.
 */
export async function commitFiles(worktree: string, paths: string[], message: string): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), 'flight-rules-index-'));
  const env = { GIT_INDEX_FILE: join(folder, 'index') };
  try {
    await git(worktree, ['--literal-pathspecs', 'add', '--force', '--sparse', '--', ...paths], { env });
    await storeAsOnDisk(worktree, env, paths);
    const tree = await git(worktree, ['write-tree'], { env });
    return await commitTree(worktree, tree.stdout.trim(), [], message, env);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Commits exactly `paths` (which may be new) on the worktree's branch. Returns the new HEAD. */
export async function commitPaths(worktree: string, paths: string[], message: string): Promise<string> {
  await git(worktree, ['--literal-pathspecs', 'add', '--sparse', '--', ...paths]);
  await git(worktree, ['--literal-pathspecs', 'commit', '--quiet', '-m', message, '--only', '--', ...paths]);
  const { stdout } = await git(worktree, ['rev-parse', '--verify', 'HEAD']);
  return stdout.trim();
}
