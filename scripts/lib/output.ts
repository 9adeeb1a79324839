/** Human output: short lines, each with a mark at the start. */
export const MARK = { done: '✓', warn: '!', fail: '✗', info: '-' } as const;
