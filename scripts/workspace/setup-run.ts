/** Runs a setup plan in the worktree, one progress line per step, the full output to a log file. */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GitError } from '../lib/errors.js';
import { run } from '../lib/shell.js';
import type { SetupPlan } from './dependencies.js';

export interface SetupRun {
  ok: boolean;
  /** The step that failed and how, for the report. */
  failure: string | null;
}

const STEP_TIMEOUT_MS = 20 * 60_000;

export async function runSetup(plan: SetupPlan, worktree: string, logPath: string, env: NodeJS.ProcessEnv, progress: (line: string) => void): Promise<SetupRun> {
  mkdirSync(dirname(logPath), { recursive: true });
  writeFileSync(logPath, `# setup in ${worktree}\n`);
  for (const [index, step] of plan.steps.entries()) {
    progress(`- setup ${index + 1}/${plan.steps.length}: ${step.label}`);
    appendFileSync(logPath, `\n$ ${step.label}\n`);
    try {
      const result = await run(worktree, step.program, step.args, { env, timeout: STEP_TIMEOUT_MS });
      appendFileSync(logPath, `${result.stdout}${result.stderr}\n# exit 0\n`);
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      appendFileSync(logPath, `${error.stdout}${error.stderr}\n# exit ${error.exitCode ?? 'signal'}\n`);
      const last = (error.stderr.trim() || error.stdout.trim()).split('\n').slice(-1)[0] ?? '';
      return { ok: false, failure: `${step.label} exited with ${error.exitCode ?? 'a signal'}${last ? `: ${last.slice(0, 300)}` : ''}` };
    }
  }
  return { ok: true, failure: null };
}
