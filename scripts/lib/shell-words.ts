/**
 * POSIX shell quoting, in one place: zx uses it to quote every value the helper passes to a
 * process, and printed commands use it so that a path with spaces can be pasted as it is.
 * Plain words stay unquoted so that printed commands remain readable.
 */
export function shellQuote(value: unknown): string {
  const text = String(value);
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(words: string[]): string {
  return words.map(shellQuote).join(' ');
}
