/**
 * The agent-state hook (`node hook.cjs agent-state`, on UserPromptSubmit, Stop, Notification,
 * SessionStart and SessionEnd): records what the event means for the session whose worktree
 * holds the hook's cwd. The session is found from git's own files and the project config, with
 * no git process and no manifest read, so the hook costs little more than node's start-up and
 * never waits on a lock. It writes one file in the sessions folder and prints nothing.
 */
import { now } from '../../lib/clock.js';
import { launchingProcess } from '../../lib/process.js';
import { agentChange, agentRecord, supersedes, type AgentHookInput } from '../../core/agent-state.js';
import { readAgentState, writeAgentState } from '../../store/agent-state.js';
import { sessionOfFolder } from '../../workspace/session-of-folder.js';

export function recordAgentState(input: AgentHookInput, cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const change = agentChange(input);
  if (!change) return;
  const session = sessionOfFolder(cwd);
  if (!session) return;
  const current = change.state === 'gone' ? readAgentState(session.sessionsDir, session.id) : null;
  if (!supersedes(change, current)) return;
  writeAgentState(session.sessionsDir, agentRecord(session.id, change, now(env), launchingProcess()));
}
