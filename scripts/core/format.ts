/** The small text forms every message shares, in one place so they read the same everywhere. */

/** `2026-01-15T10:00:00Z`: what the manifest, the history and the JSON store. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `20260115T100000Z`: sortable, and safe in a ref name or a file name. */
export function compactTimestamp(date: Date): string {
  return isoSeconds(date).replace(/[-:]/g, '');
}

/** The first 12 hex digits of a commit: enough to be unique, short enough to read. */
export function shortSha(sha: string): string {
  return sha.slice(0, 12);
}

/** Free text (a goal) on one line: any run of whitespace, line breaks included, is one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `a, b, c and 4 more`: an inline list that stays short. */
export function inlineList(items: readonly string[], max = 5): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** One item a line, indented, and `... and N more` past the limit: for lists inside a message. */
export function blockList(items: readonly string[], max = 20, indent = '  '): string {
  const shown = items.slice(0, max).map((item) => `${indent}${item}`);
  return [...shown, ...(items.length > max ? [`${indent}... and ${items.length - max} more`] : [])].join('\n');
}
