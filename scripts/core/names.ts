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
