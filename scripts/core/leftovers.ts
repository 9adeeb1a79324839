/**
 * What ended sessions leave behind, and which of it may go. Pure: the refs (one
 * for-each-ref), which of them each base holds, the history and the sessions folder's
 * listing are gathered elsewhere (engine/leftover-facts.ts). Status shows the result;
 * cleanup plans from it.
 *
 * - Branches with the session prefix that no registered session uses and no checkout holds:
 *   kept or pushed work. Never pruned unless every commit is in its base.
 * - Saved refs under refs/sessions/, grouped by the end that saved them (`<kind>/<name>/<time>`
 *   and everything saved beside it). A group may go when every ref in it is in the base, or
 *   when it is older than `savedRefsMaxAgeDays`, and never while a session of that name is
 *   registered or has a folder in the sessions folder.
 * - Setup and land-check logs (`<name>.setup.log`, `<name>.check.log`) and land-notice markers
 *   (`.<name>.heard`) of sessions that are neither registered nor have a folder.
 */
import { helper } from '../lib/invocation.js';
import { olderThanDays, relativeAge } from './age.js';
import type { EndedSession } from './history-records.js';
import { restorableTip } from './restore-plan.js';
import { sessionNameProblem } from './names.js';

export interface RefRow {
  ref: string;
  commit: string;
  /** Committer date, ISO. */
  date: string;
  upstream: string | null;
}

export interface LeftoverFacts {
  branchPrefix: string;
  /** The base for a session the history does not know: the configured base, else the main checkout's branch. */
  defaultBase: string | null;
  /** Every branch and every ref under refs/sessions/. */
  refs: readonly RefRow[];
  registered: ReadonlyArray<{ id: string; branch: string }>;
  /** Full branch refs that some worktree holds (checked out, or being rebased or bisected). */
  held: ReadonlySet<string>;
  /** Entries directly inside the sessions folder: worktree folders and files. */
  folderNames: ReadonlySet<string>;
  /** `<name>.setup.log` files (regular files) in the sessions folder. */
  setupLogs: readonly string[];
  /** The newest history record of each session. */
  history: ReadonlyMap<string, EndedSession>;
  /** For each base branch: the refs (full names) whose commit it holds. A base missing here is unknown. */
  mergedInto: ReadonlyMap<string, ReadonlySet<string>>;
  now: Date;
  maxAgeDays: number;
}

export interface LeftoverBranch {
  branch: string;
  session: string;
  tip: string;
  lastCommitAt: string;
  /** Relative age of the last commit, e.g. 3d ago. */
  lastCommitAge: string;
  base: string | null;
  /** Every commit is in the base; null when the base is unknown or gone. */
  merged: boolean | null;
  upstream: string | null;
  /** How the history says the session ended, if it knows it. */
  endedAs: string | null;
  restore: string | null;
}

export interface SavedSet {
  /** The ref the others are named after (the abandoned tip, or `refs/sessions/saved/<name>/<time>`). */
  base: string;
  kind: string;
  savedAt: string;
  age: string;
  refs: Array<{ ref: string; commit: string }>;
  /** Every ref in the set is held by the session's base branch. */
  merged: boolean;
  /** Why cleanup may delete it; null when it is kept. */
  prune: 'merged' | 'old' | null;
}

export interface SavedRefsLeftover {
  session: string;
  /** A session of that name is registered (or has a folder): its refs are never pruned. */
  inUse: boolean;
  base: string | null;
  sets: SavedSet[];
  refCount: number;
  newestAt: string;
  oldestAt: string;
}

export interface SetupLogLeftover {
  session: string;
  file: string;
}

export interface Restorable {
  session: string;
  strategy: string;
  endedAt: string;
  command: string;
}

export interface Leftovers {
  branches: LeftoverBranch[];
  savedRefs: SavedRefsLeftover[];
  setupLogs: SetupLogLeftover[];
  restorable: Restorable[];
  maxAgeDays: number;
}

const SAVED = /^refs\/sessions\/([^/]+)\/([^/]+)\/(\d{8}T\d{6}Z(?:-\d+)?)(?=$|[-/])/;

/** `20260115T100000Z` as an ISO time. */
function stampTime(stamp: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(stamp)!;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
}

/** The session, kind and set a saved ref belongs to; refs named otherwise form a set of their own. */
export function savedRefGroup(
  ref: string,
): { session: string; kind: string; base: string; stamp: string | null } | null {
  if (!ref.startsWith('refs/sessions/')) return null;
  const match = SAVED.exec(ref);
  if (match)
    return {
      kind: match[1]!,
      session: match[2]!,
      stamp: match[3]!,
      base: `refs/sessions/${match[1]}/${match[2]}/${match[3]}`,
    };
  const [, , kind = '', session = ''] = ref.split('/');
  return { kind, session: session || kind, stamp: null, base: ref };
}

