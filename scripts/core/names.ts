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

export const MAX_GOAL_LENGTH = 2000;
export const MAX_GOALS = 100;

/**
 * Goals are free text that ends up in the manifest, the session log and PR titles. Any text
 * is safe there (it never reaches a shell), but terminal control characters are not text.
 */
export function goalProblem(goal: string): string | null {
  if (goal.length > MAX_GOAL_LENGTH) return `a goal is ${goal.length} characters long; the limit is ${MAX_GOAL_LENGTH}`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(goal)) return 'a goal contains control characters (only newlines and tabs are allowed)';
  return null;
}
