/**
 * The agent state files: one `.agent-<id>.json` per session in the sessions folder, written by
 * the hooks and read by status and open. Never the manifest, so a hook never waits on its
 * lock. A write goes to a temporary file renamed into place, never through a symlink; a read
 * is size-capped, never through a symlink, and anything that is not a valid record reads as
 * no record.
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseAgentRecord, type AgentRecord } from '../core/agent-state.js';
import { readBoundedText, writeConfinedFile } from '../lib/safe-fs.js';

/** A record is a few hundred bytes. */
const MAX_AGENT_FILE_BYTES = 16 * 1024;

export function agentStateFile(id: string): string {
  return `.agent-${id}.json`;
}

export function agentStatePath(sessionsDir: string, id: string): string {
  return join(sessionsDir, agentStateFile(id));
}

/** The session's record, or null when there is none or it cannot be read as one. */
export function readAgentState(sessionsDir: string, id: string): AgentRecord | null {
  let text: string | null;
  try {
    text = readBoundedText(agentStatePath(sessionsDir, id), MAX_AGENT_FILE_BYTES);
  } catch {
    return null;
  }
  return text === null ? null : parseAgentRecord(text, id);
}

/** Replaces the session's record atomically; throws when the sessions folder or the file is not safe to write. */
export function writeAgentState(sessionsDir: string, record: AgentRecord): void {
  writeConfinedFile(sessionsDir, agentStateFile(record.session), `${JSON.stringify(record)}\n`);
}

/** Removes the record of a session that ended; a missing file, or one that is not a regular file, is left as it is. */
export function forgetAgentState(sessionsDir: string, id: string): void {
  const path = agentStatePath(sessionsDir, id);
  try {
    if (lstatSync(path).isFile()) unlinkSync(path);
  } catch {
    /* nothing there, or not ours to remove */
  }
}
