/**
 * Comparing many branch tips with their bases from one listing of history, instead of one git walk per pair.
 *
 * The listing is `git rev-list --parents <tips> --not <bottom>`, where the bottom is the one best common ancestor
 * of every tip (`git merge-base --octopus --all`): every commit the tips reach but the bottom does not, with its
 * parents. Whatever the bottom reaches, every tip reaches, so counting what one tip has and another lacks needs
 * only the listed commits, and a best common ancestor of two tips is either a listed commit or the bottom itself.
 */

/** Each listed commit's parents, by commit. */
export type CommitGraph = ReadonlyMap<string, readonly string[]>;

/** Parses `git rev-list --parents`: a commit per line, then its parents. */
export function parseParentsListing(stdout: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const [commit, ...parents] = line.split(' ').filter((word) => word.length > 0);
    if (commit) graph.set(commit, parents);
  }
  return graph;
}

export interface TipPair {
  base: string;
  tip: string;
}

export interface PairComparison {
  /** Commits `tip` has that `base` lacks. */
  ahead: number;
  /** Commits `base` has that `tip` lacks. */
  behind: number;
  /** Their best common ancestors, as `git merge-base --all` would give them, in no set order. */
  mergeBases: string[];
}

export const pairKey = (pair: TipPair) => `${pair.base} ${pair.tip}`;

/**
 * Counts and best common ancestors of each pair, by pairKey; null when a tip is neither listed nor the bottom (the
 * listing is not the one this was asked of, so nothing here can be trusted).
 */
export function comparePairs(
  graph: CommitGraph,
  bottom: string,
  pairs: readonly TipPair[],
): Map<string, PairComparison> | null {
  const ids = [...graph.keys()];
  const index = new Map(ids.map((id, at) => [id, at]));
  const parentsAt = ids.map((id) =>
    graph.get(id)!.flatMap((parent) => (index.has(parent) ? [index.get(parent)!] : [])),
  );
  const reachesBottom = reachingBottom(ids, graph, bottom, parentsAt);
  const reachOf = new Map<string, Uint8Array>();
  const reach = (tip: string): Uint8Array | null => {
    const known = reachOf.get(tip);
    if (known) return known;
    const marks = new Uint8Array(ids.length);
    if (tip !== bottom) {
      const start = index.get(tip);
      if (start === undefined) return null;
      const stack = [start];
      marks[start] = 1;
      while (stack.length > 0) {
        for (const parent of parentsAt[stack.pop()!]!) {
          if (marks[parent]) continue;
          marks[parent] = 1;
          stack.push(parent);
        }
      }
    }
    reachOf.set(tip, marks);
    return marks;
  };
  const compared = new Map<string, PairComparison>();
  for (const pair of pairs) {
    const ofBase = reach(pair.base);
    const ofTip = reach(pair.tip);
    if (!ofBase || !ofTip) return null;
    let ahead = 0;
    let behind = 0;
    const common = new Uint8Array(ids.length);
    for (let at = 0; at < ids.length; at++) {
      if (ofTip[at] && !ofBase[at]) ahead++;
      else if (ofBase[at] && !ofTip[at]) behind++;
      else if (ofBase[at]) common[at] = 1;
    }
    // The best common ancestors: common commits no other common commit descends from, and the bottom unless one does.
    const outdone = new Uint8Array(ids.length);
    let bottomOutdone = false;
    for (let at = 0; at < ids.length; at++) {
      if (!common[at]) continue;
      if (reachesBottom[at]) bottomOutdone = true;
      for (const parent of parentsAt[at]!) if (common[parent]) outdone[parent] = 1;
    }
    const mergeBases = ids.filter((_, at) => common[at] && !outdone[at]);
    if (!bottomOutdone) mergeBases.push(bottom);
    compared.set(pairKey(pair), { ahead, behind, mergeBases });
  }
  return compared;
}

/** Which listed commits have the bottom among their ancestors. */
function reachingBottom(
  ids: readonly string[],
  graph: CommitGraph,
  bottom: string,
  parentsAt: readonly (readonly number[])[],
): Uint8Array {
  const state = new Uint8Array(ids.length); // 0 not seen, 1 being walked, 2 known
  const reaches = new Uint8Array(ids.length);
  for (let root = 0; root < ids.length; root++) {
    if (state[root]) continue;
    // Parents before children, without recursion: a long history would overflow the stack.
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const [at, next] = frame;
      const parents = parentsAt[at]!;
      if (next < parents.length) {
        frame[1]++;
        const parent = parents[next]!;
        if (!state[parent]) {
          state[parent] = 1;
          stack.push([parent, 0]);
        }
        continue;
      }
      stack.pop();
      state[at] = 2;
      reaches[at] = graph.get(ids[at]!)!.includes(bottom) || parents.some((parent) => reaches[parent] === 1) ? 1 : 0;
    }
  }
  return reaches;
}
