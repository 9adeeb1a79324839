/** Ages for people, in one place: short for table cells ("5m ago", "2h ago"), in words for sentences ("2 days"). */
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

/** An age in words, for sentences: "under a minute", "5 minutes", "1 hour", "2 days". */
export function ageInWords(seconds: number): string {
  const units: Array<[number, string]> = [
    [DAY / 1000, 'day'],
    [HOUR / 1000, 'hour'],
    [MINUTE / 1000, 'minute'],
  ];
  for (const [size, name] of units) {
    const count = Math.floor(seconds / size);
    if (count >= 1) return `${count} ${name}${count === 1 ? '' : 's'}`;
  }
  return 'under a minute';
}

/** A duration for a table cell or a status line: "<1 min", "12 min", "3 h", "2 d". */
export function shortDuration(ms: number): string {
  if (Number.isNaN(ms) || ms < MINUTE) return '<1 min';
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min`;
  if (ms < 2 * DAY) return `${Math.floor(ms / HOUR)} h`;
  return `${Math.floor(ms / DAY)} d`;
}
