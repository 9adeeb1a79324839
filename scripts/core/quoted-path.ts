/**
 * Git prints a path that holds a control character, a double quote or a backslash in C-style
 * quotes ("a\tb", octal \303\251 for bytes when core.quotePath is on). Commands without a -z
 * output mode (check-ignore without --stdin) need this to read paths back exactly.
 */
const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

export function unquoteGitPath(text: string): string {
  if (!(text.length >= 2 && text.startsWith('"') && text.endsWith('"'))) return text;
  const bytes: number[] = [];
  const body = Buffer.from(text.slice(1, -1), 'utf8');
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    if (byte !== 92) {
      bytes.push(byte);
      continue;
    }
    const next = String.fromCharCode(body[i + 1] ?? 0);
    if (next in ESCAPES) {
      bytes.push(ESCAPES[next]!);
      i += 1;
    } else if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.subarray(i + 1, i + 4).toString('latin1'), 8));
      i += 3;
    } else {
      bytes.push(byte);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
