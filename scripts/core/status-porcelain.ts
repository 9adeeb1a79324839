/** Parsing of `git status --porcelain=v1 -z`. */
export interface StatusEntry {
  /** Two-letter XY code, e.g. " M", "A ", "??". */
  code: string;
  path: string;
  /** For renames and copies, the path it came from. */
  from?: string;
  /** A change `git status` does not show, because the index entry is marked (core/hidden-entries.ts). */
  hiddenBy?: 'assume-unchanged' | 'skip-worktree';
}

export function parseStatus(output: string): StatusEntry[] {
  const fields = output.split('\0');
  const entries: StatusEntry[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.length < 4) continue;
    const code = field.slice(0, 2);
    const entry: StatusEntry = { code, path: field.slice(3) };
    if (code[0] === 'R' || code[0] === 'C') entry.from = fields[++i];
    entries.push(entry);
  }
  return entries;
}

export const isUntracked = (entry: StatusEntry) => entry.code === '??';
export const isIgnored = (entry: StatusEntry) => entry.code === '!!';
export const isTrackedChange = (entry: StatusEntry) => !isUntracked(entry) && !isIgnored(entry);

/** `M  src/a.ts` style, as git prints it, for refusal messages. */
export function formatStatusEntry(entry: StatusEntry): string {
  const line = entry.from ? `${entry.code} ${entry.from} -> ${entry.path}` : `${entry.code} ${entry.path}`;
  return entry.hiddenBy ? `${line} (marked ${entry.hiddenBy}, so git status does not show it)` : line;
}

/** A status entry is the pack's own file when it is listed in packFiles, or lies below a listed folder (trailing /). */
export function isPackFile(path: string, packFiles: readonly string[]): boolean {
  return packFiles.some((pack) => (pack.endsWith('/') ? path.startsWith(pack) || `${path}/` === pack : path === pack));
}

/** The session's own uncommitted work: every change except untracked files the pack put there. */
export function sessionWork(entries: StatusEntry[], packFiles: readonly string[] = []): StatusEntry[] {
  return entries.filter((entry) => !(isUntracked(entry) && isPackFile(entry.path, packFiles)));
}
