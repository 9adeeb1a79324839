/**
 * Shared pieces of the safety regression tests (test/safety/): git calls that may fail,
 * paths inside a checkout's git dir, a settled index before a "nothing changed" snapshot,
 * and the refusal every one of those tests checks.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { expect } from 'vitest';
import type { HelperResult, Repo } from './gitdir.js';

/** A git call whose failure is part of the setup (a merge that stops on a conflict). */
export function tryGit(
  repo: Repo,
  args: string[],
  cwd = repo.main,
  env: NodeJS.ProcessEnv = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('git', args, {
    cwd,
    env: { ...repo.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Absolute path of `name` in the git dir of the checkout at `cwd` (MERGE_HEAD, index.lock, rebase-merge). */
export function gitPath(repo: Repo, name: string, cwd = repo.main): string {
  const path = repo.git(['rev-parse', '--path-format=absolute', '--git-path', name], cwd).trim();
  return isAbsolute(path) ? path : join(cwd, path);
}

/** A file's text, `<folder>` for a folder (rebase-merge), null when absent. */
export function readIfExists(path: string): string | null {
  if (!existsSync(path)) return null;
  return statSync(path).isDirectory() ? '<folder>' : readFileSync(path, 'utf8');
}

/**
 * Lets git rewrite racily clean indexes now, so a later read-only `git status` by the helper
 * cannot change an index file's bytes and spoil a "nothing changed" snapshot.
 */
export function settle(repo: Repo, ...checkouts: string[]): void {
  for (const cwd of [repo.main, ...checkouts]) {
    for (let i = 0; i < 2; i++) tryGit(repo, ['status', '--porcelain'], cwd);
  }
  const until = Date.now() + 20;
  while (Date.now() < until) {
    /* let the clock pass the index's mtime */
  }
  for (const cwd of [repo.main, ...checkouts]) tryGit(repo, ['status', '--porcelain'], cwd);
}

/** Exit 1 with the given --json error code; returns the error for further checks. */
export function expectRefused(result: HelperResult, code: string): any {
  expect(
    result.exitCode,
    `expected a refusal (${code}); got exit ${result.exitCode}\n${result.stdout}\n${result.stderr}`,
  ).toBe(1);
  expect(result.json?.error?.code, `${result.json?.error?.message ?? result.stdout}\n${result.stderr}`).toBe(code);
  return result.json.error;
}

export function expectDone(result: HelperResult): void {
  expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
}

export const rev = (repo: Repo, ref: string, cwd?: string): string => repo.git(['rev-parse', ref], cwd).trim();

export const refExists = (repo: Repo, ref: string): boolean =>
  tryGit(repo, ['rev-parse', '--verify', '--quiet', ref]).status === 0;

/** Every commit reachable from any ref (and every worktree's HEAD), for "no commit lost" checks. */
export function reachable(repo: Repo): Set<string> {
  return new Set(repo.git(['rev-list', '--all']).split('\n').filter(Boolean));
}

/** The manifest's session ids, or [] when there is none. */
export function sessionIds(repo: Repo): string[] {
  return existsSync(repo.manifestPath) ? repo.manifest().sessions.map((s: any) => s.id) : [];
}

export function entryOf(repo: Repo, id: string): any {
  return existsSync(repo.manifestPath) ? repo.manifest().sessions.find((s: any) => s.id === id) : undefined;
}

/** The blob id git gives `content`. */
export function blobId(repo: Repo, content: string): string {
  return spawnSync('git', ['hash-object', '--stdin'], {
    cwd: repo.main,
    env: repo.env,
    input: content,
    encoding: 'utf8',
  }).stdout.trim();
}

/** Writes `content` into the object store; returns its blob id. */
export function storeBlob(repo: Repo, content: string): string {
  return spawnSync('git', ['hash-object', '-w', '--stdin'], {
    cwd: repo.main,
    env: repo.env,
    input: content,
    encoding: 'utf8',
  }).stdout.trim();
}

/** Every absolute path in a JSON document (any string value) that exists on disk. */
export function namedPaths(json: unknown): string[] {
  const found = new Set<string>();
  const visit = (value: unknown) => {
    if (typeof value === 'string') {
      for (const word of value.split(/[\s"'`()]+/).map((w) => w.replace(/[.,;:]+$/, '')))
        if (isAbsolute(word) && existsSync(word)) found.add(word);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(json);
  return [...found];
}

/** Refs under refs/sessions/: where abandon saves work. */
export function sessionRefs(repo: Repo): string[] {
  return repo.git(['for-each-ref', '--format=%(refname)', 'refs/sessions/']).split('\n').filter(Boolean);
}

/** Object ids (commits, trees, blobs; not through gitlinks) reachable from `refs` in the repository at `cwd`. */
export function objectsReachable(repo: Repo, refs: string[], cwd = repo.main): Set<string> {
  if (refs.length === 0) return new Set();
  const out = repo.git(['rev-list', '--objects', ...refs, '--'], cwd);
  return new Set(
    out
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ')[0]!),
  );
}

/**
 * What was saved where a user can get it back: objects reachable from refs/sessions/ in the
 * main repository, plus everything in any git bundle whose path the output names.
 */
export function savedObjects(repo: Repo, output: unknown): Set<string> {
  const saved = objectsReachable(repo, sessionRefs(repo));
  for (const path of namedPaths(output)) {
    if (tryGit(repo, ['bundle', 'verify', '-q', path], repo.root).status !== 0) continue;
    const scratch = join(repo.root, `bundle-check-${saved.size}-${Math.random().toString(16).slice(2)}`);
    repo.git(['init', '-q', '--bare', scratch], repo.root);
    repo.git(['fetch', '-q', path, 'refs/*:refs/restored/*'], scratch);
    const refs = repo.git(['for-each-ref', '--format=%(refname)'], scratch).split('\n').filter(Boolean);
    for (const id of objectsReachable(repo, refs, scratch)) saved.add(id);
  }
  return saved;
}

/** Lets git clone from local paths for submodules in this repository's commands (and the helper's). */
export function allowFileProtocol(repo: Repo): void {
  Object.assign(repo.env, {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'protocol.file.allow',
    GIT_CONFIG_VALUE_0: 'always',
  });
}

/** A bare repository `sub.git` beside the project with one commit (lib.txt), added to the project as submodule `sub` and committed. */
export function addSubmodule(repo: Repo): string {
  allowFileProtocol(repo);
  const origin = join(repo.root, 'sub.git');
  const seed = join(repo.root, 'sub-seed');
  repo.git(['init', '-q', '--bare', '-b', 'main', origin], repo.root);
  repo.git(['init', '-q', '-b', 'main', seed], repo.root);
  repo.write('lib.txt', 'library\n', seed);
  repo.commitAll('library', seed);
  repo.git(['push', '-q', origin, 'main'], seed);
  repo.git(['submodule', 'add', '-q', origin, 'sub']);
  repo.git(['commit', '-q', '-m', 'add submodule sub']);
  return origin;
}

/**
 * Is `content` kept at a path the output names: a named file holding exactly it, or `rel`
 * below a named folder holding it? Paths in `exclude` (e.g. the user's own file it must not
 * have overwritten) do not count.
 */
export function keptAtNamedPath(output: unknown, rel: string, content: string, exclude: string[] = []): boolean {
  for (const path of namedPaths(output)) {
    const candidates = statSync(path).isDirectory() ? [join(path, rel)] : [path];
    for (const candidate of candidates) {
      if (exclude.includes(candidate) || !existsSync(candidate) || !statSync(candidate).isFile()) continue;
      if (readFileSync(candidate, 'utf8') === content) return true;
    }
  }
  return false;
}

/**
 * What a git worktree add killed just after it made the admin folder's commondir, before it wrote "../.." there,
 * leaves: the lock, gitdir, a null HEAD and that empty file; the worktree's folder holds only its .git file.
 */
export function unreadableAdd(path: string): string {
  const admin = readFileSync(join(path, '.git'), 'utf8')
    .replace(/^gitdir: /, '')
    .trim();
  for (const name of readdirSync(admin))
    if (name !== 'gitdir') rmSync(join(admin, name), { recursive: true, force: true });
  writeFileSync(join(admin, 'locked'), 'initializing\n');
  writeFileSync(join(admin, 'HEAD'), `${'0'.repeat(40)}\n`);
  writeFileSync(join(admin, 'commondir'), '');
  for (const name of readdirSync(path)) if (name !== '.git') rmSync(join(path, name), { recursive: true });
  return admin;
}
