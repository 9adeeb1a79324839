/** Session names become a folder name and part of a branch name, so they are kept to a safe slug. */
export const SESSION_NAME_RULE =
  'a session name is 1-64 characters of lowercase letters, digits and single hyphens, starting and ending with a letter or digit (e.g. auth-refactor)';

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_SESSION_NAME_LENGTH = 64;

/** Returns the problem with the name, or null when it is a valid session name. */
export function sessionNameProblem(name: string): string | null {
  if (name.length === 0) return 'the name is empty';
  if (name.length > MAX_SESSION_NAME_LENGTH) return `the name is ${name.length} characters long`;
  if (!SLUG.test(name)) return 'the name has characters other than lowercase letters, digits and single inner hyphens';
  return null;
}

/** Turns free text into a candidate slug, for suggestions in error messages. */
export function suggestSessionName(text: string): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SESSION_NAME_LENGTH)
    .replace(/-+$/g, '');
}

/**
 * Goals are a few lines each. The caps are in bytes, as stored: a thousand sessions with the
 * longest goals must still fit the manifest's size limit, whatever the script.
 */
export const MAX_GOAL_BYTES = 1000;
export const MAX_GOALS = 20;
export const MAX_GOALS_BYTES = 4000;

// C0 controls but newline and tab, DEL and C1 controls, and the bidirectional embeddings,
// overrides and isolates that make text read differently from what it holds.
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_GOALS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/**
 * Goals are free text that ends up in the manifest, the session log and PR titles. Any text
 * is safe there (it never reaches a shell), but terminal control characters are not text.
 */
export function goalProblem(goal: string): string | null {
  const bytes = Buffer.byteLength(goal);
  if (bytes > MAX_GOAL_BYTES) return `a goal is ${bytes} bytes long; the limit is ${MAX_GOAL_BYTES}`;
  if (UNSAFE_IN_GOALS.test(goal))
    return 'a goal contains control or bidirectional-override characters (only newlines and tabs are allowed)';
  return null;
}

export const MAX_PLAN_BYTES = 8000;

/** The plan is free text of a few lines, written into the session log stub. */
export function planProblem(plan: string): string | null {
  const bytes = Buffer.byteLength(plan);
  if (bytes > MAX_PLAN_BYTES) return `the plan is ${bytes} bytes long; the limit is ${MAX_PLAN_BYTES}`;
  if (UNSAFE_IN_GOALS.test(plan))
    return 'the plan contains control or bidirectional-override characters (only newlines and tabs are allowed)';
  return null;
}

/** The first problem with the goals taken together, or null. */
export function goalsProblem(goals: readonly string[]): string | null {
  if (goals.length > MAX_GOALS) return `${goals.length} goals given; the limit is ${MAX_GOALS}`;
  for (const goal of goals) {
    const problem = goalProblem(goal);
    if (problem) return problem;
  }
  const total = goals.reduce((sum, goal) => sum + Buffer.byteLength(goal), 0);
  if (total > MAX_GOALS_BYTES) return `the goals take ${total} bytes together; the limit is ${MAX_GOALS_BYTES}`;
  return null;
}

/** A Claude Code conversation id, as `${CLAUDE_SESSION_ID}` gives it: a UUID, or at least a plain token. */
export function claudeSessionProblem(id: string): string | null {
  return /^[A-Za-z0-9][A-Za-z0-9-]{0,99}$/.test(id)
    ? null
    : 'it is not a conversation id (letters, digits and hyphens, at most 100)';
}

/** The client, continuing a conversation when there is one. */
export function claudeArgv(claudeSession: string | null | undefined): string[] {
  return ['claude', ...(claudeSession ? ['--resume', claudeSession] : [])];
}

/** The line that opens a session: its worktree, and the conversation it came from when there is one. */
export function openCommand(
  worktree: string,
  claudeSession: string | null | undefined,
  quote: (words: string[]) => string,
): string {
  return `${quote(['cd', worktree])} && ${quote(claudeArgv(claudeSession))}`;
}
