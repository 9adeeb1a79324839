/**
 * Files as their bytes on disk, not as git's clean side makes them: the regular-file entries an index holds for
 * some paths, and the ids of the files' bytes (`hash-object`, raw or as staged). For saving work byte for byte
 * (git/save.ts) and checking it came back so (git/restore-work.ts).
 */
import { git } from '../lib/shell.js';

export interface FileEntry {
  mode: '100644' | '100755';
  oid: string;
  path: string;
}

/** The stage-0 regular-file entries of `paths` in the index `env` names (symlinks and submodules left out). */
export async function regularFileEntries(
  worktree: string,
  paths: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<FileEntry[]> {
  if (paths.length === 0) return [];
  const { stdout } = await git(worktree, ['--literal-pathspecs', 'ls-files', '-s', '-z', '--', ...paths], { env });
  return stdout
    .split('\0')
    .map((record) => /^(100644|100755) ([0-9a-f]+) 0\t(.+)$/s.exec(record))
    .filter((match): match is RegExpExecArray => match !== null)
    .map(([, mode, oid, path]) => ({ mode: mode as FileEntry['mode'], oid: oid!, path: path! }));
}

/**
 * The id of each file's content, in order: the bytes on disk as they are, or with `asStaged` as `git add` would
 * store them (clean filters and end-of-line rules applied). With `write` they are stored as objects, and a file git
 * cannot read fails the call (GitError); without, that answers null.
 */
export async function fileOids(
  worktree: string,
  paths: readonly string[],
  options: { env?: NodeJS.ProcessEnv; write?: boolean; asStaged?: boolean } = {},
): Promise<string[] | null> {
  if (paths.length === 0) return [];
  const args = ['hash-object', ...(options.write ? ['-w'] : []), ...(options.asStaged ? [] : ['--no-filters'])];
  const hashed = await git(worktree, [...args, '--', ...paths], {
    env: options.env ?? {},
    okExitCodes: options.write ? [0] : [0, 128],
  });
  return hashed.exitCode === 0 ? hashed.stdout.split('\n').slice(0, paths.length) : null;
}
