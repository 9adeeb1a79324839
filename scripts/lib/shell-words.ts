/**
 * POSIX shell quoting, in one place: printed commands use it so that a path with spaces can be
 * pasted as it is. (Processes the helper starts get their arguments without a shell.)
 * Plain words stay unquoted so that printed commands remain readable.
 */
export function shellQuote(value: unknown): string {
  const text = String(value);
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(words: string[]): string {
  return words.map(shellQuote).join(' ');
}
