/**
 * The hooks' code: `node hook.cjs session-start|pre-tool-use|agent-state` (scripts/hook-loader.ts) runs it, with the
 * hook's JSON on stdin.
 * Kept apart from the helper, which never reads stdin. A hook must never break editing:
 * every internal error exits 0 with no output, and a watchdog ends a run that takes too long.
 * Only reads: no index, ref or working tree is written. agent-state writes its one file in the
 * sessions folder, and on UserPromptSubmit tells a land notice once, keeping a marker there too;
 * session-start and pre-tool-use keep what they learnt about the sessions there: their own cache
 * file (store/hook-cache.ts) and the tip comparisons they share with status (store/comparison-cache.ts).
 */
import { fstatSync, read, realpathSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { setHelperPath } from './lib/invocation.js';
import { now } from './lib/clock.js';
import { loadConfig } from './store/config-file.js';
import type { Config } from './core/config.js';
import { readManifestText } from './store/manifest-store.js';
import type { Manifest, SessionEntry } from './core/manifest-types.js';
import { readHookCache, type HookCache } from './store/hook-cache.js';
import { comparisonsToKeep, openComparisonCache, type ComparisonCache } from './store/comparison-cache.js';
import { commonGitDir } from './git/repo.js';
import { fromStoredPath, isWithin, MANIFEST_FILE, sessionsDirFor } from './core/paths.js';
import { worktreePathOf } from './store/project.js';
import { MAX_PATH_BYTES, realPathAllowMissing, realPathResolver } from './lib/safe-fs.js';
import type { WorktreeRecord } from './core/worktree-list.js';
import { listWorktrees } from './git/worktrees.js';
import { readRepoFiles, worktreeFromFiles, type RepoFiles } from './git/repo-files.js';
import { sessionAtPath } from './core/session-lookup.js';
import { preToolUseContext, sessionStartContext } from './core/hook-messages.js';
import { startProcessesDirectly } from './lib/shell.js';
import { editOverlaps } from './engine/hook/edit-overlap.js';
import { behindCount } from './engine/hook/behind.js';
import { landNoticeFor } from './engine/land/land-notice.js';
import { recordAgentState } from './engine/agent/record-agent-state.js';

const STDIN_TIMEOUT_MS = 1_000;
const WATCHDOG_MS = 5_000;

interface HookInput {
  cwd?: unknown;
  hook_event_name?: unknown;
  tool_name?: unknown;
  tool_input?: { file_path?: unknown } | null;
}

/**
 * Claude Code writes the JSON and closes stdin. It is read through fs, in node's thread pool: process.stdin would load
 * node's stream and socket code, about 5 ms of every edit. The read ends at the end of stdin or as soon as what came
 * is a whole JSON object, so a writer that never closes is answered too; a terminal or /dev/null has nothing to say,
 * and a stdin that fs cannot read (a non-blocking pipe answers EAGAIN) is read as a stream. null: nothing whole came
 * within the wait, and a read is still waiting in the thread pool.
 */
function readStdin(): Promise<string | null> {
  let kind: Stats;
  try {
    kind = fstatSync(0);
  } catch {
    return Promise.resolve('');
  }
  if (kind.isCharacterDevice()) return Promise.resolve('');
  return new Promise((done) => {
    const timer = setTimeout(() => done(null), STDIN_TIMEOUT_MS);
    const finish = (text: string) => {
      clearTimeout(timer);
      done(text);
    };
    const buffer = Buffer.allocUnsafe(64 * 1024);
    const chunks: Buffer[] = [];
    const next = () =>
      read(0, buffer, 0, buffer.length, null, (error, bytes) => {
        if (error) {
          if ((error as NodeJS.ErrnoException).code === 'EAGAIN') void readStdinStream().then(finish);
          else finish('');
          return;
        }
        if (bytes > 0) chunks.push(Buffer.from(buffer.subarray(0, bytes)));
        const text = Buffer.concat(chunks).toString('utf8');
        if (bytes === 0 || isWholeObject(text)) finish(text);
        else next();
      });
    next();
  });
}

function isWholeObject(text: string): boolean {
  if (!text.trimEnd().endsWith('}')) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function readStdinStream(): Promise<string> {
  return new Promise((done) => {
    let data = '';
    const finish = () => {
      process.stdin.pause();
      done(data);
    };
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => (data += chunk));
    process.stdin.on('end', finish);
    process.stdin.on('error', finish);
  });
}

/**
 * Written through fs: process.stdout would load node's stream code, about 5 ms. A pipe that will
 * not take it all at once (non-blocking and full) gets the rest through the stream.
 */
function emit(hookEventName: string, additionalContext: string): void {
  const bytes = Buffer.from(`${JSON.stringify({ hookSpecificOutput: { hookEventName, additionalContext } })}\n`);
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch {
    process.stdout.write(bytes.subarray(written));
  }
}

interface HookProject {
  mainCheckout: string;
  config: Config;
  sessionsDir: string;
  /** git's files as read in-process; null when git had to be asked, and is asked for everything. */
  repo: RepoFiles | null;
  /** The worktree list as git gave it, when it was asked. */
  worktrees: WorktreeRecord[] | null;
  /** What the context hooks learnt on earlier runs (store/hook-cache.ts). */
  cache: HookCache;
  /** Each session tip against its base tip, as this hook or status compared them. */
  comparisons: ComparisonCache;
  /** Each session's worktree as git names it (real path), found once per run. */
  worktreeOf(entry: SessionEntry): string;
  /** Each session's worktree as stored, made absolute (engine/hook/edit-overlap.ts says why). */
  storedWorktreeOf(entry: SessionEntry): string;
}

/**
 * What findProject finds, read from git's own files where they are laid out plainly, else from
 * one git call: a hook runs before every edit. Outside a repository `git worktree list` fails,
 * and the hook stays quiet.
 */
async function load(cwd: string): Promise<{ project: HookProject; manifest: Manifest }> {
  const folder = realpathSync(cwd);
  const files = worktreeFromFiles(folder);
  const repo = files ? readRepoFiles(files.commonDir, process.env) : null;
  let mainCheckout = repo?.mainCheckout;
  let worktrees: WorktreeRecord[] | null = null;
  if (!mainCheckout) {
    worktrees = await listWorktrees(folder);
    const main = worktrees[0];
    if (!main || main.bare) throw new Error('no main checkout');
    mainCheckout = main.path;
  }
  const config = loadConfig(mainCheckout);
  const sessionsDir = realPathAllowMissing(sessionsDirFor(mainCheckout, config.sessionsDir));
  const cache = readHookCache(sessionsDir);
  const { manifest, text } = readManifestText(
    join(sessionsDir, MANIFEST_FILE),
    basename(mainCheckout),
    cache.get('manifest', 'text'),
  );
  if (text !== null && cache.get('manifest', 'text') !== text) cache.set('manifest', 'text', text);
  const comparisons = openComparisonCache({
    sessionsDir,
    project: basename(mainCheckout),
    mainCheckout,
    commonDir: repo?.commonDir ?? (await commonGitDir(mainCheckout)),
  });
  const known = new Map<string, string>();
  const main = mainCheckout;
  const realPath = realPathResolver();
  const worktreeOf = (entry: SessionEntry) => {
    let path = known.get(entry.id);
    if (path === undefined) known.set(entry.id, (path = worktreePathOf({ mainCheckout: main }, entry, realPath)));
    return path;
  };
  const storedWorktreeOf = (entry: SessionEntry) => fromStoredPath(main, entry.worktree);
  return {
    project: { mainCheckout, config, sessionsDir, repo, worktrees, cache, comparisons, worktreeOf, storedWorktreeOf },
    manifest,
  };
}

/** Keeps what this run learnt: a few entries per session. */
function saveCache(project: HookProject, manifest: Manifest): void {
  const keep = comparisonsToKeep(manifest.sessions.length);
  project.cache.saveQuietly(keep);
  project.comparisons.save(keep);
}

/**
 * The top folder of the worktree of this repository holding `path` (a real path, existing or
 * not): found from the `.git` above it, or, where that belongs to another repository (a
 * submodule, a repository nested in a worktree) or cannot be read, the deepest worktree git
 * lists that contains it.
 */
async function worktreeHolding(project: HookProject, path: string): Promise<string | undefined> {
  if (project.repo) {
    const found = worktreeFromFiles(path);
    if (!found) return undefined;
    if (realPathAllowMissing(found.commonDir) === project.repo.commonDir) return found.toplevel;
  }
  const worktrees = project.worktrees ?? (project.worktrees = await listWorktrees(project.mainCheckout));
  return worktrees
    .filter((record) => !record.bare && isWithin(record.path, path))
    .sort((a, b) => b.path.length - a.path.length)[0]?.path;
}

async function sessionStart(input: HookInput, cwd: string): Promise<void> {
  const { project, manifest } = await load(cwd);
  const holder = await worktreeHolding(project, realpathSync(cwd));
  if (!holder || holder === project.mainCheckout) return;
  const session = sessionAtPath(project.worktreeOf, manifest, holder);
  if (!session) return;
  const behind = await behindCount(
    project.mainCheckout,
    project.repo,
    project.comparisons,
    session.branch,
    session.base.branch,
  ).catch(() => null);
  saveCache(project, manifest);
  emit(
    'SessionStart',
    sessionStartContext({
      id: session.id,
      branch: session.branch,
      baseBranch: session.base.branch,
      worktree: project.worktreeOf(session),
      goals: session.goals,
      sessionLog: session.sessionLog,
      behind,
      behindWarningCommits: project.config.behindWarningCommits,
      siblings: manifest.sessions
        .filter((other) => other.id !== session.id)
        .map((other) => ({
          id: other.id,
          goals: other.goals,
          status: other.status,
          worktree: project.worktreeOf(other),
        })),
    }),
  );
}

async function preToolUse(input: HookInput, cwd: string): Promise<void> {
  // Read before any file is looked at: the files kept answers rest on must have settled by then.
  const nowNs = BigInt(now(process.env).getTime()) * 1_000_000n;
  const filePath = input.tool_input?.file_path;
  // Longer than any path a tool can open: nothing to warn about, and not worth walking.
  if (typeof filePath !== 'string' || filePath.length === 0 || Buffer.byteLength(filePath) > MAX_PATH_BYTES) return;
  const file = realPathAllowMissing(isAbsolute(filePath) ? filePath : resolve(cwd, filePath));
  const { project, manifest } = await load(cwd);
  const holder = await worktreeHolding(project, file);
  if (!holder) return;
  const rel = relative(holder, file).split(sep).join('/');
  if (rel === '' || rel === '.git' || rel.startsWith('.git/')) return;
  const here = sessionAtPath(project.worktreeOf, manifest, holder)?.id ?? null;
  const others = manifest.sessions.filter((session) => session.status === 'active' && session.id !== here);
  if (others.length === 0) return;
  const overlaps = await editOverlaps({
    mainCheckout: project.mainCheckout,
    rel,
    others,
    worktreeOf: project.worktreeOf,
    storedWorktreeOf: project.storedWorktreeOf,
    repo: project.repo,
    env: process.env,
    cache: project.cache,
    comparisons: project.comparisons,
    nowNs,
  });
  saveCache(project, manifest);
  if (overlaps.length > 0) emit('PreToolUse', preToolUseContext(rel, here, overlaps));
}

const HANDLERS: Record<string, (input: HookInput, cwd: string) => Promise<void>> = {
  'session-start': sessionStart,
  'pre-tool-use': preToolUse,
  // One command for every agent event, so a prompt starts node once for both its jobs.
  'agent-state': async (input, cwd) => {
    try {
      recordAgentState(input, cwd);
    } catch {
      /* the state is a hint; the notice below still has its say */
    }
    if (input.hook_event_name !== 'UserPromptSubmit') return;
    const text = await landNoticeFor(cwd);
    if (text) emit('UserPromptSubmit', text);
  },
};

async function main(): Promise<void> {
  const handler = HANDLERS[process.argv[2] ?? ''];
  if (!handler) return;
  const text = await readStdin();
  // Nothing came, and the read still waiting in node's thread pool would hold any normal exit until stdin ends:
  // leave at once, silent, having written nothing.
  if (text === null) {
    process.kill(process.pid, 'SIGKILL');
    return;
  }
  const input = (text.trim() ? JSON.parse(text) : {}) as HookInput;
  const cwd = typeof input.cwd === 'string' && input.cwd.length > 0 ? input.cwd : process.cwd();
  await handler(input, cwd);
}

setTimeout(() => process.exit(0), WATCHDOG_MS).unref();
// Without zx or a shell in between: its every run is on an agent's critical path (lib/shell.ts).
startProcessesDirectly();
try {
  // The helper is installed beside this hook: the commands its messages name run it there.
  setHelperPath(join(dirname(realpathSync(process.argv[1]!)), 'session.mjs'));
} catch {
  /* messages then name `session` */
}
void main().then(
  () => (process.exitCode = 0),
  // A broken hook must never break editing.
  () => (process.exitCode = 0),
);
