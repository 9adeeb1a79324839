/**
 * The crash matrix's pieces: a seeded PRNG, a large repository with an ignored .env and a
 * bare origin, sessions that carry work to lose, a ledger of that work, the invariants every
 * kill followed by one `cleanup --yes` must keep, and a dump of the state for a report.
 */
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { FIXED_DATE, makeRepo, type Repo } from './gitdir.js';
import { addOrigin } from './end.js';
import { schemaErrors } from './schemas.js';
import { killGroup, sleep, startHelperGroup, waitFor } from './processes.js';

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A seed of its own for each row, so one row replays alone with the same delays (FNV-1a of the label, mixed with the seed). */
export function rowSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (const char of label) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash >>> 0;
}

export const ENV_CONTENT = 'API_KEY=from-the-main-checkout\n';

/** Tracked files per folder of the large repository: `src/d<N>/f<M>.txt`. */
export const PER_FOLDER = 50;

export interface LargeRepo extends Repo {
  /** Folders `src/d0..` of PER_FOLDER tracked files each. */
  folders: number;
  origin: string;
  /** A fresh FLIGHT_RULES_NOW for each helper run, a minute apart, so saved refs never collide by name. */
  tick(): string;
  /** The next unused folder index: each session and each move of the base changes files of its own folder only. */
  claimFolder(): number;
}

/**
 * Where the matrix builds its repositories: CRASH_TMPDIR, else a RAM disk (/dev/shm) when there
 * is one (a 2,000-file checkout takes ~1.5 s on a slow virtual disk and ~0.1 s there), else the
 * usual temporary folder.
 */
export function crashTmpdir(): string {
  if (process.env.CRASH_TMPDIR) return process.env.CRASH_TMPDIR;
  try {
    accessSync('/dev/shm', constants.W_OK);
    if (statSync('/dev/shm').isDirectory()) return '/dev/shm';
  } catch {
    /* no RAM disk */
  }
  return tmpdir();
}

