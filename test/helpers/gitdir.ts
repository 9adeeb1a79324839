/**
 * Real repositories in temporary folders, under a hermetic git environment:
 * no global or system config, fixed identity and dates, main as the default branch, LANG=C.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BUNDLE = join(ROOT, 'dist/session.mjs');
export const FIXED_DATE = '2026-01-15T10:00:00Z';

export function hermeticEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    TMPDIR: tmpdir(),
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_SYSTEM: '/dev/null',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.com',
    GIT_COMMITTER_NAME: 'Test Author',
    GIT_COMMITTER_EMAIL: 'author@example.com',
    GIT_AUTHOR_DATE: FIXED_DATE,
    GIT_COMMITTER_DATE: FIXED_DATE,
    LANG: 'C',
    LC_ALL: 'C',
    TZ: 'UTC',
    NO_COLOR: '1',
    FLIGHT_RULES_NOW: FIXED_DATE,
    ...extra,
  };
}

export interface HelperResult {
  exitCode: number;
  /**
   * Output with the helper's own invocation (`node <bundle>`, which its messages name) written
   * as `session`, so expectations read the same on every machine; `raw` keeps it as printed.
   */
  stdout: string;
  stderr: string;
  raw: { stdout: string; stderr: string };
  /** Parsed stdout when --json was passed. */
  json: any;
}

