/**
 * start: the checks and the dirty-checkout step under the merge lock, then the all-or-nothing
 * creation (create-session.ts), then the workspace. Returns the facts the subcommand renders.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RefusalError } from '../../lib/errors.js';
import { MARK } from '../../lib/output.js';
import { commandLine } from '../../lib/shell-words.js';
import { busyRefusal } from '../../core/busy.js';
import { shortSha } from '../../core/format.js';
import { findSession, type IssueLink, type PrLink, type SessionEntry } from '../../core/manifest-types.js';
import { setUpstream } from '../../git/remote.js';
import { orphanReport, type OrphanFinding } from '../../core/orphans.js';
import { sessionIdForWorktree } from '../../core/session-lookup.js';
import {
  dirtyRefusal,
  planDirty,
  startRefusal,
  startStashMessage,
  type DirtyPlan,
  type IfDirtyMode,
} from '../../core/start-rules.js';
import { shortBranch } from '../../core/worktree-list.js';
import { readManifest } from '../../store/manifest-store.js';
import { withMergeLock } from '../../store/merge-lock.js';
import { worktreePathOf, type Project } from '../../store/project.js';
import { branchCommits } from '../../git/branch-tips.js';
import { commitTrackedChanges, readStatus, stashTrackedChanges } from '../../git/changes.js';
import { checkoutBusy, checkoutBusySync } from '../../git/checkout-state.js';
import type { CopyChoice } from '../../workspace/include-matching.js';
import type { WorkspaceReport } from '../../workspace/report.js';
import { gatherOrphanFacts } from '../cleanup/cleanup-facts.js';
import { createSession } from './create-session.js';
import { excludeSessionsDir, listMainCheckoutFiles, prepareWorkspaceSafely } from './prepare-workspace.js';

export interface StartRequest {
  name: string;
  goals: string[];
  plan: string | null;
  base: string | undefined;
  ifDirty: IfDirtyMode;
  commitMessage: string | undefined;
  copy: CopyChoice;
  runSetup: boolean;
  claudeSession: string | undefined;
  /** The GitHub issue it starts from (recorded), or the pull request it starts on (its branch fetched to `startCommit`). */
  issue?: IssueLink;
  pr?: PrLink;
  /** Where the session branch starts instead of the base: the PR branch's commit. */
  startCommit?: string;
}

export interface StartResult {
  session: SessionEntry;
  worktreePath: string;
  branch: string;
  baseBranch: string;
  baseCommit: string;
  dirty: DirtyPlan;
  stash: string | null;
  committed: string | null;
  /** Lines for people: what was done with the main checkout's uncommitted changes, and creation's warnings. */
  notes: string[];
  createWarnings: string[];
  workspace: WorkspaceReport;
  orphans: OrphanFinding[];
  /** Untracked files of the main checkout that the session did not get. */
  leftBehind: string[];
}

