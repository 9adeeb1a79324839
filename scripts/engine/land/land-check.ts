/**
 * The land check: each candidate merge is checked out, detached, in one scratch worktree of the
 * run's own (`<sessions>/.land-check-<pid>`), given the landed session's env files and
 * `.env.session`, prepared as setup prepares a session (once, and again when a lockfile
 * changes), and the check command runs there with the session's SESSION_ID and PORT, with the
 * same progress lines, log and signal handling as setup. No checkout of anyone's is touched.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckReport } from '../../core/land-plan.js';
import type { SessionEntry } from '../../core/manifest-types.js';
import { checkLogName, checkWorktreePath } from '../../core/paths.js';
import { ENV_SESSION_FILE } from '../../core/env-session.js';
import { worktreePathOf, type Project } from '../../store/project.js';
import { treeDiffPaths } from '../../git/compare.js';
import {
  addDetachedWorktree,
  listWorktrees,
  removeWorktree,
  resetScratchWorktree,
  forgetWorktreeRecord,
} from '../../git/worktrees.js';
import { copyIntoWorktree } from '../../workspace/copy.js';
import { detectDependencies, planSetup, type SetupStep } from '../../workspace/dependencies.js';
import { runSetup } from '../../workspace/setup-run.js';

/** Root files whose change means the dependencies must be installed again. */
const LOCKFILE =
  /^(package-lock\.json|npm-shrinkwrap\.json|pnpm-lock\.yaml|yarn\.lock|bun\.lockb?|uv\.lock|poetry\.lock|requirements[^/]*\.txt)$/;

export interface CheckOutcome extends CheckReport {
  ok: boolean;
  interrupted: boolean;
}

export class LandCheck {
  readonly path: string;
  private created = false;
  /** The commit the dependency setup last ran for; null before it ran. */
  private setupFor: string | null = null;
  /** Env files copied in for the last session, taken out before the next one's go in. */
  private copied: string[] = [];

  constructor(
    private readonly project: Project,
    readonly command: string,
  ) {
    this.path = checkWorktreePath(project.sessionsDir, process.pid);
  }

  get exists(): boolean {
    return this.created;
  }

  async run(entry: SessionEntry, candidate: string, progress: (line: string) => void): Promise<CheckOutcome> {
    const started = Date.now();
    const log = join(this.project.sessionsDir, checkLogName(entry.id));
    await this.place(candidate);
    await this.copyEnvFiles(entry);
    const steps: SetupStep[] = [
      ...(await this.setupSteps(candidate)),
      { program: 'sh', args: ['-c', this.command], label: this.command },
    ];
    const env = { SESSION_ID: entry.id, ...(entry.port ? { PORT: String(entry.port.base) } : {}) };
    const outcome = await runSetup(
      { steps, packFiles: [], reason: null },
      this.path,
      log,
      env,
      progress,
      `check of ${entry.id}`,
    );
    const ms = Date.now() - started;
    if (outcome.ok) {
      this.setupFor = candidate;
      rmSync(log, { force: true });
      return { ok: true, interrupted: false, command: this.command, status: 'passed', log: null, failure: null, ms };
    }
    return {
      ok: false,
      interrupted: outcome.interrupted !== null,
      command: this.command,
      status: outcome.interrupted ? 'interrupted' : 'failed',
      log,
      failure: outcome.failure,
      ms,
    };
  }

  /** Removes the scratch worktree (forced: it holds a candidate and what the check made, nobody's work). */
  async remove(): Promise<void> {
    if (!this.created) return;
    this.created = false;
    const main = this.project.mainCheckout;
    if (existsSync(join(this.path, '.git'))) await removeWorktree(main, this.path, true);
    rmSync(this.path, { recursive: true, force: true });
    if ((await listWorktrees(main)).some((record) => record.path === this.path))
      await forgetWorktreeRecord(main, this.path);
  }

  private async place(candidate: string): Promise<void> {
    if (!this.created) {
      this.created = true;
      await addDetachedWorktree(this.project.mainCheckout, this.path, candidate);
      return;
    }
    await resetScratchWorktree(this.path, candidate);
  }

  /** The landed session's ignored env files, as its worktree holds them now, and its .env.session. */
  private async copyEnvFiles(entry: SessionEntry): Promise<void> {
    for (const path of this.copied) rmSync(join(this.path, path), { force: true });
    this.copied = [];
    const worktree = worktreePathOf(this.project, entry);
    const wanted = [...new Set([...(entry.copiedFiles ?? []), ENV_SESSION_FILE])].filter((path) =>
      existsSync(join(worktree, path)),
    );
    if (wanted.length === 0) return;
    const result = await copyIntoWorktree(worktree, this.path, wanted, {
      requireIgnoredInMain: true,
      requireIgnoredInWorktree: true,
    });
    this.copied = result.copied;
  }

  /** The dependency setup, when it has not run yet in the scratch worktree or a lockfile changed since. */
  private async setupSteps(candidate: string): Promise<SetupStep[]> {
    const postCreate = this.project.config.postCreate;
    if (this.setupFor !== null) {
      if (postCreate) return [];
      const changed = await treeDiffPaths(this.project.mainCheckout, this.setupFor, candidate);
      if (!changed.some((path) => LOCKFILE.test(path))) return [];
    }
    const plan = planSetup(await detectDependencies(this.path), {
      worktree: this.path,
      ...(postCreate ? { postCreate } : {}),
    });
    return plan.steps;
  }
}
