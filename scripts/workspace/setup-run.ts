/**
 * Runs a setup plan in the worktree, one progress line per step, the full output to a log
 * file. Each step runs in a process group of its own: an interrupt (SIGINT, SIGTERM, SIGHUP)
 * is passed to that whole group, so no install runs on, orphaned, after the helper is gone.
 */
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GitError } from '../lib/errors.js';
import { holdSignals } from '../lib/interrupt.js';
import { run } from '../lib/shell.js';
import type { RunStep, SetupPlan } from './dependencies.js';
import type { DependencyRecord } from '../core/manifest-types.js';
import { cloneTree } from './clone-tree.js';

export interface SetupRun {
  ok: boolean;
  /** The step that failed and how, for the report. */
  failure: string | null;
  /** The signal that stopped it, when one did. */
  interrupted: NodeJS.Signals | null;
  /** How the dependencies came in, when a step brought them. */
  dependencies: DependencyRecord | null;
}

const STEP_TIMEOUT_MS = 20 * 60_000;
const GRACE_MS = 2_000;

/** The most telling line of a failed step's output: the last one that reads like an error, else the last one. */
export function failureLine(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const telling = [...lines]
    .reverse()
    .find((line) => /\b(err!?|error|fatal|failed|cannot|not found|denied|ERESOLVE|ENOENT|EACCES)\b/i.test(line));
  return (telling ?? lines[lines.length - 1] ?? '').slice(0, 300);
}

/** `what` names the run in its progress lines and log: `setup`, or `check of <session>` for a land check. */
export async function runSetup(
  plan: SetupPlan,
  worktree: string,
  logPath: string,
  env: NodeJS.ProcessEnv,
  progress: (line: string) => void,
  what = 'setup',
): Promise<SetupRun> {
  mkdirSync(dirname(logPath), { recursive: true });
  writeFileSync(logPath, `# ${what} in ${worktree}\n`);
  // Set from signal handlers, so kept in an object the compiler does not narrow.
  const state: { group: ((signal: NodeJS.Signals) => void) | null; interrupted: NodeJS.Signals | null } = {
    group: null,
    interrupted: null,
  };
  const guard = holdSignals((signal) => {
    state.interrupted = signal;
    state.group?.(signal);
    // A step that ignores the polite signal is stopped for good shortly after.
    setTimeout(() => state.group?.('SIGKILL'), GRACE_MS).unref();
  });
  let dependencies: DependencyRecord | null = null;
  const runStep = async (step: RunStep): Promise<SetupRun | null> => {
    appendFileSync(logPath, `\n$ ${step.label}\n`);
    const started = Date.now();
    try {
      const result = await run(worktree, step.program, step.args, {
        env,
        timeout: STEP_TIMEOUT_MS,
        group: (signal) => (state.group = signal),
      });
      appendFileSync(logPath, `${result.stdout}${result.stderr}\n# exit 0\n`);
      if (step.jsInstall)
        dependencies = {
          strategy: 'installed',
          ms: Date.now() - started,
          ...(plan.noClone ? { why: plan.noClone } : {}),
        };
      return null;
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      appendFileSync(logPath, `${error.stdout}${error.stderr}\n# exit ${error.exitCode ?? 'signal'}\n`);
      if (state.interrupted) return null;
      const line = failureLine(`${error.stdout}\n${error.stderr}`);
      return {
        ok: false,
        failure: `${step.label} exited with ${error.exitCode ?? 'a signal'}${line ? `: ${line}` : ''}`,
        interrupted: null,
        dependencies,
      };
    } finally {
      // Whatever the step started in its group goes with it.
      state.group?.('SIGKILL');
      state.group = null;
    }
  };
  try {
    for (const [index, step] of plan.steps.entries()) {
      if (state.interrupted) break;
      progress(`- ${what} ${index + 1}/${plan.steps.length}: ${step.label}`);
      if (step.kind === 'clone') {
        appendFileSync(logPath, `\n$ ${step.label}: ${step.from} -> ${step.to}\n`);
        const started = Date.now();
        const target = join(worktree, step.to);
        try {
          const cloned = cloneTree(step.from, target, step.link);
          const ms = Date.now() - started;
          dependencies = {
            strategy: step.link ? 'hardlinked' : 'cloned',
            ms,
            files: cloned.files,
            bytes: cloned.bytes,
          };
          appendFileSync(
            logPath,
            `${cloned.files} files, ${cloned.bytes} bytes, in ${ms} ms${step.link ? ' (hard links: shared with the main checkout)' : ' (copy-on-write where the file system can)'}\n# exit 0\n`,
          );
          continue;
        } catch (error) {
          // What the clone made is its own, half a tree: it goes, and the install runs instead.
          rmSync(target, { recursive: true, force: true });
          appendFileSync(logPath, `the clone failed (${(error as Error).message}); installing instead\n`);
          progress(`- ${what} ${index + 1}/${plan.steps.length}: the clone failed, so: ${step.fallback.label}`);
          const failed = await runStep(step.fallback);
          if (failed) return failed;
          continue;
        }
      }
      const failed = await runStep(step);
      if (failed) return failed;
    }
  } finally {
    guard.release();
  }
  if (state.interrupted) {
    appendFileSync(logPath, `\n# interrupted by ${state.interrupted}\n`);
    return { ok: false, failure: `interrupted by ${state.interrupted}`, interrupted: state.interrupted, dependencies };
  }
  return { ok: true, failure: null, interrupted: null, dependencies };
}
