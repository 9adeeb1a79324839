/**
 * Bounds how many processes run at once. Git's work is CPU-bound, but each process also waits on its start (node's
 * spawn on this thread, git's own start-up): one more than the cores keeps them busy through those gaps (status at
 * 10 and 50 sessions on 2 cores came about 2-4% sooner than with as many as the cores), and more only queues.
 */
import { osModule } from './builtins.js';

/** `first`: ahead of what waits already, for a step others wait on (a batch every session's facts need). */
export type Limit = <T>(task: () => Promise<T>, options?: { first?: boolean }) => Promise<T>;

/** `max` defaults to the cores plus one, asked on the first task: the editing hook makes a limiter on every edit and most of its runs start nothing. */
export function limiter(given?: number): Limit {
  let max = given;
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  return async <T>(task: () => Promise<T>, options: { first?: boolean } = {}): Promise<T> => {
    max ??= osModule().availableParallelism() + 1;
    if (running >= Math.max(1, max))
      await new Promise<void>((resolve) => (options.first ? waiting.unshift(resolve) : waiting.push(resolve)));
    running++;
    try {
      return await task();
    } finally {
      release();
    }
  };
}
