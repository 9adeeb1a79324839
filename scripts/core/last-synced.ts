/** The session log's "Last synced with base" line, rewritten by `session sync`. */
import { humanTimestamp } from './session-log.js';

const LINE = /^\*\*Last synced with base:\*\*.*$/m;
const BRANCH_LINE = /^\*\*Branch:\*\*.*$/m;

/** The log with the line set to `date`; added after the Branch line when missing; null when there is no place for it. */
export function withLastSynced(log: string, date: Date): string | null {
  const line = `**Last synced with base:** ${humanTimestamp(date)}`;
  if (LINE.test(log)) return log.replace(LINE, line);
  if (BRANCH_LINE.test(log)) return log.replace(BRANCH_LINE, (branch) => `${branch}\n${line}`);
  return null;
}
