/**
 * Opening a session's agent: in a new tmux window (inside tmux) or as the line to run. The
 * agent's own state file says which conversation to continue and whether it still runs.
 */
import { GitError } from '../../lib/errors.js';
import { liveness } from '../../lib/process.js';
import { run } from '../../lib/shell.js';
import { commandLine } from '../../lib/shell-words.js';
import type { SessionEntry } from '../../core/manifest-types.js';
import { openCommand } from '../../core/names.js';
import {
  conversationToOpen,
  insideTmux,
  liveAgentWarning,
  tmuxNewWindowArgs,
  type OpenMode,
} from '../../core/open-plan.js';
import { describeAgent, type AgentReport } from '../../core/session-state.js';
import { readAgentState } from '../../store/agent-state.js';
import type { Project } from '../../store/project.js';

const TMUX_TIMEOUT_MS = 10_000;

export interface OpenResult {
  mode: OpenMode;
  /** A tmux window was opened. */
  opened: boolean;
  /** Where it went, as tmux names it (`<session>:<index>`); null when none was opened. */
  window: string | null;
  /** What runs in the worktree. */
  command: string[];
  conversation: string | null;
  /** `cd <worktree> && claude [--resume <id>]`: what to run when no window was opened. */
  line: string;
  insideTmux: boolean;
  agent: AgentReport | null;
  /** Why no window was opened when one was asked for; null otherwise. */
  problem: string | null;
  warnings: string[];
}

export function agentOf(project: Project, entry: SessionEntry, now: Date): AgentReport | null {
  const record = readAgentState(project.sessionsDir, entry.id);
  return describeAgent(
    { record, startedAt: entry.startedAt, clientAlive: record?.client ? liveness(record.client) : null },
    now,
    project.config.agentIdleMinutes,
  );
}

export async function openSession(
  project: Project,
  entry: SessionEntry,
  worktree: string,
  mode: OpenMode,
  env: NodeJS.ProcessEnv,
  now: Date,
): Promise<OpenResult> {
  const agent = agentOf(project, entry, now);
  const conversation = conversationToOpen(agent, entry.claudeSession);
  const args = tmuxNewWindowArgs(entry.id, worktree, conversation);
  const result: OpenResult = {
    mode,
    opened: false,
    window: null,
    command: args.slice(args.indexOf('--') + 1),
    conversation,
    line: openCommand(worktree, conversation, commandLine),
    insideTmux: insideTmux(env),
    agent,
    problem: null,
    warnings: [],
  };
  const live = liveAgentWarning(entry.id, agent);
  if (live) result.warnings.push(live);
  if (mode === 'print') return result;
  if (!result.insideTmux) {
    result.problem = 'this is not inside tmux ($TMUX is not set)';
    return result;
  }
  try {
    const { stdout } = await run(worktree, 'tmux', args, { timeout: TMUX_TIMEOUT_MS });
    result.opened = true;
    result.window = stdout.trim() || null;
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    result.problem =
      error.exitCode === 127
        ? 'tmux is not installed'
        : `tmux new-window failed: ${(error.stderr.trim() || error.stdout.trim() || `exit ${error.exitCode}`).split('\n')[0]}`;
  }
  return result;
}
