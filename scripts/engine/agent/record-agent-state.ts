/**
 * The agent-state hook (`node hook.mjs agent-state`, on UserPromptSubmit, Stop, Notification,
 * SessionStart and SessionEnd): records what the event means for the session whose worktree
 * holds the hook's cwd. The session is found from git's own files and the project config, with
 * no git process and no manifest read, so the hook costs little more than node's start-up and
 * never waits on a lock. It writes one file in the sessions folder and prints nothing.
 */
import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { now } from '../../lib/clock.js';
import { launchingProcess } from '../../lib/process.js';
import { realPathAllowMissing } from '../../lib/safe-fs.js';
import { agentChange, agentRecord, supersedes, type AgentHookInput } from '../../core/agent-state.js';
import { sessionNameProblem } from '../../core/names.js';
import { isDirectlyInside, sessionsDirFor } from '../../core/paths.js';
import { mainCheckoutFromFiles, worktreeFromFiles } from '../../git/repo.js';
import { readAgentState, writeAgentState } from '../../store/agent-state.js';
import { loadConfig } from '../../store/config-file.js';

export interface FolderSession {
  id: string;
  sessionsDir: string;
  mainCheckout: string;
}

/** The session whose worktree (directly inside the sessions folder) holds `folder`; null anywhere else. */
export function sessionOfFolder(folder: string): FolderSession | null {
  const files = worktreeFromFiles(realpathSync(folder));
  if (!files) return null;
  const mainCheckout = mainCheckoutFromFiles(files.commonDir);
  if (!mainCheckout || files.toplevel === mainCheckout) return null;
  const sessionsDir = realPathAllowMissing(sessionsDirFor(mainCheckout, loadConfig(mainCheckout).sessionsDir));
  if (!isDirectlyInside(sessionsDir, files.toplevel)) return null;
  const id = basename(files.toplevel);
  return sessionNameProblem(id) === null ? { id, sessionsDir, mainCheckout } : null;
}

export function recordAgentState(input: AgentHookInput, cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const change = agentChange(input);
  if (!change) return;
  const session = sessionOfFolder(cwd);
  if (!session) return;
  const current = change.state === 'gone' ? readAgentState(session.sessionsDir, session.id) : null;
  if (!supersedes(change, current)) return;
  writeAgentState(session.sessionsDir, agentRecord(session.id, change, now(env), launchingProcess()));
}
