/**
 * Sessions that start from a GitHub issue or pull request: the references start takes, what
 * `gh ... view --json` prints, and what it proposes from it (a name from the title, goals from
 * the title and the body's open checklist items). Pure: gh runs in engine/start/github.ts.
 */
import { UsageError } from '../lib/errors.js';
import { MAX_GOAL_BYTES, MAX_GOALS, MAX_GOALS_BYTES, MAX_SESSION_NAME_LENGTH, suggestSessionName } from './names.js';

export interface GitHubIssue {
  number: number;
  url: string;
  title: string;
  body: string;
}

export interface GitHubPr extends GitHubIssue {
  /** The branch the PR merges from, in the head repository. */
  headRefName: string;
  baseRefName: string;
  /** From a fork: its branch is not in this repository. */
  isCrossRepository: boolean;
  state: string;
}

/** A number, `#42`, or the issue's or PR's web address (`https://github.com/<owner>/<repo>/issues/42`): what gh takes. */
export function parseGitHubRef(value: string, kind: 'issue' | 'pr'): string {
  const trimmed = value.trim();
  if (/^#?[1-9]\d{0,9}$/.test(trimmed)) return trimmed.replace(/^#/, '');
  const path = kind === 'issue' ? 'issues' : 'pull';
  if (
    new RegExp(`^https://[A-Za-z0-9.-]+(:\\d+)?/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/${path}/[1-9]\\d{0,9}/?$`).test(trimmed)
  )
    return trimmed;
  const flag = kind === 'issue' ? '--issue' : '--pr';
  throw new UsageError(
    `invalid ${flag} ${JSON.stringify(value)}: expected a number${kind === 'issue' ? ' or an issue URL' : ' or a pull request URL'}`,
    `Pass ${flag} 42, or ${flag} https://github.com/<owner>/<repo>/${path}/42.`,
  );
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function json(text: string): Record<string, unknown> | null {
  try {
    const data: unknown = JSON.parse(text);
    return isObject(data) ? data : null;
  } catch {
    return null;
  }
}

/** What `gh issue view --json title,body,number,url` printed, or null when it is not an issue. */
export function parseIssueJson(text: string): GitHubIssue | null {
  const data = json(text);
  if (
    !data ||
    !Number.isInteger(data.number) ||
    (data.number as number) < 1 ||
    typeof data.url !== 'string' ||
    typeof data.title !== 'string'
  )
    return null;
  return {
    number: data.number as number,
    url: data.url,
    title: data.title,
    body: typeof data.body === 'string' ? data.body : '',
  };
}

/** What `gh pr view --json ...` printed, or null when it is not a pull request. */
export function parsePrJson(text: string): GitHubPr | null {
  const issue = parseIssueJson(text);
  const data = json(text);
  if (
    !issue ||
    !data ||
    typeof data.headRefName !== 'string' ||
    data.headRefName === '' ||
    typeof data.baseRefName !== 'string'
  )
    return null;
  return {
    ...issue,
    headRefName: data.headRefName,
    baseRefName: data.baseRefName,
    isCrossRepository: data.isCrossRepository === true,
    state: typeof data.state === 'string' ? data.state : 'OPEN',
  };
}

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Free text from GitHub as a goal can hold it: one line, no control or bidirectional characters, at most `maxBytes`. */
export function asGoal(text: string, maxBytes = MAX_GOAL_BYTES): string {
  let line = text.replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  if (Buffer.byteLength(line) <= maxBytes) return line;
  while (Buffer.byteLength(`${line}…`) > maxBytes) line = [...line].slice(0, -1).join('');
  return `${line}…`;
}

/** The body's checklist items still open (`- [ ] …`); done ones (`- [x] …`) are not goals any more. */
export function openChecklistItems(body: string): string[] {
  return body
    .split(/\r?\n/)
    .map((line) => /^\s{0,3}[-*+]\s+\[ \]\s+(.+)$/.exec(line)?.[1])
    .filter((item): item is string => item !== undefined)
    .map((item) => asGoal(item))
    .filter(Boolean);
}

export interface Proposal {
  name: string;
  goals: string[];
}

/** The session start proposes: the title's slug as its name, the title and the open checklist items as goals, within the goal limits. */
export function proposeFrom(item: GitHubIssue, kind: 'issue' | 'pr'): Proposal {
  const name = suggestSessionName(item.title) || `${kind}-${item.number}`;
  const goals: string[] = [];
  let bytes = 0;
  for (const goal of [asGoal(item.title), ...openChecklistItems(item.body)]) {
    if (!goal || goals.includes(goal) || goals.length >= MAX_GOALS || bytes + Buffer.byteLength(goal) > MAX_GOALS_BYTES)
      continue;
    goals.push(goal);
    bytes += Buffer.byteLength(goal);
  }
  return { name: name.slice(0, MAX_SESSION_NAME_LENGTH).replace(/-+$/, ''), goals };
}

/** The PR body, with the line that closes the session's issue when it is not there yet. */
export function withClosingLine(body: string, issue: number): string {
  if (new RegExp(`\\b(close[sd]?|fix(e[sd])?|resolve[sd]?)\\s+#${issue}\\b`, 'i').test(body)) return body;
  return `${body.trimEnd()}\n\nCloses #${issue}\n`;
}