export interface Repo {
  /** The temporary folder that holds the main checkout and its sessions folder. */
  root: string;
  main: string;
  sessions: string;
  manifestPath: string;
  env: NodeJS.ProcessEnv;
  git(args: string[], cwd?: string): string;
  write(path: string, content: string, cwd?: string): void;
  commitAll(message: string, cwd?: string): string;
  /** The built bundle run by plain node, as a user runs it: for the tests that need a process of its own (a signal, a kill, a parent shell, a lock held across processes). */
  helper(args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }): HelperResult;
  helperAsync(args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<HelperResult>;
  /** The same CLI run in this process, against the same repository: its argv, cwd, environment and streams are its own. */
  cli(args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<HelperResult>;
  manifest(): any;
  cleanup(): void;
}

export interface RepoOptions {
  name?: string;
  files?: Record<string, string>;
  /** Skip the first commit. */
  empty?: boolean;
}

export function makeRepo(options: RepoOptions = {}): Repo {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'fr-test-')));
  const home = join(root, 'home');
  mkdirSync(home);
  const main = join(root, options.name ?? 'project');
  mkdirSync(main);
  const env = hermeticEnv(home);
  const git = (args: string[], cwd = main) =>
    execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const write = (path: string, content: string, cwd = main) => {
    mkdirSync(dirname(join(cwd, path)), { recursive: true });
    writeFileSync(join(cwd, path), content);
  };
  const commitAll = (message: string, cwd = main) => {
    git(['add', '-A'], cwd);
    git(['commit', '-q', '-m', message], cwd);
    return git(['rev-parse', 'HEAD'], cwd).trim();
  };
  git(['init', '-q', '-b', 'main']);
  if (!options.empty) {
    for (const [path, content] of Object.entries(
      options.files ?? { 'README.md': '# sample\n', 'src/app.js': 'console.log(1);\n' },
    ))
      write(path, content);
    commitAll('Initial commit');
  }
  const sessions = join(root, `${options.name ?? 'project'}-sessions`);
  const finish = (result: { status: number | null; stdout: string; stderr: string }, args: string[]): HelperResult => {
    const stdout = withoutInvocation(result.stdout);
    const stderr = withoutInvocation(result.stderr);
    let json: any = undefined;
    if (args.includes('--json')) {
      try {
        json = JSON.parse(stdout);
      } catch {
        throw new Error(`--json output is not one JSON document:\n${result.stdout}\n${result.stderr}`);
      }
    }
    return {
      exitCode: result.status ?? -1,
      stdout,
      stderr,
      raw: { stdout: result.stdout, stderr: result.stderr },
      json,
    };
  };
  return {
    root,
    main,
    sessions,
    manifestPath: join(sessions, '.manifest.json'),
    env,
    git,
    write,
    commitAll,
    helper(args, opts = {}) {
      const result = spawnSync('node', [BUNDLE, ...args], {
        cwd: opts.cwd ?? main,
        env: { ...env, ...opts.env },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return finish({ status: result.status, stdout: result.stdout, stderr: result.stderr }, args);
    },
    helperAsync(args, opts = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn('node', [BUNDLE, ...args], {
          cwd: opts.cwd ?? main,
          env: { ...env, ...opts.env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => (stdout += chunk));
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('error', reject);
        child.on('close', (status) => {
          try {
            resolve(finish({ status, stdout, stderr }, args));
          } catch (error) {
            reject(error);
          }
        });
      });
    },
    async cli(args, opts = {}) {
      const result = await runInProcess(args, opts.cwd ?? main, { ...env, ...opts.env });
      return finish(result, args);
    },
    manifest() {
      return JSON.parse(readFileSync(join(sessions, '.manifest.json'), 'utf8'));
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * The helper's own entry (scripts/session.ts) without a process: main() with the argv, cwd,
 * environment and streams given, the messages naming the bundle as the built helper does, so
 * its output reads exactly as the bundle's.
 */
async function runInProcess(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number; stdout: string; stderr: string }> {
  const [{ main: cliMain }, { SUBCOMMANDS }, { setHelperPath }] = await Promise.all([
    import('../../scripts/lib/cli.js'),
    import('../../scripts/subcommands/index.js'),
    import('../../scripts/lib/invocation.js'),
  ]);
  setHelperPath(BUNDLE);
  let stdout = '';
  let stderr = '';
  const status = await cliMain(SUBCOMMANDS, {
    argv: args,
    cwd,
    env,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { status, stdout, stderr };
}

/** Every ref, the manifest's bytes, every index file's hash and every file below root: for "nothing changed" checks. */
export function snapshot(repo: Repo): Record<string, unknown> {
  const refs = repo.git(['for-each-ref', '--format=%(refname) %(objectname)']);
  const head = repo.git(['rev-parse', 'HEAD']).trim();
  const files: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      const rel = relative(repo.root, path);
      if (rel.startsWith('home')) continue;
      if (entry.isDirectory()) {
        if (entry.name === 'objects' || entry.name === 'logs') continue;
        walk(path);
      } else if (entry.isFile()) {
        files[rel] = createHash('sha1').update(readFileSync(path)).digest('hex');
      } else {
        files[rel] = 'symlink';
      }
    }
  };
  walk(repo.root);
  return { refs, head, files };
}

/**
 * The same, without what status keeps of its comparisons in the sessions folder (`.tip-comparisons.json`), the
 * one file a read-only command writes: for "status changed nothing" checks.
 */
export function snapshotBesidesKeptComparisons(repo: Repo): Record<string, unknown> {
  const taken = snapshot(repo) as { files: Record<string, string> };
  const kept = relative(repo.root, join(repo.sessions, '.tip-comparisons.json'));
  const { [kept]: _kept, ...files } = taken.files;
  return { ...taken, files };
}

export function fileMode(path: string): number {
  return statSync(path).mode & 0o777;
}

export { existsSync, readFileSync, writeFileSync, chmodSync, mkdirSync, join };

/** How the built helper names itself in the commands it prints. */
export const INVOCATION = `node ${BUNDLE}`;

export function withoutInvocation(text: string): string {
  return text.replaceAll(INVOCATION, 'session');
}

/** Stable text for snapshots: temp paths, commit hashes and times replaced by placeholders. */
export function normalise(text: string, repo: Repo): string {
  return text
    .replaceAll(INVOCATION, 'session')
    .replaceAll(repo.root, '<root>')
    .replace(/\b[0-9a-f]{40}\b/g, '<sha>')
    .replace(/\b[0-9a-f]{7,12}\b/g, '<short-sha>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<time>');
}
