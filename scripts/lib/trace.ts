/**
 * `FLIGHT_RULES_TRACE=1`: every process a run starts, with when it started and how long it took, and at the end one
 * summary line of where the run's time went: node's own start-up, loading our code (the bundle, then the
 * subcommand's modules), the wall time during which at least one git (or other) process ran, and the rest, our own JS.
 * Times are milliseconds since this process started (performance.now()).
 */
// node's global `performance`, typed as node's: importing node:perf_hooks would cost every hook run about 1.5 ms.
import type { Performance as NodePerformance } from 'node:perf_hooks';

export interface TraceSpan {
  kind: 'process' | 'load';
  label: string;
  start: number;
  end: number;
}

export interface Trace {
  /** When the CLI's main() was entered: node start-up and the bundle's own load lie before it. */
  entered: number;
  spans: TraceSpan[];
  write(line: string): void;
}

export function startTrace(write: (line: string) => void): Trace {
  return { entered: performance.now(), spans: [], write };
}

const ms = (value: number) => `${Math.round(value)} ms`;

/** The time covered by at least one of the intervals. */
export function unionLength(intervals: ReadonlyArray<{ start: number; end: number }>): number {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  let total = 0;
  let from = -Infinity;
  let to = -Infinity;
  for (const { start, end } of sorted) {
    if (start > to) {
      if (to > from) total += to - from;
      from = start;
      to = end;
    } else if (end > to) to = end;
  }
  if (to > from) total += to - from;
  return total;
}

/** The summary line: calls, time in git, time in our JS, module load. */
export function traceSummary(trace: Trace, now = performance.now()): string {
  const processes = trace.spans.filter((span) => span.kind === 'process');
  const git = processes.filter((span) => span.label === 'git');
  const loads = trace.spans.filter((span) => span.kind === 'load');
  const nodeStart = (performance as unknown as NodePerformance).nodeTiming.bootstrapComplete;
  // Before main(): the bundle's own compile and top-level code (meaningless in-process, where the tests' runner came first).
  const bundleLoad = Math.max(0, trace.entered - nodeStart);
  const lazyLoad = unionLength(loads);
  const inProcesses = unionLength(processes);
  const js = Math.max(0, now - trace.entered - unionLength([...loads, ...processes]));
  const others = processes.length - git.length;
  const loadParts = [
    `bundle ${ms(bundleLoad)}`,
    ...loads.map((span) => `${span.label} ${ms(span.end - span.start)}`),
  ].join(', ');
  return [
    `[trace] summary: ${git.length} git call(s)${others > 0 ? ` and ${others} other process(es)` : ''} in ${ms(now)}:`,
    `node start-up ${ms(nodeStart)},`,
    `module load ${ms(bundleLoad + lazyLoad)} (${loadParts}),`,
    `waiting on ${others > 0 ? 'processes' : 'git'} ${ms(inProcesses)} (${ms(processes.reduce((sum, span) => sum + span.end - span.start, 0))} summed over the calls),`,
    `our JS ${ms(js)}`,
  ].join(' ');
}
