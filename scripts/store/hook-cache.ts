/**
 * What the context hooks learnt about the sessions and may reuse on the next run, in
 * `<sessions folder>/.hook-cache.json`. Every entry is keyed by the content ids (and, for an
 * index, the file identity and checksum) that decide it, never by a name or a time, so an
 * entry can be missing but never stale:
 *
 * - trees: a commit to its root tree;
 * - staged: "<HEAD commit> <index identity>" to the paths the index holds against HEAD;
 * - layouts: an index identity (see git/index-file.ts) to that index's layout, kept in a file of
 *   their own, `.hook-layouts.json`: they are most of what is kept, and a run that takes every
 *   answer from the kept ones reads no index, so it does not read them either;
 * - answers: "<worktree>\0<path>" to whether that path is changed, uncommitted, in that
 *   worktree, with the versions of the files the answer rests on (engine/hook/kept-answers.ts),
 *   each named by its stat data once it has settled (core/settled-stat.ts);
 * - manifest: the manifest's text as last found valid, so that the same bytes are not checked
 *   against the schema again.
 *
 * Each file is read when one of its kinds is first asked for. A hook run that learnt something
 * rewrites the file it went into (through a temporary file and a rename, never through or over a
 * symlink); a file that is not one this module wrote, or cannot be read, is an empty cache, and
 * an entry of the wrong shape is no entry. The entries this run used and then the newest others
 * are kept, a few per session, so the files stay small.
 * Nothing in git is written. What they learn of a session tip against its base tip (the files
 * changed since the fork, how far behind it is) they keep with status's, in store/comparison-cache.ts.
 */
import { join } from 'node:path';
import type { CacheTreeRoot, IndexLayout } from '../core/git-index.js';
import { readBoundedText, writeConfinedFile } from '../lib/safe-fs.js';

export const HOOK_CACHE_FILE = '.hook-cache.json';
export const HOOK_LAYOUTS_FILE = '.hook-layouts.json';
const MAX_CACHE_BYTES = 32 * 1024 * 1024;
/** 4: the layouts moved to their own file. */
const FORMAT = 4;

/** An uncommitted-change answer for one path in one worktree, and the versions it rests on (engine/hook/kept-answers.ts). */
export interface KeptAnswer {
  /** Keys of `<worktree>/.git`, `<gitDir>/index` and, for an answer that asked HEAD, `<gitDir>/HEAD`. */
  gitFile: string;
  gitDir: string;
  index: string;
  head: string | null;
  /** The branch HEAD named, and its commit, when HEAD was asked; a detached HEAD's commit is in the file. */
  headBranch: string | null;
  headCommit: string | null;
  /** The path's disk facts (core/path-change.ts, settledDiskKey). */
  disk: string;
  changed: boolean;
}

interface Kinds {
  trees: string;
  staged: string[];
  layouts: IndexLayout;
  manifest: string;
  answers: KeptAnswer;
}
type Kind = keyof Kinds;
const KINDS: Kind[] = ['trees', 'staged', 'layouts', 'manifest', 'answers'];
type CacheFile = typeof HOOK_CACHE_FILE | typeof HOOK_LAYOUTS_FILE;
const FILE_OF: Record<Kind, CacheFile> = {
  trees: HOOK_CACHE_FILE,
  staged: HOOK_CACHE_FILE,
  layouts: HOOK_LAYOUTS_FILE,
  manifest: HOOK_CACHE_FILE,
  answers: HOOK_CACHE_FILE,
};
/** Answers are kept per session and path: room for the handful of files an agent goes back and forth between. */
const KEEP_FACTOR: Record<Kind, number> = { trees: 1, staged: 1, layouts: 1, manifest: 1, answers: 2 };

const isString = (value: unknown): value is string => typeof value === 'string';
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);
const isOffset = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

function isCacheTree(value: unknown): value is CacheTreeRoot | null {
  if (value === null) return true;
  const tree = value as CacheTreeRoot;
  return typeof tree === 'object' && typeof tree.valid === 'boolean' && (tree.oid === null || isString(tree.oid));
}

function isLayout(value: unknown): value is IndexLayout {
  const layout = value as IndexLayout;
  return (
    typeof layout === 'object' &&
    layout !== null &&
    [2, 3, 4].includes(layout.version) &&
    (layout.hashBytes === 20 || layout.hashBytes === 32) &&
    isOffset(layout.count) &&
    isOffset(layout.entriesEnd) &&
    isString(layout.checksum) &&
    Array.isArray(layout.offsets) &&
    layout.offsets.every(isOffset) &&
    isStringArray(layout.paths) &&
    layout.paths.length === layout.offsets.length &&
    isStringArray(layout.previous) &&
    layout.previous.length === (layout.version === 4 ? layout.offsets.length : 0) &&
    isStringArray(layout.submodules) &&
    isStringArray(layout.attributes) &&
    isStringArray(layout.unsupported) &&
    isCacheTree(layout.cacheTree)
  );
}

