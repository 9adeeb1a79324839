/**
 * Predicting each pair of sessions' merges, for overlap, status and land: only pairs that share a committed file
 * can conflict on content, so only those reach git (merge-tree on the two tips). Uncommitted changes cannot be
 * merged by git, so predictions cover committed work only; a pair git cannot predict is `unknown`.
 */
import { needsPrediction, sessionPairs, type PredictedPair, type SessionChanges } from '../core/overlap.js';
import { predictMerge } from '../git/merge.js';
import { limiter, type Limit } from '../lib/limit.js';

export async function predictPairs(
  mainCheckout: string,
  sessions: readonly SessionChanges[],
  tips: ReadonlyMap<string, string | null>,
  limit: Limit = limiter(),
): Promise<PredictedPair[]> {
  return Promise.all(
    sessionPairs(sessions).map(async (pair): Promise<PredictedPair> => {
      if (!needsPrediction(pair)) return { ...pair, prediction: 'clean', conflicts: [], method: 'no-shared-commits' };
      const [a, b] = [tips.get(pair.a), tips.get(pair.b)];
      const prediction = a && b ? await limit(() => predictMerge(mainCheckout, a, b)).catch(() => null) : null;
      if (!prediction) return { ...pair, prediction: 'unknown', conflicts: [], method: 'unavailable' };
      return {
        ...pair,
        prediction: prediction.clean ? 'clean' : 'conflict',
        conflicts: prediction.conflicts,
        method: 'merge-tree',
      };
    }),
  );
}
