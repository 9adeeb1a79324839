/**
 * Holds SIGINT/SIGTERM/SIGHUP while a multi-step change runs, so the change can be rolled
 * back instead of being cut in half. SIGKILL cannot be held; the manifest's transient
 * states let cleanup finish that case.
 */
import { RefusalError } from './errors.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface SignalGuard {
  /** Throws if a signal arrived since the guard was installed. */
  check(): void;
  release(): void;
}

export function holdSignals(): SignalGuard {
  let received: string | null = null;
  const handler = (signal: string) => {
    received = signal;
  };
  for (const signal of SIGNALS) process.on(signal, handler);
  return {
    check() {
      if (received) {
        throw new RefusalError('interrupted', `Interrupted by ${received}; everything this run had made was rolled back.`, 'Run the command again when ready.');
      }
    },
    release() {
      for (const signal of SIGNALS) process.off(signal, handler);
    },
  };
}
