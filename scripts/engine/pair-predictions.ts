/**
 * Predicting each pair of sessions' merges, for overlap, status and land: only pairs whose committed changes can
 * meet (core/overlap.ts needsPrediction) can conflict, so only those reach git (merge-tree on the two tips).
 * Uncommitted changes cannot be merged by git, so predictions cover committed work only; a pair git cannot predict
 * is `unknown`.
 */
import { needsPrediction, sessionPairs, type PredictedPair, type SessionChanges } from '../core/overlap.js';
import { predictMerge } from '../git/merge.js';
import { trackedAmong } from '../git/compare.js';
import { limiter, type Limit } from '../lib/limit.js';

export async function predictPairs(
  mainCheckout: string,
  sessions: readonly SessionChanges[],
  tips: ReadonlyMap<string, string | null>,
  limit: Limit = limiter(),
): Promise<PredictedPair[]> {
  const byId = new Map(sessions.map((session) => [session.id, session]));
  // Which committed paths a session's tip still has: asked of git once per session, and only for one whose paths
  // meet another's by folder alone. Unknown (no tip, a git failure) leaves the paths-alone answer.
  const presentAt = new Map<string, Promise<Set<string> | null>>();
  const present = (id: string) => {
    const tip = tips.get(id);
    if (!presentAt.has(id))
      presentAt.set(
        id,
        tip
          ? limit(() => trackedAmong(mainCheckout, tip, byId.get(id)!.committed)).catch(() => null)
          : Promise.resolve(null),
      );
    return presentAt.get(id)!;
  };
  const canMeet = async (a: SessionChanges, b: SessionChanges) => {
    if (!needsPrediction(a, b)) return false;
    const [inA, inB] = await Promise.all([present(a.id), present(b.id)]);
    return !inA || !inB || needsPrediction(a, b, { a: inA, b: inB });
  };
  return Promise.all(
    sessionPairs(sessions).map(async (pair): Promise<PredictedPair> => {
      if (!(await canMeet(byId.get(pair.a)!, byId.get(pair.b)!)))
        return { ...pair, prediction: 'clean', conflicts: [], method: 'no-shared-commits' };
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