const byTime = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function findLeftovers(facts: LeftoverFacts): Leftovers {
  const registeredIds = new Set(facts.registered.map((session) => session.id));
  const registeredBranches = new Set(facts.registered.map((session) => session.branch));
  const inUse = (session: string) => registeredIds.has(session) || facts.folderNames.has(session);
  const baseOf = (session: string) => facts.history.get(session)?.base.branch ?? facts.defaultBase;
  const mergedIn = (base: string | null, ref: string): boolean | null => {
    if (!base) return null;
    const merged = facts.mergedInto.get(base);
    return merged ? merged.has(ref) : null;
  };
  const branchTips = new Map(
    facts.refs
      .filter((row) => row.ref.startsWith('refs/heads/'))
      .map((row) => [row.ref.slice('refs/heads/'.length), row.commit]),
  );
  const savedCommits = new Map(
    facts.refs.filter((row) => row.ref.startsWith('refs/sessions/')).map((row) => [row.ref, row.commit]),
  );

  const restorable: Restorable[] = [];
  for (const [session, record] of [...facts.history].sort(([a], [b]) => byTime(a, b))) {
    if (inUse(session)) continue;
    const branchTip = branchTips.get(record.branch) ?? null;
    const found = restorableTip({
      record,
      branchTip,
      savedTip:
        record.savedAs === `refs/heads/${record.branch}`
          ? branchTip
          : record.savedAs
            ? (savedCommits.get(record.savedAs) ?? null)
            : null,
      headExists: false,
    });
    if (
      'reason' in found ||
      (branchTip && branchTip !== found.tip) ||
      (branchTip && facts.held.has(`refs/heads/${record.branch}`))
    )
      continue;
    restorable.push({
      session,
      strategy: record.strategy,
      endedAt: record.endedAt,
      command: helper(`restore ${session}`),
    });
  }
  const restoreOf = (session: string) => restorable.find((item) => item.session === session)?.command ?? null;

  const branches: LeftoverBranch[] = [];
  for (const row of facts.refs) {
    if (!row.ref.startsWith(`refs/heads/${facts.branchPrefix}`)) continue;
    const branch = row.ref.slice('refs/heads/'.length);
    const session = branch.slice(facts.branchPrefix.length);
    // Only `<prefix><session name>` is the pack's: a branch such as session/a/b is someone else's and left alone.
    if (
      sessionNameProblem(session) !== null ||
      registeredBranches.has(branch) ||
      facts.held.has(row.ref) ||
      facts.folderNames.has(session)
    )
      continue;
    const base = baseOf(session);
    branches.push({
      branch,
      session,
      tip: row.commit,
      lastCommitAt: row.date,
      lastCommitAge: relativeAge(row.date, facts.now),
      base,
      merged: mergedIn(base, row.ref),
      upstream: row.upstream ? row.upstream.replace(/^refs\/remotes\//, '') : null,
      endedAs: facts.history.get(session)?.strategy ?? null,
      restore: restoreOf(session),
    });
  }

  const groups = new Map<
    string,
    { session: string; kind: string; base: string; stamp: string | null; rows: RefRow[] }
  >();
  for (const row of facts.refs) {
    const group = savedRefGroup(row.ref);
    if (!group) continue;
    const found = groups.get(group.base) ?? { ...group, rows: [] };
    found.rows.push(row);
    groups.set(group.base, found);
  }
  const perSession = new Map<string, SavedSet[]>();
  for (const group of groups.values()) {
    const newestCommit = group.rows
      .map((row) => row.date)
      .sort(byTime)
      .pop()!;
    const savedAt = group.stamp ? stampTime(group.stamp) : newestCommit;
    const base = baseOf(group.session);
    const merged = group.rows.every((row) => mergedIn(base, row.ref) === true);
    const old = olderThanDays(savedAt, facts.now, facts.maxAgeDays);
    const set: SavedSet = {
      base: group.base,
      kind: group.kind,
      savedAt,
      age: relativeAge(savedAt, facts.now),
      refs: group.rows.map((row) => ({ ref: row.ref, commit: row.commit })),
      merged,
      prune:
        inUse(group.session) || sessionNameProblem(group.session) !== null
          ? null
          : merged
            ? 'merged'
            : old
              ? 'old'
              : null,
    };
    perSession.set(group.session, [...(perSession.get(group.session) ?? []), set]);
  }
  const savedRefs: SavedRefsLeftover[] = [...perSession]
    .sort(([a], [b]) => byTime(a, b))
    .map(([session, sets]) => {
      sets.sort((a, b) => byTime(a.savedAt, b.savedAt) || byTime(a.base, b.base));
      return {
        session,
        inUse: inUse(session),
        base: baseOf(session),
        sets,
        refCount: sets.reduce((sum, set) => sum + set.refs.length, 0),
        newestAt: sets[sets.length - 1]!.savedAt,
        oldestAt: sets[0]!.savedAt,
      };
    });

  const setupLogs = facts.setupLogs
    .map((file) => ({ file, session: sessionOfFile(file) }))
    .filter((log) => !inUse(log.session))
    .sort((a, b) => byTime(a.file, b.file));

  return { branches, savedRefs, setupLogs, restorable, maxAgeDays: facts.maxAgeDays };
}

/** The session a file beside the worktrees belongs to: `<name>.setup.log`, `<name>.check.log`, `.<name>.heard`. */
export function sessionOfFile(file: string): string {
  return file.replace(/^\./, '').replace(/\.(?:setup\.log|check\.log|heard)$/, '');
}

/** How many of each kind cleanup may prune. */
export function prunableCounts(leftovers: Leftovers): { savedRefSets: number; setupLogs: number; branches: number } {
  return {
    savedRefSets: leftovers.savedRefs.reduce(
      (sum, session) => sum + session.sets.filter((set) => set.prune !== null).length,
      0,
    ),
    setupLogs: leftovers.setupLogs.length,
    branches: leftovers.branches.filter((branch) => branch.merged === true).length,
  };
}

export function hasLeftovers(leftovers: Leftovers): boolean {
  return leftovers.branches.length + leftovers.savedRefs.length + leftovers.setupLogs.length > 0;
}
