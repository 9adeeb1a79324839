/** Bounds how many processes run at once: git work is CPU-bound, so more than the cores only queues in the kernel. */
import { availableParallelism } from 'node:os';

export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

export function limiter(max: number = availableParallelism()): Limit {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= Math.max(1, max)) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      release();
    }
  };
}
