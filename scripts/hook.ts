#!/usr/bin/env node
/**
 * Claude Code hook entry: `node hook.mjs session-start|pre-tool-use|agent-state`, with the hook's JSON on stdin.
 * Kept apart from the helper, which never reads stdin. A hook must never break editing:
 * every internal error exits 0 with no output, and a watchdog ends a run that takes too long.
 * Only reads: no index, ref or working tree is written. agent-state writes its one file in the
 * sessions folder, and on UserPromptSubmit tells a land notice once, keeping a marker there too.
 */
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { setHelperPath } from './lib/invocation.js';
import { loadConfig } from './store/config-file.js';
import type { Config } from './core/config.js';
import { readManifest } from './store/manifest-store.js';
import type { Manifest } from './core/manifest-types.js';
import { isWithin, MANIFEST_FILE, sessionsDirFor } from './core/paths.js';
import { ownFilesOf, worktreePathOf } from './store/project.js';
import { MAX_PATH_BYTES, realPathAllowMissing } from './lib/safe-fs.js';
import type { WorktreeRecord } from './core/worktree-list.js';
import { listWorktrees } from './git/worktrees.js';
import { sessionAtPath } from './core/session-lookup.js';
import { sessionWork } from './core/status-porcelain.js';
import { preToolUseContext, sessionStartContext, type EditOverlap } from './core/hook-messages.js';
import { aheadBehind } from './git/branches.js';
import { branchesTouching, statusOfPath } from './git/compare.js';
import { limiter } from './lib/limit.js';
import { landNoticeFor } from './engine/land/land-notice.js';
import { recordAgentState } from './engine/agent/record-agent-state.js';
import { startProcessesDirectly } from './lib/shell.js';

const STDIN_TIMEOUT_MS = 1_000;
const WATCHDOG_MS = 5_000;

interface HookInput {
  cwd?: unknown;
  hook_event_name?: unknown;
  tool_name?: unknown;
  tool_input?: { file_path?: unknown } | null;
}

/** Claude Code writes the JSON and closes stdin; a terminal or a stuck writer must not hang us. */
function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return Promise.resolve('');
  return new Promise((done) => {
    let data = '';
    const finish = () => {
      clearTimeout(timer);
      process.stdin.pause();
      done(data);
    };
    const timer = setTimeout(finish, STDIN_TIMEOUT_MS);
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => (data += chunk));
    process.stdin.on('end', finish);
    process.stdin.on('error', finish);
  });
}

function emit(hookEventName: string, additionalContext: string): void {
  process.stdout.write(`${JSON.stringify({ hookSpecificOutput: { hookEventName, additionalContext } })}\n`);
}

interface HookProject {
  mainCheckout: string;
  worktrees: WorktreeRecord[];
  config: Config;
}

/**
 * What findProject finds, from one git call instead of three: a hook has a 150 ms budget.
 * Outside a repository `git worktree list` fails, and the hook stays quiet.
 */
async function load(cwd: string): Promise<{ project: HookProject; manifest: Manifest }> {
  const worktrees = await listWorktrees(realpathSync(cwd));
  const main = worktrees[0];
  if (!main || main.bare) throw new Error('no main checkout');
  const config = loadConfig(main.path);
  const manifestPath = join(realPathAllowMissing(sessionsDirFor(main.path, config.sessionsDir)), MANIFEST_FILE);
  return { project: { mainCheckout: main.path, worktrees, config }, manifest: readManifest(manifestPath, basename(main.path)) };
}

/** The worktree holding `path`: the deepest one that contains it. */
function worktreeHolding(worktrees: readonly WorktreeRecord[], path: string): WorktreeRecord | undefined {
  return worktrees.filter((record) => !record.bare && isWithin(record.path, path)).sort((a, b) => b.path.length - a.path.length)[0];
}

async function sessionStart(input: HookInput, cwd: string): Promise<void> {
  const { project, manifest } = await load(cwd);
  const holder = worktreeHolding(project.worktrees, realpathSync(cwd));
  if (!holder || holder.path === project.mainCheckout) return;
  const session = sessionAtPath((entry) => worktreePathOf(project, entry), manifest, holder.path);
  if (!session) return;
  const counts = await aheadBehind(project.mainCheckout, `refs/heads/${session.branch}`, `refs/heads/${session.base.branch}`).catch(() => null);
  emit('SessionStart', sessionStartContext({
    id: session.id,
    branch: session.branch,
    baseBranch: session.base.branch,
    worktree: worktreePathOf(project, session),
    goals: session.goals,
    sessionLog: session.sessionLog,
    behind: counts?.behind ?? null,
    behindWarningCommits: project.config.behindWarningCommits,
    siblings: manifest.sessions
      .filter((other) => other.id !== session.id)
      .map((other) => ({ id: other.id, goals: other.goals, status: other.status, worktree: worktreePathOf(project, other) })),
  }));
}

async function preToolUse(input: HookInput, cwd: string): Promise<void> {
  const filePath = input.tool_input?.file_path;
  // Longer than any path a tool can open: nothing to warn about, and not worth walking.
  if (typeof filePath !== 'string' || filePath.length === 0 || Buffer.byteLength(filePath) > MAX_PATH_BYTES) return;
  const file = realPathAllowMissing(isAbsolute(filePath) ? filePath : resolve(cwd, filePath));
  const { project, manifest } = await load(cwd);
  const holder = worktreeHolding(project.worktrees, file);
  if (!holder) return;
  const rel = relative(holder.path, file).split(sep).join('/');
  if (rel === '' || rel === '.git' || rel.startsWith('.git/')) return;
  const here = sessionAtPath((entry) => worktreePathOf(project, entry), manifest, holder.path)?.id ?? null;
  const others = manifest.sessions.filter((session) => session.status === 'active' && session.id !== here);
  if (others.length === 0) return;

  const limit = limiter();
  const byBase = new Map<string, string[]>();
  for (const session of others) byBase.set(session.base.branch, [...(byBase.get(session.base.branch) ?? []), session.branch]);
  const committed = new Set<string>();
  const committedChecks = [...byBase].map(async ([base, branches]) => {
    // One git log for every branch on this base; if one branch is missing, ask for each alone.
    const touched = await limit(() => branchesTouching(project.mainCheckout, base, branches, rel)).catch(async () => {
      const each = await Promise.all(branches.map((branch) => limit(() => branchesTouching(project.mainCheckout, base, [branch], rel)).catch(() => new Set<string>())));
      return new Set(each.flatMap((set) => [...set]));
    });
    for (const branch of touched) committed.add(branch);
  });
  const uncommitted = new Set<string>();
  const statusChecks = others.map(async (session) => {
    const worktree = worktreePathOf(project, session);
    if (!existsSync(worktree)) return;
    const entries = await limit(() => statusOfPath(worktree, rel)).catch(() => []);
    if (sessionWork(entries, ownFilesOf(session, worktree)).length > 0) uncommitted.add(session.id);
  });
  await Promise.all([...committedChecks, ...statusChecks]);

  const overlaps: EditOverlap[] = others
    .map((session) => ({ id: session.id, committed: committed.has(session.branch), uncommitted: uncommitted.has(session.id) }))
    .filter((overlap) => overlap.committed || overlap.uncommitted)
    .sort((a, b) => (a.id < b.id ? -1 : 1));
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
try {
  await main();
} catch {
  /* a broken hook must never break editing */
}
process.exitCode = 0;
