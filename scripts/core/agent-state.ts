/**
 * The agent working in a session, as Claude Code's hooks report it. What each hook event
 * records: a prompt submitted is `working`; the turn stopped, a conversation started or
 * resumed, or a notification asked for the user is `waiting`; the conversation ended is
 * `gone`. How status reads it later is in session-state.ts (classifyAgent). Pure.
 */
import { validateAgentState } from '../generated/validators.js';
import { claudeSessionProblem } from './names.js';

export const AGENT_EVENTS = ['UserPromptSubmit', 'Stop', 'Notification', 'SessionStart', 'SessionEnd'] as const;
export type AgentEvent = (typeof AGENT_EVENTS)[number];

/** What a hook writes. Status adds `idle` (no turn for a while) and `gone` (the client process ended). */
export type RecordedAgentState = 'working' | 'waiting' | 'gone';
export const AGENT_STATES = ['working', 'waiting', 'idle', 'gone'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/** The client process, as records name processes (lib/process.ts). */
export interface AgentClient {
  pid: number;
  host: string;
  since?: string;
}

/** One session's `.agent-<id>.json` (schemas/agent-state.schema.json). */
export interface AgentRecord {
  version: 1;
  session: string;
  state: RecordedAgentState;
  event: AgentEvent;
  at: string;
  conversation: string | null;
  message?: string;
  notificationType?: string;
  detail?: string;
  client?: AgentClient;
}

/** The fields of a hook's JSON input that matter here; anything else is ignored. */
export interface AgentHookInput {
  hook_event_name?: unknown;
  session_id?: unknown;
  message?: unknown;
  notification_type?: unknown;
  source?: unknown;
  reason?: unknown;
}

/** Notifications that tell the user something without waiting for them. */
const NOT_WAITING = new Set(['auth_success']);
/** Waits that block the agent part way through a turn: they never turn idle. */
export const BLOCKING_WAITS = new Set(['permission_prompt', 'elicitation_dialog']);

const MAX_MESSAGE = 300;
const MAX_WORD = 64;

/** Text from the client, on one line, without control characters, cut to `max`. */
function cleanText(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const text = value
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!text) return undefined;
  return [...text].length <= max ? text : `${[...text].slice(0, max - 1).join('')}…`;
}

/** A plain word (a source, a reason, a notification type); anything else is dropped. */
function cleanWord(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value.slice(0, MAX_WORD) : undefined;
}

export interface AgentChange {
  state: RecordedAgentState;
  event: AgentEvent;
  conversation: string | null;
  message?: string;
  notificationType?: string;
  detail?: string;
}

/**
 * What a hook event records, or null when it changes nothing: an event of another kind, a
 * notification that waits for no one, a SessionStart after compacting (the turn goes on).
 */
export function agentChange(input: AgentHookInput): AgentChange | null {
  const event = AGENT_EVENTS.find((name) => name === input.hook_event_name);
  if (!event) return null;
  const conversation =
    typeof input.session_id === 'string' && claudeSessionProblem(input.session_id) === null ? input.session_id : null;
  switch (event) {
    case 'UserPromptSubmit':
      return { state: 'working', event, conversation };
    case 'Stop':
      return { state: 'waiting', event, conversation };
    case 'Notification': {
      const notificationType = cleanWord(input.notification_type);
      if (notificationType && NOT_WAITING.has(notificationType)) return null;
      const message = cleanText(input.message, MAX_MESSAGE);
      return {
        state: 'waiting',
        event,
        conversation,
        ...(message ? { message } : {}),
        ...(notificationType ? { notificationType } : {}),
      };
    }
    case 'SessionStart': {
      const detail = cleanWord(input.source);
      if (detail === 'compact') return null;
      return { state: 'waiting', event, conversation, ...(detail ? { detail } : {}) };
    }
    case 'SessionEnd': {
      const detail = cleanWord(input.reason);
      return { state: 'gone', event, conversation, ...(detail ? { detail } : {}) };
    }
  }
}

/**
 * Whether `change` may replace what is recorded. A conversation's end never overwrites a
 * newer conversation's state (after /clear the old one ends as the new one starts, each in a
 * hook process of its own, in either order).
 */
export function supersedes(change: AgentChange, current: AgentRecord | null): boolean {
  if (!current || change.state !== 'gone') return true;
  return current.conversation === null || change.conversation === null || current.conversation === change.conversation;
}

export function agentRecord(session: string, change: AgentChange, at: Date, client: AgentClient | null): AgentRecord {
  return {
    version: 1,
    session,
    state: change.state,
    event: change.event,
    at: at.toISOString(),
    conversation: change.conversation,
    ...(change.message ? { message: change.message } : {}),
    ...(change.notificationType ? { notificationType: change.notificationType } : {}),
    ...(change.detail ? { detail: change.detail } : {}),
    ...(client ? { client } : {}),
  };
}

/** The record a file holds, or null when it is not one (another version, a hand edit, another session's). */
export function parseAgentRecord(text: string, session: string): AgentRecord | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!validateAgentState(data)) return null;
  const record = data as unknown as AgentRecord;
  return record.session === session && !Number.isNaN(Date.parse(record.at)) ? record : null;
}
