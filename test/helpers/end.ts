/** Fixtures for `session end` tests: sessions with committed work, a bare origin, and PATHs with and without gh. */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ROOT, type Repo } from './gitdir.js';

export const GH_STAND_IN_DIR = join(ROOT, 'test/helpers/bin');

/** PATH with no `gh` on it: a folder that holds one is replaced by links to everything else in it. */
export function pathWithoutGh(repo: Repo): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir, index) => {
      if (dir === GH_STAND_IN_DIR) return null;
      if (!existsSync(join(dir, 'gh'))) return dir;
      const copy = join(repo.root, `path-without-gh-${index}`);
      mkdirSync(copy, { recursive: true });
      for (const name of readdirSync(dir)) if (name !== 'gh') symlinkSync(join(dir, name), join(copy, name));
      return copy;
    })
    .filter((dir): dir is string => dir !== null)
    .join(delimiter);
}

export function ghPresentEnv(repo: Repo, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: `${GH_STAND_IN_DIR}${delimiter}${pathWithoutGh(repo)}`, GH_RECORD: ghRecordPath(repo), ...extra };
}

export function ghAbsentEnv(repo: Repo): NodeJS.ProcessEnv {
  return { PATH: pathWithoutGh(repo), GH_RECORD: ghRecordPath(repo) };
}

export const ghRecordPath = (repo: Repo) => join(repo.root, 'gh-calls.jsonl');

export function ghCalls(repo: Repo): Array<{ argv: string[]; cwd: string; body: string | null }> {
  const path = ghRecordPath(repo);
  return existsSync(path)
    ? readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
    : [];
}

/** A bare repository beside the project, added as `origin`, with main pushed. Returns its path. */
export function addOrigin(repo: Repo, fetchUrl?: string): string {
  const bare = join(repo.root, 'origin.git');
  repo.git(['init', '-q', '--bare', '-b', 'main', bare]);
  repo.git(['remote', 'add', 'origin', fetchUrl ?? bare]);
  if (fetchUrl) repo.git(['remote', 'set-url', '--push', 'origin', bare]);
  repo.git(['push', '-q', bare, 'main']);
  return bare;
}

/** Starts a session and commits `files` in it (and the session log) as the session's work. Returns the worktree. */
export function sessionWithWork(
  repo: Repo,
  name: string,
  files: Record<string, string> = { [`${name}.txt`]: `${name}\n` },
  goals: string[] = [`Goal of ${name}`],
): string {
  const started = repo.helper(['start', name, ...goals.flatMap((goal) => ['--goal', goal])]);
  if (started.exitCode !== 0) throw new Error(started.stderr);
  const worktree = join(repo.sessions, name);
  for (const [path, content] of Object.entries(files)) repo.write(path, content, worktree);
  repo.commitAll(`Work of ${name}`, worktree);
  return worktree;
}

export function history(repo: Repo): any[] {
  const path = join(repo.sessions, '.history.jsonl');
  return existsSync(path)
    ? readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
    : [];
}

export function sessionLogOf(repo: Repo, name: string): string {
  return repo.manifest().sessions.find((s: any) => s.id === name).sessionLog;
}
