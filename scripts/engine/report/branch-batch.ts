/**
 * Compares every session tip with its base tip in a handful of git calls, where one pair at a time takes a
 * rev-list, a diff and a merge-tree each: one merge-base for all tips, one listing of the history above it
 * (core/commit-graph.ts counts and finds merge bases from that), and one diff-tree for what each side changed. A
 * merge whose two sides' changes cannot meet is clean without merge-tree (core/tree-changes.ts).
 *
 * Anything this cannot answer for certain (tips with no history in common, a pair with more than one merge base,
 * a git answer it cannot read) it leaves out, and the caller asks git about that pair on its own, as before.
 */
import { comparePairs, pairKey, type TipPair } from '../../core/commit-graph.js';
import { changesMayMeet } from '../../core/tree-changes.js';
import type { Limit } from '../../lib/limit.js';
import { commitsAbove, octopusBases, treeChangesOf } from '../../git/history-batch.js';
import type { MergeOutcome } from '../../store/comparison-cache.js';

/** A pair to compare, and what of it is wanted beyond the counts (what an earlier run kept is not asked again). */
export interface BatchPair extends TipPair {
  /** The files the session changed since it forked. */
  files: boolean;
  /** The merge prediction: clean here when the two sides' changes cannot meet, else left to merge-tree. */
  merge: boolean;
}

export interface BatchAnswer {
  counts: { ahead: number; behind: number };
  /** The files the session changed since it forked; null when it is left to the caller. */
  files: string[] | null;
  /** Clean because the two sides' changes cannot meet; null when merge-tree has to say (or nothing needs merging). */
  merge: MergeOutcome | null;
}

/**
 * Answers by pairKey; pairs left out are the caller's to ask of git. Every session's facts wait on this, so its
 * calls take one of `limit`'s places ahead of whatever waits for one, and keep it until the last.
 */
export function compareTipsInBatch(
  cwd: string,
  pairs: readonly BatchPair[],
  limit: Limit,
): Promise<Map<string, BatchAnswer>> {
  return pairs.length === 0 ? Promise.resolve(new Map()) : limit(() => compareAll(cwd, pairs), { first: true });
}

async function compareAll(cwd: string, pairs: readonly BatchPair[]): Promise<Map<string, BatchAnswer>> {
  const answers = new Map<string, BatchAnswer>();
  const byKey = new Map<string, BatchPair>();
  for (const pair of pairs) {
    const known = byKey.get(pairKey(pair));
    byKey.set(
      pairKey(pair),
      known ? { ...pair, files: pair.files || known.files, merge: pair.merge || known.merge } : pair,
    );
  }
  const unique = [...byKey.values()];
  const tips = [...new Set(unique.flatMap((pair) => [pair.base, pair.tip]))];
  const bottoms = await octopusBases(cwd, tips);
  if (bottoms.length !== 1) return answers;
  const bottom = bottoms[0]!;
  const graph = await commitsAbove(cwd, tips, bottom);
  const compared = comparePairs(graph, bottom, unique);
  if (!compared) return answers;
  // What each side changed since the pair's one merge base: the session's side when it has commits of its own and
  // its files are wanted, both sides when both moved and the merge is to be predicted.
  const wanted = new Map<string, { commit: string; parent: string }>();
  const sideKey = (commit: string, parent: string) => `${commit} ${parent}`;
  for (const pair of unique) {
    const { ahead, behind, mergeBases } = compared.get(pairKey(pair))!;
    if (ahead === 0 || mergeBases.length !== 1) continue;
    const predict = pair.merge && behind > 0;
    if (pair.files || predict)
      wanted.set(sideKey(pair.tip, mergeBases[0]!), { commit: pair.tip, parent: mergeBases[0]! });
    if (predict) wanted.set(sideKey(pair.base, mergeBases[0]!), { commit: pair.base, parent: mergeBases[0]! });
  }
  const sides = [...wanted.values()];
  const changes = sides.length === 0 ? [] : await treeChangesOf(cwd, sides);
  const changesBy = new Map(changes ? sides.map((side, at) => [sideKey(side.commit, side.parent), changes[at]!]) : []);
  for (const pair of unique) {
    const { ahead, behind, mergeBases } = compared.get(pairKey(pair))!;
    const base = mergeBases.length === 1 ? mergeBases[0]! : null;
    const ours = base ? changesBy.get(sideKey(pair.tip, base)) : undefined;
    const theirs = base ? changesBy.get(sideKey(pair.base, base)) : undefined;
    answers.set(pairKey(pair), {
      counts: { ahead, behind },
      files: ahead === 0 ? [] : ours ? ours.map((change) => change.path) : null,
      merge: ours && theirs && !changesMayMeet(ours, theirs) ? { clean: true, conflicts: [] } : null,
    });
  }
  return answers;
}
