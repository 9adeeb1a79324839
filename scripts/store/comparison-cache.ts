/**
 * What is known of each session tip against its base tip, kept in `<sessions>/.tip-comparisons.json` by both
 * commits: how many commits each has that the other lacks, the files the session changed since it forked, and
 * the prediction of merging it. Each is a function of the two commits alone, so a pair that has not moved since
 * status or a hook last compared it is not compared again by git. Status and the context hooks share this one
 * file: what either learnt, the other reuses.
 *
 * Besides the two commits, a prediction depends only on how the repository merges: its config and attribute files
 * (a merge driver such as `merge=union`). Their sizes and times are recorded with the comparisons, and a change of
 * any drops the predictions (the counts and files stand). The file is read size-capped and never through a symlink;
 * one that cannot be read, or is not exactly ours (another format or project, an entry of the wrong shape), counts
 * as empty. It is written only when this run learnt something, atomically, never through or over a symlink, and
 * only into a sessions folder that exists: status never creates it, and a failed write is ignored. It keeps the
 * pairs this run used, then the newest others, up to a number the caller sets from the count of sessions.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { readBoundedText, writeConfinedFile } from '../lib/safe-fs.js';

export const COMPARISON_CACHE_FILE = '.tip-comparisons.json';
const FORMAT = 'flight-rules tip comparisons';
const VERSION = 1;
const MAX_BYTES = 8 * 1024 * 1024;
/** A session that changed more files than this is compared afresh each time rather than kept. */
const MAX_PATHS = 20_000;
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** What status shows of a prediction. */
export interface MergeOutcome {
  clean: boolean;
  conflicts: string[];
}

/** What is known of one session tip against one base tip; each part is there once it was learnt. */
export interface TipComparison {
  /** Commits the session has that the base lacks, and the reverse. */
  counts?: { ahead: number; behind: number };
  /** The files the session changed since it forked from the base. */
  files?: string[];
  /** Merging the session into the base, as merge-tree predicted it. */
  merge?: MergeOutcome;
}

export interface ComparisonCache {
  /** What was learnt before for exactly these two commits; empty when nothing was. */
  get(base: string, tip: string): TipComparison;
  /** Adds what this run learnt for these two commits. */
  learn(base: string, tip: string, learnt: TipComparison): void;
  /** Writes the file if this run learnt something: the pairs this run used last, after the newest others, `keep` in all. */
  save(keep: number): void;
}

/** Where the file is, and what decides whether its predictions hold. */
export interface ComparisonPlace {
  sessionsDir: string;
  /** The project's name (the main checkout's folder name): a file of another project is not ours. */
  project: string;
  mainCheckout: string;
  /** The repository's common git dir, whose config says how it merges. */
  commonDir: string;
}

/** How many pairs to keep for a project of `sessions` sessions: a few per session, for the tips each had lately. */
export const comparisonsToKeep = (sessions: number) => 4 * (sessions + 1) + 16;

const keyOf = (base: string, tip: string) => `${base} ${tip}`;

