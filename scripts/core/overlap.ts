/**
 * Cross-session awareness, pure: which files several live sessions change, which pairs of
 * sessions would conflict, and an order to merge them in.
 */
import { changesMayMeet, pathsMayMeet } from './tree-changes.js';

export interface SessionChanges {
  id: string;
  /** Files changed on the branch since its merge-base with the base branch. */
  committed: readonly string[];
  /** Files changed in the worktree and not committed (the session's own work only). */
  uncommitted: readonly string[];
}

export interface FileOverlap {
  file: string;
  /** Every session that changes the file, sorted, with how. */
  sessions: { id: string; committed: boolean; uncommitted: boolean }[];
}

/** Files that two or more of the given sessions change, committed or not, sorted by path. */
export function fileOverlaps(sessions: readonly SessionChanges[]): FileOverlap[] {
  const byFile = new Map<string, FileOverlap['sessions']>();
  for (const session of [...sessions].sort((a, b) => compare(a.id, b.id))) {
    const committed = new Set(session.committed);
    const uncommitted = new Set(session.uncommitted);
    for (const file of new Set([...committed, ...uncommitted])) {
      const list = byFile.get(file) ?? [];
      list.push({ id: session.id, committed: committed.has(file), uncommitted: uncommitted.has(file) });
      byFile.set(file, list);
    }
  }
  return [...byFile]
    .filter(([, list]) => list.length > 1)
    .map(([file, list]) => ({ file, sessions: list }))
    .sort((a, b) => compare(a.file, b.file));
}

/** For one session: each of its files that others also change, with those others. */
export function overlapsOf(id: string, overlaps: readonly FileOverlap[]): { file: string; sessions: string[] }[] {
  return overlaps
    .filter((overlap) => overlap.sessions.some((session) => session.id === id))
    .map((overlap) => ({
      file: overlap.file,
      sessions: overlap.sessions.map((s) => s.id).filter((other) => other !== id),
    }));
}

export interface SessionPair {
  a: string;
  b: string;
  /** Files both change, committed or not. */
  sharedFiles: string[];
  /** Files both change in commits: the only ones a merge of the two branches can conflict on. */
  sharedCommitted: string[];
}

/** Every unordered pair of sessions, a < b by name. */
export function sessionPairs(sessions: readonly SessionChanges[]): SessionPair[] {
  const sorted = [...sessions].sort((x, y) => compare(x.id, y.id));
  const pairs: SessionPair[] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const a = sorted[i]!;
      const b = sorted[j]!;
      const all = new Set([...b.committed, ...b.uncommitted]);
      const committed = new Set(b.committed);
      pairs.push({
        a: a.id,
        b: b.id,
        sharedFiles: [...new Set([...a.committed, ...a.uncommitted])].filter((file) => all.has(file)).sort(compare),
        sharedCommitted: [...new Set(a.committed)].filter((file) => committed.has(file)).sort(compare),
      });
    }
  }
  return pairs;
}

/**
 * A conflict needs the two branches' committed changes to meet (core/tree-changes.ts): a path both changed, a file
 * where the other has a folder, or a path one added in a folder the other deleted a file from (it may have renamed
 * that folder whole). By paths alone, any path in a folder the other changed a path in may be that; `present`
 * (which committed paths each tip still has, so which were not deletions) settles it when known. merge-tree runs
 * only for pairs whose changes can meet.
 */
export function needsPrediction(
  a: SessionChanges,
  b: SessionChanges,
  present?: { a: ReadonlySet<string>; b: ReadonlySet<string> },
): boolean {
  if (!present) return pathsMayMeet(a.committed, b.committed);
  // A path still there may be new; one gone is a deletion.
  const changes = (paths: readonly string[], kept: ReadonlySet<string>) =>
    paths.map((path) => ({ status: kept.has(path) ? 'A' : 'D', path }));
  return changesMayMeet(changes(a.committed, present.a), changes(b.committed, present.b));
}

export type PairPrediction = 'clean' | 'conflict' | 'unknown';

export interface PredictedPair extends SessionPair {
  prediction: PairPrediction;
  /** Files merge-tree reports as conflicted. */
  conflicts: string[];
  /** How the prediction was made, for people reading the JSON. */
  method: 'merge-tree' | 'no-shared-commits' | 'unavailable';
}

export interface MergeStep {
  id: string;
  /** Sessions still open at this step that this one is predicted to conflict with. */
  conflictsWith: string[];
  reason: string;
}

export interface MergeCandidate {
  id: string;
  /** Files changed, committed and not: a smaller change merges and reviews sooner. */
  changedFiles: number;
  /** Predicted to conflict with its own base branch right now. */
  conflictsWithBase: boolean;
}

/**
 * Greedy, one session at a time, from those not yet placed, the one with:
 * 1. the fewest predicted conflicts with the sessions still open (none first);
 * 2. then the fewest predicted conflicts overall, so a session that conflicts with many
 *    goes last and resolves them all in one place;
 * 3. then no conflict with its own base before one that has;
 * 4. then the fewest changed files;
 * 5. then its name, so the order is deterministic.
 * Merging a session that conflicts with nobody costs nothing; each conflicting merge is left
 * to the sessions that remain, which must then sync and resolve once.
 */
export function suggestMergeOrder(candidates: readonly MergeCandidate[], pairs: readonly PredictedPair[]): MergeStep[] {
  const conflicts = new Map<string, Set<string>>();
  for (const pair of pairs) {
    if (pair.prediction !== 'conflict') continue;
    (conflicts.get(pair.a) ?? conflicts.set(pair.a, new Set()).get(pair.a)!).add(pair.b);
    (conflicts.get(pair.b) ?? conflicts.set(pair.b, new Set()).get(pair.b)!).add(pair.a);
  }
  const remaining = new Map(candidates.map((candidate) => [candidate.id, candidate]));
  const steps: MergeStep[] = [];
  while (remaining.size > 0) {
    const open = (id: string) => [...(conflicts.get(id) ?? [])].filter((other) => remaining.has(other)).sort(compare);
    const [next] = [...remaining.values()].sort(
      (x, y) =>
        open(x.id).length - open(y.id).length ||
        (conflicts.get(x.id)?.size ?? 0) - (conflicts.get(y.id)?.size ?? 0) ||
        Number(x.conflictsWithBase) - Number(y.conflictsWithBase) ||
        x.changedFiles - y.changedFiles ||
        compare(x.id, y.id),
    );
    const conflictsWith = open(next!.id);
    remaining.delete(next!.id);
    steps.push({ id: next!.id, conflictsWith, reason: stepReason(next!, conflictsWith) });
  }
  return steps;
}

function stepReason(candidate: MergeCandidate, conflictsWith: string[]): string {
  const base = candidate.conflictsWithBase ? '; sync it with its base first, it conflicts there' : '';
  if (conflictsWith.length === 0) return `no predicted conflict with the sessions still open${base}`;
  return `conflicts with ${conflictsWith.join(', ')}; after it merges, sync ${conflictsWith.length === 1 ? 'that session' : 'those sessions'} and resolve there${base}`;
}

/** Byte order, not locale order, so output is the same on every machine. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
