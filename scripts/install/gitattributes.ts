/**
 * Parallel sessions each append an entry to docs/progress.md; the union merge driver keeps both sides' lines, so
 * those appends merge without a conflict. Pure text in, text out.
 */
export const PROGRESS_UNION_LINE = 'docs/progress.md merge=union';

function hasUnionRule(text: string): boolean {
  return text.split('\n').some((line) => /^docs\/progress\.md\s(.*\s)?merge=union(\s|$)/.test(line.trim()));
}

/** null when the file already says it (the user's line counts too). */
export function addUnionLine(current: string | null): string | null {
  if (current !== null && hasUnionRule(current)) return null;
  const base = current ?? '';
  return `${base}${base === '' || base.endsWith('\n') ? '' : '\n'}${PROGRESS_UNION_LINE}\n`;
}

/** Removes the one line the install added; returns '' when nothing else is left. */
export function removeUnionLine(current: string): string {
  const lines = current.split('\n');
  const index = lines.findIndex((line) => line === PROGRESS_UNION_LINE);
  if (index === -1) return current;
  lines.splice(index, 1);
  const text = lines.join('\n');
  return text.trim() === '' ? '' : text;
}
