/**
 * Runs a setup plan in the worktree, one progress line per step, the full output to a log
 * file. Each step runs in a process group of its own: an interrupt (SIGINT, SIGTERM, SIGHUP)
 * is passed to that whole group, so no install runs on, orphaned, after the helper is gone.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GitError } from '../lib/errors.js';
import { holdSignals } from '../lib/interrupt.js';
import { run } from '../lib/shell.js';
import type { SetupPlan } from './dependencies.js';

export interface SetupRun {
  ok: boolean;
  /** The step that failed and how, for the report. */
  failure: string | null;
  /** The signal that stopped it, when one did. */
  interrupted: NodeJS.Signals | null;
}

const STEP_TIMEOUT_MS = 20 * 60_000;
const GRACE_MS = 2_000;

/** The most telling line of a failed step's output: the last one that reads like an error, else the last one. */
export function failureLine(output: string): string {
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean);
  const telling = [...lines].reverse().find((line) => /\b(err!?|error|fatal|failed|cannot|not found|denied|ERESOLVE|ENOENT|EACCES)\b/i.test(line));
  return (telling ?? lines[lines.length - 1] ?? '').slice(0, 300);
}

/** `what` names the run in its progress lines and log: `setup`, or `check of <session>` for a land check. */
export async function runSetup(plan: SetupPlan, worktree: string, logPath: string, env: NodeJS.ProcessEnv, progress: (line: string) => void, what = 'setup'): Promise<SetupRun> {
  mkdirSync(dirname(logPath), { recursive: true });
  writeFileSync(logPath, `# ${what} in ${worktree}\n`);
  // Set from signal handlers, so kept in an object the compiler does not narrow.
  const state: { group: ((signal: NodeJS.Signals) => void) | null; interrupted: NodeJS.Signals | null } = { group: null, interrupted: null };
  const guard = holdSignals((signal) => {
    state.interrupted = signal;
    state.group?.(signal);
    // A step that ignores the polite signal is stopped for good shortly after.
    setTimeout(() => state.group?.('SIGKILL'), GRACE_MS).unref();
  });
  try {
    for (const [index, step] of plan.steps.entries()) {
      if (state.interrupted) break;
      progress(`- ${what} ${index + 1}/${plan.steps.length}: ${step.label}`);
      appendFileSync(logPath, `\n$ ${step.label}\n`);
      try {
        const result = await run(worktree, step.program, step.args, { env, timeout: STEP_TIMEOUT_MS, group: (signal) => (state.group = signal) });
        appendFileSync(logPath, `${result.stdout}${result.stderr}\n# exit 0\n`);
      } catch (error) {
        if (!(error instanceof GitError)) throw error;
        appendFileSync(logPath, `${error.stdout}${error.stderr}\n# exit ${error.exitCode ?? 'signal'}\n`);
        if (state.interrupted) break;
        const line = failureLine(`${error.stdout}\n${error.stderr}`);
        return { ok: false, failure: `${step.label} exited with ${error.exitCode ?? 'a signal'}${line ? `: ${line}` : ''}`, interrupted: null };
      } finally {
        // Whatever the step started in its group goes with it.
        state.group?.('SIGKILL');
        state.group = null;
      }
    }
  } finally {
    guard.release();
  }
  if (state.interrupted) {
    appendFileSync(logPath, `\n# interrupted by ${state.interrupted}\n`);
    return { ok: false, failure: `interrupted by ${state.interrupted}`, interrupted: state.interrupted };
  }
  return { ok: true, failure: null, interrupted: null };
}