const isStringOrNull = (value: unknown): value is string | null => value === null || isString(value);

function isKeptAnswer(value: unknown): value is KeptAnswer {
  const kept = value as KeptAnswer;
  return (
    typeof kept === 'object' &&
    kept !== null &&
    isString(kept.gitFile) &&
    isString(kept.gitDir) &&
    isString(kept.index) &&
    isStringOrNull(kept.head) &&
    isStringOrNull(kept.headBranch) &&
    isStringOrNull(kept.headCommit) &&
    (kept.head === null) === (kept.headCommit === null) &&
    isString(kept.disk) &&
    typeof kept.changed === 'boolean'
  );
}

const VALID: { [K in Kind]: (value: unknown) => value is Kinds[K] } = {
  trees: isString,
  staged: isStringArray,
  layouts: isLayout,
  manifest: isString,
  answers: isKeptAnswer,
};

const perKind = <T>(make: () => T): Record<Kind, T> =>
  Object.fromEntries(KINDS.map((kind) => [kind, make()])) as Record<Kind, T>;

export class HookCache {
  /** Entries as read, checked on first use: most runs use few of them. */
  private readonly maps = perKind(() => new Map<string, unknown>());
  private readonly checked = perKind(() => new Set<string>());
  private readonly used = perKind(() => new Set<string>());
  private readonly read = new Set<CacheFile>();
  private readonly dirty = new Set<CacheFile>();

  constructor(private readonly sessionsDir: string) {}

  get<K extends Kind>(kind: K, key: string): Kinds[K] | undefined {
    this.readFileOf(kind);
    const map = this.maps[kind];
    const value = map.get(key);
    if (value === undefined) return undefined;
    if (!this.checked[kind].has(key)) {
      if (!VALID[kind](value)) {
        map.delete(key);
        return undefined;
      }
      this.checked[kind].add(key);
    }
    this.used[kind].add(key);
    return value as Kinds[K];
  }

  set<K extends Kind>(kind: K, key: string, value: Kinds[K]): void {
    this.readFileOf(kind);
    this.maps[kind].delete(key);
    this.maps[kind].set(key, value);
    this.checked[kind].add(key);
    this.used[kind].add(key);
    this.dirty.add(FILE_OF[kind]);
  }

  /** The file holding this kind, read once: a file that cannot be read, or is not one this module wrote, holds nothing. */
  private readFileOf(kind: Kind): void {
    const file = FILE_OF[kind];
    if (this.read.has(file)) return;
    this.read.add(file);
    try {
      const text = readBoundedText(join(this.sessionsDir, file), MAX_CACHE_BYTES);
      if (text === null) return;
      const data = JSON.parse(text) as { format?: unknown } & Partial<Record<Kind, unknown>>;
      if (typeof data !== 'object' || data === null || data.format !== FORMAT) return;
      for (const kind of KINDS) {
        const entries = data[kind];
        if (FILE_OF[kind] !== file || typeof entries !== 'object' || entries === null || Array.isArray(entries))
          continue;
        for (const [key, value] of Object.entries(entries)) this.maps[kind].set(key, value);
      }
    } catch {
      /* a cache that cannot be read is an empty one */
    }
  }

  /** Writes each file this run added to: what this run used last, then the newest others, up to `keep` of each kind (answers: twice that). */
  save(keep: number): void {
    for (const file of this.dirty) this.write(file, keep);
  }

  /** save(), for a hook: a file that cannot be written (a symlink in its place, a full disk) is only a saving lost. */
  saveQuietly(keep: number): void {
    for (const file of this.dirty) {
      try {
        this.write(file, keep);
      } catch {
        /* the answer stands without it */
      }
    }
  }

  private write(file: CacheFile, keep: number): void {
    const out: Record<string, unknown> = { format: FORMAT };
    for (const kind of KINDS) {
      if (FILE_OF[kind] !== file) continue;
      const map = this.maps[kind];
      const kept = [...map.keys()].filter((key) => !this.used[kind].has(key) && VALID[kind](map.get(key)));
      const order = [...kept, ...[...this.used[kind]].filter((key) => map.has(key))].slice(-keep * KEEP_FACTOR[kind]);
      out[kind] = Object.fromEntries(order.map((key) => [key, map.get(key)]));
    }
    writeConfinedFile(this.sessionsDir, file, `${JSON.stringify(out)}\n`);
    this.dirty.delete(file);
  }
}

/** The sessions folder's hook cache, its files read as they are needed; empty where there are none or they cannot be used. */
export function readHookCache(sessionsDir: string): HookCache {
  return new HookCache(sessionsDir);
}