function stamp(path: string): string {
  try {
    const stat = lstatSync(path);
    return `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  } catch {
    return 'none';
  }
}

/** How the repository merges, as far as the files that say so show it. */
function mergeSettings(commonDir: string, mainCheckout: string): string {
  return [join(commonDir, 'config'), join(commonDir, 'info', 'attributes'), join(mainCheckout, '.gitattributes')]
    .map(stamp)
    .join(' ');
}

const isCount = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isPathList = (value: unknown, max: number): value is string[] =>
  Array.isArray(value) && value.length <= max && value.every((path) => typeof path === 'string' && path.length > 0);

function isOutcome(value: unknown): value is MergeOutcome {
  if (typeof value !== 'object' || value === null) return false;
  const { clean, conflicts } = value as Record<string, unknown>;
  if (typeof clean !== 'boolean' || !isPathList(conflicts, MAX_PATHS)) return false;
  return clean ? conflicts.length === 0 : true;
}

/** One kept entry, checked part by part; null when any part is not what this file holds. */
function parseEntry(value: unknown): TipComparison | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { counts, files, merge, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return null;
  const entry: TipComparison = {};
  if (counts !== undefined) {
    if (typeof counts !== 'object' || counts === null) return null;
    const { ahead, behind } = counts as Record<string, unknown>;
    if (!isCount(ahead) || !isCount(behind)) return null;
    entry.counts = { ahead: ahead as number, behind: behind as number };
  }
  if (files !== undefined) {
    if (!isPathList(files, MAX_PATHS)) return null;
    entry.files = [...files];
  }
  if (merge !== undefined) {
    if (!isOutcome(merge)) return null;
    entry.merge = { clean: merge.clean, conflicts: [...merge.conflicts] };
  }
  return entry;
}

/** The entries of a file that is exactly ours for this project and these settings; null for anything else. */
export function parseComparisonCache(
  text: string,
  project: string,
  settings: string,
): Map<string, TipComparison> | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return null;
  const { format, version, project: owner, settings: recorded, comparisons } = doc as Record<string, unknown>;
  if (format !== FORMAT || version !== VERSION || owner !== project) return null;
  // Merged under other settings, a prediction may no longer hold; the counts and the files still do.
  const predictionsHold = recorded === settings;
  if (typeof comparisons !== 'object' || comparisons === null || Array.isArray(comparisons)) return null;
  const entries = new Map<string, TipComparison>();
  for (const [key, value] of Object.entries(comparisons)) {
    const [base = '', tip = '', ...rest] = key.split(' ');
    const entry = parseEntry(value);
    if (rest.length > 0 || !OBJECT_ID.test(base) || !OBJECT_ID.test(tip) || !entry) return null;
    if (!predictionsHold) delete entry.merge;
    entries.set(key, entry);
  }
  return entries;
}

/** A copy the caller may change; by hand, as structuredClone costs a hook some 10 µs a session. */
const copy = (entry: TipComparison): TipComparison => ({
  ...(entry.counts ? { counts: { ...entry.counts } } : {}),
  ...(entry.files ? { files: [...entry.files] } : {}),
  ...(entry.merge ? { merge: { clean: entry.merge.clean, conflicts: [...entry.merge.conflicts] } } : {}),
});

export function openComparisonCache(place: ComparisonPlace): ComparisonCache {
  const path = join(place.sessionsDir, COMPARISON_CACHE_FILE);
  const settings = mergeSettings(place.commonDir, place.mainCheckout);
  let stored: Map<string, TipComparison> = new Map();
  try {
    const text = readBoundedText(path, MAX_BYTES);
    if (text !== null) stored = parseComparisonCache(text, place.project, settings) ?? new Map();
  } catch {
    /* a symlink, a folder, a FIFO or a file too large: not ours, not read */
  }
  // In the order they will be written: what this run used moves to the end.
  const entries = new Map(stored);
  const touch = (key: string, entry: TipComparison) => {
    entries.delete(key);
    entries.set(key, entry);
  };
  let learnt = false;
  return {
    get(base, tip) {
      const key = keyOf(base, tip);
      const entry = entries.get(key);
      if (!entry) return {};
      touch(key, entry);
      return copy(entry);
    },
    learn(base, tip, found) {
      const key = keyOf(base, tip);
      const entry = entries.get(key) ?? {};
      if (found.counts) entry.counts = { ...found.counts };
      if (found.files && found.files.length <= MAX_PATHS) entry.files = [...found.files];
      if (found.merge) entry.merge = { clean: found.merge.clean, conflicts: [...found.merge.conflicts] };
      touch(key, entry);
      learnt = true;
    },
    save(keep) {
      if (!learnt) return;
      try {
        if (!lstatSync(place.sessionsDir).isDirectory()) return;
        const comparisons = Object.fromEntries([...entries].slice(-Math.max(1, keep)));
        writeConfinedFile(
          place.sessionsDir,
          COMPARISON_CACHE_FILE,
          `${JSON.stringify({ format: FORMAT, version: VERSION, project: place.project, settings, comparisons })}\n`,
        );
        learnt = false;
      } catch {
        /* no sessions folder, or the name is taken by something that is not ours to write over: the next run compares again */
      }
    },
  };
}
