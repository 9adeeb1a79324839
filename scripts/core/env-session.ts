/** The worktree's .env.session: the session's own port block, id and a database name. */
import type { PortBlock } from './manifest-types.js';

export const ENV_SESSION_FILE = '.env.session';

/** `<project>_<session>_dev`, kept to [a-z0-9_] so it is a valid name in every database. */
export function databaseName(project: string, session: string): string {
  const clean = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '');
  const name = [clean(project) || 'project', clean(session), 'dev'].join('_');
  return (/^[0-9]/.test(name) ? `db_${name}` : name).slice(0, 63);
}

export function renderEnvSession(facts: { project: string; session: string; port: PortBlock | null }): string {
  const lines = [
    `# Written by flight-rules for parallel session "${facts.session}". Not committed (listed in .git/info/exclude).`,
    '# Source it, or point your dev server at it, so sessions never fight over ports or databases.',
    `SESSION_ID=${facts.session}`,
  ];
  if (facts.port) {
    lines.push(
      `PORT=${facts.port.base}`,
      `PORT_RANGE_START=${facts.port.base}`,
      `PORT_RANGE_END=${facts.port.base + facts.port.count - 1}`,
    );
  }
  lines.push(`DATABASE_NAME=${databaseName(facts.project, facts.session)}`);
  return `${lines.join('\n')}\n`;
}

/** Reads the port block back out of a .env.session, so a lost manifest entry can be rebuilt. */
export function parseEnvSessionPort(text: string): PortBlock | null {
  const value = (key: string) => Number(new RegExp(`^${key}=(\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  const start = value('PORT_RANGE_START');
  const end = value('PORT_RANGE_END');
  return Number.isInteger(start) && Number.isInteger(end) && end >= start
    ? { base: start, count: end - start + 1 }
    : null;
}
