/**
 * How a session is opened: the client in its worktree, continuing its conversation when one is
 * known, either printed as the line to run or in a new tmux window named after the session. Pure.
 */
import { UsageError } from '../lib/errors.js';
import { claudeArgv } from './names.js';
import type { AgentReport } from './session-state.js';

export const OPEN_MODES = ['tmux', 'print'] as const;
export type OpenMode = (typeof OPEN_MODES)[number];

export function parseOpenMode(value: string | undefined): OpenMode {
  if (value === undefined) return 'print';
  if ((OPEN_MODES as readonly string[]).includes(value)) return value as OpenMode;
  throw new UsageError(
    `invalid --open ${JSON.stringify(value)}: expected tmux or print`,
    'Pass --open tmux to open the session in a new tmux window, or --open print (the default) for the line to run.',
  );
}

/** Inside tmux: the client's environment names the server, which is where a new window goes. */
export function insideTmux(env: NodeJS.ProcessEnv): boolean {
  return typeof env.TMUX === 'string' && env.TMUX.length > 0;
}

/**
 * The conversation to continue: the one its agent last ran in the worktree (the hooks record it),
 * else the one the session was started from.
 */
export function conversationToOpen(
  agent: Pick<AgentReport, 'conversation'> | null,
  claudeSession: string | undefined,
): string | null {
  return agent?.conversation ?? claudeSession ?? null;
}

/** `tmux new-window`: named after the session, in its worktree, running the client directly (no shell), printing where it went. */
export function tmuxNewWindowArgs(name: string, worktree: string, conversation: string | null): string[] {
  return [
    'new-window',
    '-P',
    '-F',
    '#{session_name}:#{window_index}',
    '-n',
    name,
    '-c',
    worktree,
    '--',
    ...claudeArgv(conversation),
  ];
}

/** A warning when the agent still runs somewhere: a second client on the same conversation is rarely what is wanted. */
export function liveAgentWarning(id: string, agent: AgentReport | null): string | null {
  if (!agent || (agent.state !== 'working' && agent.state !== 'waiting') || agent.client?.alive !== true) return null;
  return `The agent of "${id}" is still running (Claude Code pid ${agent.client.pid}): switch to its terminal if you can; this opens a second client on the same conversation.`;
}
