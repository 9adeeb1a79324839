/** Bounds how many processes run at once: git work is CPU-bound, so more than the cores only queues in the kernel. */
import { osModule } from './builtins.js';

/** `first`: ahead of what waits already, for a step others wait on (a batch every session's facts need). */
export type Limit = <T>(task: () => Promise<T>, options?: { first?: boolean }) => Promise<T>;

/** `max` defaults to the cores, asked on the first task: the editing hook makes a limiter on every edit and most of its runs start nothing. */
export function limiter(given?: number): Limit {
  let max = given;
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  return async <T>(task: () => Promise<T>, options: { first?: boolean } = {}): Promise<T> => {
    max ??= osModule().availableParallelism();
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
