/** Relative ages for people: "just now", "5m ago", "2h ago", "3d ago". */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function ageMs(from: Date | string, now: Date): number {
  return now.getTime() - new Date(from).getTime();
}

/**
 * Minutes below an hour, hours below two days, days beyond: precise where it matters and
 * short everywhere. A time in the future (clock skew between hosts) reads "just now".
 */
export function relativeAge(from: Date | string, now: Date): string {
  const ms = ageMs(from, now);
  if (Number.isNaN(ms)) return '-';
  if (ms < MINUTE) return 'just now';
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)}m ago`;
  if (ms < 2 * DAY) return `${Math.floor(ms / HOUR)}h ago`;
  return `${Math.floor(ms / DAY)}d ago`;
}

export function olderThanDays(from: Date | string, now: Date, days: number): boolean {
  return ageMs(from, now) > days * DAY;
}

export function wholeDays(from: Date | string, now: Date): number {
  return Math.floor(ageMs(from, now) / DAY);
}