export async function startSession(
  project: Project,
  request: StartRequest,
  now: Date,
  progress: (line: string) => void,
): Promise<StartResult> {
  const { name } = request;
  const main = project.mainCheckout;
  const branch = `${project.config.branchPrefix}${name}`;
  const worktreePath = join(project.sessionsDir, name);
  const manifest = readManifest(project.manifestPath, project.name);
  // Reported, never blocking: the agent offers "resume, clean up, or ignore".
  const orphans = orphanReport(gatherOrphanFacts(project, manifest, now));
  const currentBranch = shortBranch(project.worktrees[0]!.branch);
  const chosenBase = request.base ?? project.config.baseBranch ?? currentBranch;
  // Under the merge lock, from the first read to the stash or commit: a session being merged
  // into the main checkout stages files there for a moment, and must not look like the user's work.
  const checked = await withMergeLock(
    main,
    async () => {
      const [tips, status] = await Promise.all([
        branchCommits(main, chosenBase ? [branch, chosenBase] : [branch]),
        readStatus(main, { mayRefreshIndex: checkoutBusySync(main, []) === null }),
      ]);
      const busy = await checkoutBusy(main, status);
      if (busy) throw busyRefusal(busy, 'the main checkout');
      const head = project.worktrees[0]!.head;
      const refusal = startRefusal({
        name,
        branch,
        worktreePath,
        mainCheckout: main,
        hasCommits: head !== null && !/^0+$/.test(head),
        insideSession: sessionIdForWorktree(main, project.sessionsDir, manifest, project.currentWorktree, (entry) =>
          worktreePathOf(project, entry),
        ),
        nameInManifest: findSession(manifest, name) !== undefined,
        worktreePathExists: existsSync(worktreePath),
        branchExists: tips.get(branch) != null,
      });
      if (refusal) throw refusal;
      if (!chosenBase) {
        throw new RefusalError(
          'detached-head',
          'The main checkout is on a detached HEAD, so there is no branch to base the session on.',
          'Pass --base BRANCH, or check out a branch in the main checkout.',
        );
      }
      let baseCommit = tips.get(chosenBase) ?? null;
      if (!baseCommit) {
        throw new RefusalError(
          'unknown-base',
          `There is no local branch ${JSON.stringify(chosenBase)} to base the session on.`,
          'Pass --base with an existing local branch (git branch --list), or create it first: git branch NAME origin/NAME',
        );
      }
      const dirty = planDirty(request.ifDirty, status);
      const notes: string[] = [];
      let stash: string | null = null;
      let committed: string | null = null;
      if (dirty.action === 'abort') throw dirtyRefusal(dirty, main);
      if (dirty.action === 'stash') {
        stash = await stashTrackedChanges(main, startStashMessage(name));
        notes.push(
          `${MARK.done} Stashed ${dirty.tracked.length} uncommitted change(s) in the main checkout as ${shortSha(stash)}. Restore them with: ${commandLine(['git', '-C', main, 'stash', 'pop'])}`,
        );
      }
      if (dirty.action === 'commit') {
        committed = await commitTrackedChanges(main, request.commitMessage!);
        if (currentBranch === chosenBase) baseCommit = committed;
        notes.push(
          `${MARK.done} Committed ${dirty.tracked.length} change(s) in the main checkout as ${shortSha(committed)}.`,
        );
      }
      if (dirty.action === 'proceed') {
        notes.push(
          `${MARK.warn} ${dirty.tracked.length} uncommitted change(s) stay in the main checkout and are not in the session.`,
        );
      }
      return { baseBranch: chosenBase, baseCommit, dirty, notes, stash, committed };
    },
    { kind: 'start', checkout: main, session: name },
  );
  const { baseBranch, baseCommit, dirty } = checked;

  await excludeSessionsDir(project);
  // Listed while git checks the new worktree out (after the sessions folder is excluded, so its files are not among them).
  const mainFiles = listMainCheckoutFiles(project, request.copy);
  // A failed creation throws before anyone awaits it; its own failure then shows in the workspace report.
  mainFiles.catch(() => undefined);
  const { entry: created, warnings: createWarnings } = await createSession(project, {
    name,
    branch,
    worktreePath,
    goals: request.goals,
    baseBranch,
    baseCommit,
    startedAt: now,
    plan: request.plan,
    ...(request.claudeSession ? { claudeSession: request.claudeSession } : {}),
    ...(request.startCommit ? { startCommit: request.startCommit } : {}),
    ...(request.issue ? { issue: request.issue } : {}),
    ...(request.pr ? { pr: request.pr } : {}),
  });
  if (request.pr) {
    // The session branch pulls from and pushes to the PR's branch; a sync then merges rather than rebases.
    await setUpstream(main, branch, request.pr.remote, request.pr.branch).catch((error: unknown) => {
      createWarnings.push(
        `The branch ${branch} could not be set to track ${request.pr!.remote}/${request.pr!.branch} (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); set it with: ${commandLine(['git', 'branch', `--set-upstream-to=${request.pr!.remote}/${request.pr!.branch}`, branch])}`,
      );
    });
  }
  // The session exists from here on; a workspace step that fails is reported, never rolled back.
  const workspace = await prepareWorkspaceSafely(project, created, {
    copy: request.copy,
    runSetup: request.runSetup,
    progress,
    now,
    mainFiles,
  });
  const session = findSession(readManifest(project.manifestPath, project.name), name) ?? created;
  const leftBehind = dirty.untracked.filter((path) => !workspace.packFiles.copied.includes(path));
  return {
    session,
    worktreePath,
    branch,
    baseBranch,
    baseCommit,
    dirty,
    stash: checked.stash,
    committed: checked.committed,
    notes: checked.notes,
    createWarnings,
    workspace,
    orphans,
    leftBehind,
  };
}
