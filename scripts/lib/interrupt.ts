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

/** `onSignal` runs as each signal arrives, e.g. to pass it on to a child process group. */
export function holdSignals(onSignal?: (signal: NodeJS.Signals) => void): SignalGuard {
  let received: string | null = null;
  const handler = (signal: NodeJS.Signals) => {
    received = signal;
    onSignal?.(signal);
  };
  for (const signal of SIGNALS) process.on(signal, handler);
  return {
    check() {
      if (received) {
        throw new RefusalError('interrupted', `Interrupted by ${received}.`, 'Run the command again when ready.', {
          signal: received,
        });
      }
    },
    release() {
      for (const signal of SIGNALS) process.off(signal, handler);
    },
  };
}
