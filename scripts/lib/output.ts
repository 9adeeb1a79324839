/** Human output: short lines, a mark at the start, colour only for a terminal without NO_COLOR. */
export interface Styles {
  ok(text: string): string;
  warn(text: string): string;
  bad(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const plain: Styles = { ok: (t) => t, warn: (t) => t, bad: (t) => t, dim: (t) => t, bold: (t) => t };
const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const coloured: Styles = { ok: wrap(32, 39), warn: wrap(33, 39), bad: wrap(31, 39), dim: wrap(2, 22), bold: wrap(1, 22) };

export function stylesFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Styles {
  return stream.isTTY && !env.NO_COLOR && env.TERM !== 'dumb' ? coloured : plain;
}

export const MARK = { done: '✓', warn: '!', fail: '✗', info: '-' } as const;
