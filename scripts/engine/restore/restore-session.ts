/**
 * Carries out a restore plan through the same all-or-nothing creation start uses: the branch
 * (made at the saved tip only when absent), the worktree, the manifest entry, and, before the
 * session goes active, the saved work: the snapshot's tree as the working tree and its second
 * parent's tree as the index, checked afterwards, then the saved ignored files. Any failure up
 * to there rolls back what this run made; the saved refs themselves are never touched. Then
 * the workspace is prepared as start prepares it, which never undoes the session.
 */
import { chmodSync, existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { pathsInTheWay } from '../../lib/safe-fs.js';
import { findSession, type SessionEntry } from '../../core/manifest-types.js';
import type { RestorePlan } from '../../core/restore-plan.js';
import { isTrackedChange, isUntracked, sessionWork, formatStatusEntry } from '../../core/status-porcelain.js';
import { readManifest } from '../../store/manifest-store.js';
import type { Project } from '../../store/project.js';
import { readStatus } from '../../git/changes.js';
import { ignoredPaths } from '../../git/ignored.js';
import { applySnapshot, indexTree, treeOf, treePaths, worktreeHolds, writeFilesFrom } from '../../git/restore-work.js';
import type { Skipped } from '../../workspace/copy-plan.js';
import { createSession } from '../start/create-session.js';
import { setUpstream } from '../../git/remote.js';
import { commandLine } from '../../lib/shell-words.js';
import { findSessionLog } from '../cleanup/cleanup-facts.js';
import { excludeSessionsDir, prepareWorkspaceSafely, type WorkspaceReport } from '../start/prepare-workspace.js';

export interface RestoreOptions {
  runSetup: boolean;
  now: Date;
  progress: (line: string) => void;
}

export interface RestoreRun {
  entry: SessionEntry;
  /** The session's uncommitted work as it came back, as git status lists it. */
  changes: { ref: string; files: string[]; staged: number; untracked: number } | null;
  ignored: { ref: string; restored: string[]; skipped: Skipped[] } | null;
  workspace: WorkspaceReport;
  portReused: boolean;
  warnings: string[];
}

/** Puts back the ignored files of the `-ignored` commit that are free and still ignored here; secrets stay private to the owner. */
async function restoreIgnored(
  project: Project,
  worktree: string,
  saved: NonNullable<RestorePlan['ignored']>,
): Promise<NonNullable<RestoreRun['ignored']>> {
  const paths = await treePaths(project.mainCheckout, saved.commit);
  const inTheWay = new Set(pathsInTheWay(worktree, paths));
  const free = paths.filter((path) => !inTheWay.has(path));
  const ignored = await ignoredPaths(worktree, free);
  const skipped: Skipped[] = [
    ...paths
      .filter((path) => inTheWay.has(path))
      .map((path) => ({
        path,
        reason: 'exists',
        message: `something is already at that path in the worktree; the saved copy stays in ${saved.ref}`,
      })),
    ...free
      .filter((path) => !ignored.has(path))
      .map((path) => ({
        path,
        reason: 'not-ignored',
        message: `the branch no longer ignores it, so it could be committed; the saved copy stays in ${saved.ref}`,
      })),
  ];
  const restored = free.filter((path) => ignored.has(path));
  await writeFilesFrom(worktree, saved.commit, restored);
  for (const path of restored)
    chmodSync(join(worktree, path), modeFor(project.mainCheckout, path, lstatSync(join(worktree, path)).mode));
  return { ref: saved.ref, restored, skipped };
}

/** The main checkout's copy's mode when it has one, else owner-only (git keeps no modes beside the executable bit). */
function modeFor(mainCheckout: string, path: string, written: number): number {
  try {
    const stat = lstatSync(join(mainCheckout, path));
    if (stat.isFile()) return stat.mode & 0o7777;
  } catch {
    /* not in the main checkout */
  }
  return written & 0o100 ? 0o700 : 0o600;
}

function sessionLogIn(worktree: string, plan: RestorePlan): string | null {
  if (typeof plan.sessionLog === 'string' && existsSync(join(worktree, plan.sessionLog))) return plan.sessionLog;
  return findSessionLog(worktree, plan.name);
}

export async function restoreSession(
  project: Project,
  plan: RestorePlan,
  options: RestoreOptions,
): Promise<RestoreRun> {
  const main = project.mainCheckout;
  let ignored: RestoreRun['ignored'] = null;
  await excludeSessionsDir(project);
  const { entry: created, warnings } = await createSession(project, {
    name: plan.name,
    branch: plan.branch,
    worktreePath: plan.worktreePath,
    goals: plan.goals,
    baseBranch: plan.base.branch,
    baseCommit: plan.base.commit,
    startedAt: options.now,
    startCommit: plan.tip,
    existingBranch: !plan.createBranch,
    writeLogStub: false,
    ...(plan.port ? { preferredPort: plan.port } : {}),
    restoredFrom: plan.restoredFrom,
    ...(plan.issue ? { issue: plan.issue } : {}),
    ...(plan.pr ? { pr: plan.pr } : {}),
    fill: async (worktree) => {
      if (plan.changes) {
        const { commit, staged, ref } = plan.changes;
        await applySnapshot(worktree, plan.tip, commit, staged);
        const [index, wanted, holds] = await Promise.all([
          indexTree(worktree),
          treeOf(main, staged),
          worktreeHolds(worktree, commit),
        ]);
        if (index !== wanted || !holds)
          throw new Error(
            `the worktree did not come back as ${ref} holds it (${index !== wanted ? 'the staged changes differ' : 'a file differs'})`,
          );
      }
      if (plan.ignored) ignored = await restoreIgnored(project, worktree, plan.ignored);
      return { sessionLog: sessionLogIn(worktree, plan) };
    },
  });
  if (plan.pr) {
    // A session on a pull request pushes back to its branch: the branch tracks it again.
    const { remote, branch } = plan.pr;
    await setUpstream(main, plan.branch, remote, branch).catch(() =>
      warnings.push(
        `The branch ${plan.branch} does not track ${remote}/${branch} again (it is not fetched); after ${commandLine(['git', 'fetch', remote, branch])}, run: ${commandLine(['git', 'branch', `--set-upstream-to=${remote}/${branch}`, plan.branch])}`,
      ),
    );
  }
  const workspace = await prepareWorkspaceSafely(project, created, {
    copy: plan.copy,
    runSetup: options.runSetup,
    progress: options.progress,
    now: options.now,
  });
  // A saved ignored file put back is the session's own version: the main checkout's copy was rightly not copied over it.
  const restoredIgnored = new Set<string>((ignored as RestoreRun['ignored'])?.restored ?? []);
  if (workspace.copy)
    workspace.copy.skipped = workspace.copy.skipped.filter(
      (skip) => !(skip.reason === 'exists' && restoredIgnored.has(skip.path)),
    );
  const entry = findSession(readManifest(project.manifestPath, project.name), plan.name) ?? created;
  let changes: RestoreRun['changes'] = null;
  if (plan.changes) {
    const work = sessionWork(await readStatus(plan.worktreePath), entry.packFiles);
    changes = {
      ref: plan.changes.ref,
      files: work.map(formatStatusEntry),
      staged: work.filter((item) => isTrackedChange(item) && item.code[0] !== ' ').length,
      untracked: work.filter(isUntracked).length,
    };
  }
  return {
    entry,
    changes,
    ignored,
    workspace,
    portReused: plan.port !== null && entry.port?.base === plan.port.base && entry.port.count === plan.port.count,
    warnings,
  };
}
