/** The session log stub written into a new worktree, in the Flight Rules layout. */
import { oneLine, shortSha } from './format.js';
export const SESSION_LOG_DIR = 'docs/session_logs';

const pad = (value: number) => String(value).padStart(2, '0');

/** Local time, as Flight Rules names its logs: YYYYMMDD_HHMM. */
export function logTimestamp(date: Date): string {
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}_${pad(date.getHours())}${pad(date.getMinutes())}`;
}

export function humanTimestamp(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * docs/session_logs/YYYYMMDD_HHMM_<name>_session.md; the name makes it unique among live
 * sessions, and a numeric suffix keeps it unique against logs already on the branch.
 */
export function sessionLogPath(date: Date, name: string, exists: (path: string) => boolean): string {
  const stem = `${SESSION_LOG_DIR}/${logTimestamp(date)}_${name}`;
  let candidate = `${stem}_session.md`;
  for (let n = 2; exists(candidate); n++) candidate = `${stem}_${n}_session.md`;
  return candidate;
}

export interface SessionLogFacts {
  name: string;
  goals: string[];
  /** As stored in the manifest: relative to the main checkout. */
  worktree: string;
  branch: string;
  baseBranch: string;
  baseCommit: string;
  startedAt: Date;
  /** The plan agreed with the user, as they wrote it; null when not given yet. */
  plan?: string | null;
}

/**
 * The sections of every session log, standard or parallel, in order: this stub writes them, and
 * the template in /dev-session.start (for a standard session) lists the same (a test holds them together).
 */
export const SESSION_LOG_HEADINGS = ['Goals', 'Plan', 'Work log', 'Summary', 'Learnings'] as const;

export function renderSessionLogStub(facts: SessionLogFacts): string {
  const goals = facts.goals.length > 0 ? facts.goals.map((goal) => `- ${oneLine(goal)}`) : ['- _To be agreed._'];
  const started = humanTimestamp(facts.startedAt);
  const atEnd = '_Written at /dev-session.end._';
  const body: Record<(typeof SESSION_LOG_HEADINGS)[number], string | null> = {
    Goals: goals.join('\n'),
    Plan: facts.plan ? planText(facts.plan) : '_Agreed with the user before coding._',
    'Work log': null,
    Summary: atEnd,
    Learnings: atEnd,
  };
  return [
    `# Session: ${facts.name}`,
    '',
    `**Started:** ${started}`,
    `**Worktree:** ${facts.worktree}`,
    `**Branch:** ${facts.branch} (from ${facts.baseBranch} at ${shortSha(facts.baseCommit)})`,
    `**Last synced with base:** ${started}`,
    '',
    ...SESSION_LOG_HEADINGS.flatMap((heading) => [`## ${heading}`, '', ...(body[heading] ? [body[heading], ''] : [])]),
  ].join('\n');
}

/**
 * The plan as the user agreed it: its own lines, kept, but no line may start a heading, so the
 * log keeps its layout whatever the plan says.
 */
export function planText(plan: string): string {
  return plan
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/\s+$/, '').replace(/^(\s*)#/, '$1\\#'))
    .join('\n')
    .trim();
}