/** Runs `make` with os.tmpdir() answering `folder` (makeRepo creates its folder there). */
function inFolder<T>(folder: string, make: () => T): T {
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = folder;
  try {
    return make();
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
}

/** A repository of `files` tracked files (>= 2,000 for the matrix), `.env` ignored and present in the main checkout, and a bare origin with main pushed. */
export function makeLargeRepo(files: number): LargeRepo {
  const base = inFolder(crashTmpdir(), () =>
    makeRepo({ files: { 'README.md': '# crash matrix\n', '.gitignore': '.env\nnode_modules/\n' } }),
  );
  const tmp = join(base.root, 'tmp');
  mkdirSync(tmp);
  base.env.TMPDIR = tmp; // the helper's private index folders and PR bodies stay inside the test's folder
  const folders = Math.ceil(files / PER_FOLDER);
  for (let d = 0; d < folders; d++) {
    mkdirSync(join(base.main, `src/d${d}`), { recursive: true });
    for (let f = 0; f < PER_FOLDER; f++)
      writeFileSync(join(base.main, `src/d${d}/f${f}.txt`), `folder ${d} file ${f}\n${'line of text\n'.repeat(8)}`);
  }
  base.commitAll(`${folders * PER_FOLDER} files`);
  writeFileSync(join(base.main, '.env'), ENV_CONTENT);
  const origin = addOrigin(base);
  let minutes = 0;
  let nextFolder = 0;
  return Object.assign(base, {
    folders,
    origin,
    tick: () => new Date(Date.parse(FIXED_DATE) + ++minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    claimFolder: () => {
      if (nextFolder >= folders) throw new Error('the repository has no unused folder left for another session');
      return nextFolder++;
    },
  });
}

/** Work that must survive: commit tips, and files (uncommitted tracked changes, untracked files, the edited ignored .env) with their content. */
export interface Ledger {
  tips: Array<{ what: string; commit: string }>;
  files: Array<{ session: string; path: string; content: string; kind: 'tracked change' | 'untracked' | 'ignored' }>;
}

export const emptyLedger = (): Ledger => ({ tips: [], files: [] });

export interface SessionSpec {
  /** Commits of its own, each changing files of its folder and adding new ones. */
  commits: number;
  /** Uncommitted tracked changes and untracked files as well (only abandon takes them). */
  uncommitted?: boolean;
  /** `--base` for start. */
  base?: string;
}

/**
 * Starts session `id` (not killed), checks start copied the ignored .env, then gives it work:
 * commits in its own folder, the .env edited, and with `uncommitted` a changed tracked file and
 * untracked files. Everything is written to the ledger before anything is killed.
 */
export function sessionWithWork(repo: LargeRepo, id: string, spec: SessionSpec, ledger: Ledger): string {
  const started = repo.helper(
    ['start', id, '--goal', `Goal of ${id}`, '--no-setup', ...(spec.base ? ['--base', spec.base] : [])],
    { env: { FLIGHT_RULES_NOW: repo.tick() } },
  );
  if (started.exitCode !== 0) throw new Error(`start ${id} failed:\n${started.stdout}\n${started.stderr}`);
  const worktree = join(repo.sessions, id);
  const envPath = join(worktree, '.env');
  if (!existsSync(envPath) || readFileSync(envPath, 'utf8') !== ENV_CONTENT)
    throw new Error(`start ${id} did not copy the ignored .env`);
  const folder = repo.claimFolder();
  for (let c = 0; c < spec.commits; c++) {
    for (let f = c; f < PER_FOLDER; f += spec.commits)
      writeFileSync(
        join(worktree, `src/d${folder}/f${f}.txt`),
        `folder ${folder} file ${f}\nchanged by ${id} in commit ${c}\n`,
      );
    mkdirSync(join(worktree, `work/${id}`), { recursive: true });
    for (let n = 0; n < 20; n++)
      writeFileSync(join(worktree, `work/${id}/c${c}-${n}.txt`), `new file ${n} of ${id}, commit ${c}\n`);
    repo.commitAll(`${id}: commit ${c}`, worktree);
  }
  ledger.tips.push({ what: `tip of session/${id}`, commit: repo.git(['rev-parse', 'HEAD'], worktree).trim() });
  const edited = `${ENV_CONTENT}EDITED_IN=${id}\n`;
  writeFileSync(envPath, edited);
  ledger.files.push({ session: id, path: '.env', content: edited, kind: 'ignored' });
  if (spec.uncommitted) {
    for (let f = 0; f < 3; f++) {
      const path = `src/d${folder}/f${f}.txt`;
      const content = `uncommitted change of ${id} to file ${f}\n`;
      writeFileSync(join(worktree, path), content);
      ledger.files.push({ session: id, path, content, kind: 'tracked change' });
    }
    mkdirSync(join(worktree, 'drafts'), { recursive: true });
    for (let n = 0; n < 40; n++) {
      const path = `drafts/${id}-${n}.txt`;
      const content = `untracked draft ${n} of ${id}\n`;
      writeFileSync(join(worktree, path), content);
      ledger.files.push({ session: id, path, content, kind: 'untracked' });
    }
  }
  return worktree;
}

/** Moves `branch` on by one commit changing files of a folder of its own (made in a scratch worktree when `branch` is not checked out in the main checkout). */
export function moveBase(repo: LargeRepo, branch: string, ledger: Ledger): void {
  const folder = repo.claimFolder();
  const scratch = join(repo.root, `scratch-${folder}`);
  const current = repo.git(['symbolic-ref', '-q', '--short', 'HEAD']).trim();
  const where = current === branch ? repo.main : scratch;
  if (where === scratch) repo.git(['worktree', 'add', '-q', scratch, branch]);
  for (let f = 0; f < PER_FOLDER; f += 2)
    writeFileSync(join(where, `src/d${folder}/f${f}.txt`), `folder ${folder} file ${f}\nchanged on ${branch}\n`);
  ledger.tips.push({
    what: `${branch} moved on`,
    commit: repo.commitAll(`${branch} moves on (folder ${folder})`, where),
  });
  if (where === scratch) repo.git(['worktree', 'remove', scratch]);
}

export interface RunOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Whether a process of the group led by `pid` still runs. Zombies do not count: they hold no
 * file, lock or memory, and some init processes (this CI's among them) take seconds to reap them.
 */
function groupAlive(pid: number): boolean {
  if (existsSync('/proc/self/stat')) {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pid && state !== 'Z' && state !== 'X') return true;
    }
    return false;
  }
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs the helper as a process group leader and, when `killAfterMs` is set, SIGKILLs the
 * whole group then (git, gh and every other child with it). Waits until no process of the
 * group is left, so nothing of it runs on while cleanup looks.
 */
export async function runGroup(
  repo: Repo,
  args: string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    killAfterMs?: number;
    killWhen?: () => boolean;
    killWhenTimeoutMs?: number;
  } = {},
): Promise<RunOutcome> {
  const started = Date.now();
  const run = startHelperGroup(repo, args, {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  let timer: NodeJS.Timeout | null = null;
  let exited = false;
  if (options.killAfterMs !== undefined) timer = setTimeout(() => killGroup(run.pid), options.killAfterMs);
  if (options.killWhen) {
    const until = Date.now() + (options.killWhenTimeoutMs ?? 10_000);
    const poll = () => {
      if (exited) return;
      if (options.killWhen!() || Date.now() > until) killGroup(run.pid);
      else timer = setTimeout(poll, 1);
    };
    poll();
  }
  const done = await run.done;
  exited = true;
  const ms = Date.now() - started;
  if (timer) clearTimeout(timer);
  // A kill that lands after the leader exited may still find a child of it; none may outlive the trial.
  if (options.killAfterMs !== undefined || options.killWhen) killGroup(run.pid);
  if (!(await waitFor(() => !groupAlive(run.pid), 10_000, 2)))
    throw new Error(`process group ${run.pid} (${args.join(' ')}) outlived SIGKILL`);
  return { code: done.code, signal: done.signal, stdout: done.stdout, stderr: done.stderr, ms };
}

/** How long the helper alone takes to start and exit (node, the bundle, no git): kill moments before it are wasted. */
export async function startupFloorMs(repo: Repo): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) times.push((await runGroup(repo, ['--help'])).ms);
  return Math.min(...times);
}

const git = (repo: Repo, args: string[], cwd = repo.main) =>
  spawnSync('git', args, { cwd, env: repo.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

/** The common git dir and every worktree's admin folder in it. */
export function gitDirs(repo: Repo): string[] {
  const common = join(repo.main, '.git');
  const admin = join(common, 'worktrees');
  return [common, ...(existsSync(admin) ? readdirSync(admin).map((name) => join(admin, name)) : [])];
}

function walk(folder: string, skip: (path: string) => boolean, found: string[] = []): string[] {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (skip(path)) continue;
    if (entry.isDirectory()) walk(path, skip, found);
    else found.push(path);
  }
  return found;
}

export interface WorktreeListed {
  path: string;
  head: string | null;
  branch: string | null;
}

export function worktreeList(repo: Repo): WorktreeListed[] {
  const out = git(repo, ['worktree', 'list', '--porcelain']).stdout;
  return out
    .split('\n\n')
    .filter((block) => block.startsWith('worktree '))
    .map((block) => {
      const lines = block.split('\n');
      const field = (name: string) => lines.find((line) => line.startsWith(`${name} `))?.slice(name.length + 1) ?? null;
      return { path: field('worktree')!, head: field('HEAD'), branch: field('branch') };
    });
}

/** Every ref under refs/sessions/ that names `session`, with the blob id of each path it holds. */
function savedBlobs(repo: Repo, session: string): Map<string, Array<{ ref: string; path: string }>> {
  const refs = git(repo, ['for-each-ref', '--format=%(refname)', 'refs/sessions/'])
    .stdout.split('\n')
    .filter((ref) => ref.includes(`/${session}/`));
  const byBlob = new Map<string, Array<{ ref: string; path: string }>>();
  for (const ref of refs) {
    const listing = git(repo, ['ls-tree', '-r', '-z', ref]).stdout;
    for (const line of listing.split('\0').filter(Boolean)) {
      const [meta, path] = line.split('\t') as [string, string];
      const blob = meta.split(' ')[2]!;
      byBlob.set(blob, [...(byBlob.get(blob) ?? []), { ref, path }]);
    }
  }
  return byBlob;
}

function blobOf(repo: Repo, content: string): string {
  return spawnSync('git', ['hash-object', '--stdin'], {
    cwd: repo.main,
    env: repo.env,
    input: content,
    encoding: 'utf8',
  }).stdout.trim();
}

function readIfFile(path: string): string | null {
  try {
    return lstatSync(path).isFile() ? readFileSync(path, 'utf8') : null;
  } catch {
    return null;
  }
}

/** Patch ids of the non-merge commits `git log` lists for `range`, as `patch-id -> commit`. */
function patchIds(repo: Repo, range: string[]): Map<string, string> {
  const log = git(repo, ['log', '-p', '--no-merges', '--no-color', '--no-ext-diff', ...range]).stdout;
  const out = spawnSync('git', ['patch-id', '--stable'], {
    cwd: repo.main,
    env: repo.env,
    input: log,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  }).stdout;
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ') as [string, string]),
  );
}

/**
 * The commits only `tip` reaches (no ref does) that no ref holds a rewritten copy of: a rebase
 * replaces a branch's commits with copies of the same patches, which loses nothing. A merge
 * commit only `tip` reaches always counts as lost.
 */
function notRewritten(repo: Repo, tip: string): string[] {
  const only = git(repo, ['rev-list', '--parents', tip, '--not', '--all'])
    .stdout.split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '));
  const merges = only.filter((parts) => parts.length > 2).map((parts) => `${parts[0]!} (a merge)`);
  const plain = new Set(only.filter((parts) => parts.length <= 2).map((parts) => parts[0]!));
  if (plain.size === 0) return merges;
  const mine = patchIds(repo, [tip, '--not', '--all']);
  const onRefs = new Set(patchIds(repo, ['--all', '--not', tip]).keys());
  const copied = new Set([...mine].filter(([id]) => onRefs.has(id)).map(([, commit]) => commit));
  return [...merges, ...[...plain].filter((commit) => !copied.has(commit))];
}

export const ASIDE = /^\..+\.removing-\d+$/;

/**
 * Every invariant a kill followed by one `cleanup --yes` must keep; returns what is broken,
 * one line each, [] when all hold. `mainClean`: the main checkout had no tracked change before.
 */
export function brokenInvariants(repo: Repo, ledger: Ledger, options: { mainClean: boolean }): string[] {
  const broken: string[] = [];

  // 1. No commit lost: every tip written down before the kill is reachable from some ref.
  // A stash pushed down by a newer one is kept in refs/stash's reflog (stash@{1}, ...): that is where git keeps it.
  const stashes = git(repo, ['log', '-g', '--format=%H', 'refs/stash']).stdout.split('\n').filter(Boolean);
  const reachable = new Set(
    git(repo, ['rev-list', '--all', ...stashes])
      .stdout.split('\n')
      .filter(Boolean),
  );
  for (const tip of ledger.tips) {
    if (reachable.has(tip.commit)) continue;
    const lost = notRewritten(repo, tip.commit);
    if (lost.length > 0)
      broken.push(
        `1 lost commit: ${tip.what} ${tip.commit} is reachable from no ref, and ${lost.length} commit(s) only it reached have no rewritten copy on any ref: ${lost.slice(0, 3).join(', ')}`,
      );
  }
  // ... and no file: it is in its worktree, or in a saved ref of its session under refs/sessions/.
  const saved = new Map<string, Map<string, Array<{ ref: string; path: string }>>>();
  for (const file of ledger.files) {
    if (readIfFile(join(repo.sessions, file.session, file.path)) === file.content) continue;
    if (!saved.has(file.session)) saved.set(file.session, savedBlobs(repo, file.session));
    const holders = saved.get(file.session)!.get(blobOf(repo, file.content)) ?? [];
    if (holders.some((holder) => holder.path === file.path)) continue;
    const asides = existsSync(repo.sessions)
      ? readdirSync(repo.sessions).filter((name) => name.startsWith(`.${file.session}.removing-`))
      : [];
    const onlyAside = asides.find((aside) => readIfFile(join(repo.sessions, aside, file.path)) === file.content);
    broken.push(
      `1 lost ${file.kind} ${file.path} of session ${file.session}: not in its worktree, not in any refs/sessions/…/${file.session}/… ref${onlyAside ? ` (only in the aside folder ${onlyAside})` : ''}`,
    );
  }

  // 2. No git operation left in progress in any git dir, and the main checkout as clean as it was.
  for (const dir of gitDirs(repo)) {
    for (const mark of ['MERGE_HEAD', 'rebase-merge', 'rebase-apply', 'CHERRY_PICK_HEAD', 'REVERT_HEAD']) {
      if (existsSync(join(dir, mark))) broken.push(`2 operation in progress: ${relative(repo.root, join(dir, mark))}`);
    }
  }
  if (options.mainClean) {
    const dirty = git(repo, ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no'])
      .stdout.split('\n')
      .filter(Boolean);
    if (dirty.length > 0)
      broken.push(
        `2 the main checkout was clean and now has ${dirty.length} tracked change(s): ${dirty.slice(0, 4).join('; ')}`,
      );
  }

  // 3. No lock or temp file left: git's in any git dir, ours in the sessions folder and the common git dir.
  const common = join(repo.main, '.git');
  for (const path of walk(common, (p) => p === join(common, 'objects') || p === join(common, 'logs'))) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (name.endsWith('.lock') || (name.startsWith('flight-rules-') && /\.(tmp|stale)$/.test(name)))
      broken.push(`3 lock or temp file left: ${relative(repo.root, path)}`);
  }
  if (existsSync(repo.sessions)) {
    for (const name of readdirSync(repo.sessions)) {
      if (/\.(lock|tmp|stale)$/.test(name) || name.includes('.lock.'))
        broken.push(`3 lock or temp file left in the sessions folder: ${name}`);
    }
  }

  // 4. The manifest validates, agrees with git's worktree list, and every entry is active.
  let entries: any[] = [];
  if (existsSync(repo.manifestPath)) {
    try {
      const manifest = repo.manifest();
      const errors = schemaErrors('manifest', manifest);
      if (errors) broken.push(`4 the manifest fails its schema: ${errors}`);
      entries = manifest.sessions ?? [];
    } catch (error) {
      broken.push(`4 the manifest does not parse: ${(error as Error).message}`);
    }
  }
  const listed = worktreeList(repo);
  const sessionWorktrees = listed.filter((w) => w.path.startsWith(`${repo.sessions}/`));
  for (const entry of entries) {
    const path = join(repo.main, entry.worktree);
    if (!listed.some((w) => w.path === path))
      broken.push(`4 entry ${entry.id} (${entry.status}): git does not list its worktree ${relative(repo.root, path)}`);
    if (entry.status !== 'active')
      broken.push(`4 entry ${entry.id} is ${entry.status}, not active (owner ${JSON.stringify(entry.owner ?? null)})`);
  }
  for (const worktree of sessionWorktrees) {
    if (!entries.some((entry) => join(repo.main, entry.worktree) === worktree.path))
      broken.push(
        `4 git lists the session-folder worktree ${relative(repo.root, worktree.path)} (${worktree.branch ?? 'detached'}), which no manifest entry claims`,
      );
  }
  // ... and a session handed back is usable: on its branch, every tracked file there, no change but the ones it had.
  for (const entry of entries) {
    const path = join(repo.main, entry.worktree);
    if (!existsSync(path)) continue;
    const head = git(repo, ['symbolic-ref', '-q', 'HEAD'], path).stdout.trim();
    if (head !== `refs/heads/${entry.branch}`)
      broken.push(
        `4 session ${entry.id} (${entry.status}): HEAD is ${head || git(repo, ['rev-parse', 'HEAD'], path).stdout.trim() || 'unreadable'}, not ${entry.branch}`,
      );
    const own = new Set(
      ledger.files
        .filter((file) => file.session === entry.id && file.kind === 'tracked change')
        .map((file) => file.path),
    );
    const changes = git(repo, ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no'], path)
      .stdout.split('\n')
      .filter(Boolean)
      .filter((line) => !own.has(line.slice(3)));
    if (changes.length > 0)
      broken.push(
        `4 session ${entry.id} (${entry.status}): ${changes.length} tracked change(s) it did not have: ${changes.slice(0, 4).join('; ')}`,
      );
  }

  // 5. No aside folder of an end left behind.
  if (existsSync(repo.sessions)) {
    for (const name of readdirSync(repo.sessions)) if (ASIDE.test(name)) broken.push(`5 aside folder left: ${name}`);
  }
  return broken;
}

/** Everything a report of a broken trial needs: refs, manifest, worktree list, git dirs, the sessions folder, the main checkout's status. */
export function describeState(repo: Repo): string {
  const section = (title: string, body: string) => `--- ${title}\n${body.trimEnd() || '(empty)'}`;
  const gitDirListing = gitDirs(repo)
    .map((dir) => {
      const names = readdirSync(dir).filter(
        (name) =>
          !['objects', 'logs', 'hooks', 'info', 'refs', 'description', 'config', 'packed-refs'].includes(name) &&
          !(dir === join(repo.main, '.git') && name === 'worktrees'),
      );
      const inside = ['rebase-merge', 'rebase-apply']
        .filter((name) => names.includes(name))
        .map((name) => `\n  ${name}/: ${readdirSync(join(dir, name)).sort().join(' ') || '(empty)'}`);
      return `${relative(repo.root, dir)}: ${names.sort().join(' ')}${inside.join('')}`;
    })
    .join('\n');
  const sessionsListing = existsSync(repo.sessions)
    ? readdirSync(repo.sessions)
        .sort()
        .map((name) => {
          const path = join(repo.sessions, name);
          if (!statSync(path).isDirectory()) return name;
          const inside = readdirSync(path);
          return `${name}/ (${inside.length} entries${inside.includes('.git') ? ', has .git' : ', NO .git'})`;
        })
        .join('\n')
    : '(no sessions folder)';
  const manifest = existsSync(repo.manifestPath) ? readFileSync(repo.manifestPath, 'utf8') : '(no manifest)';
  return [
    section('refs', git(repo, ['for-each-ref', '--format=%(objectname:short) %(refname)']).stdout),
    section('git worktree list --porcelain', git(repo, ['worktree', 'list', '--porcelain']).stdout),
    section('manifest', manifest),
    section('git dirs (state files)', gitDirListing),
    section('sessions folder', sessionsListing),
    section(
      'main checkout: git status --porcelain',
      git(repo, ['--no-optional-locks', 'status', '--porcelain']).stdout,
    ),
  ].join('\n');
}

/** Polls until `path` exists (or `timeoutMs` passes). */
export async function waitForPath(path: string, timeoutMs: number): Promise<boolean> {
  return waitFor(() => existsSync(path), timeoutMs, 1);
}

export { sleep };
