/**
 * What `session restore` decides on, read only: the history record to restore, the session's
 * saved refs, its branch now, and what stands where the worktree would go.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { helper } from '../../lib/invocation.js';
import { RefusalError } from '../../lib/errors.js';
import { HISTORY_FILE } from '../../core/paths.js';
import { findSession } from '../../core/manifest-types.js';
import { chooseRecord, savedWork, type RestoreFacts } from '../../core/restore-plan.js';
import { readHistory } from '../../store/history.js';
import { readManifest } from '../../store/manifest-store.js';
import type { Project } from '../../store/project.js';
import { branchTips } from '../../git/branches.js';
import { heldBranches } from '../../git/checkout-state.js';
import { commitParents, refsUnder } from '../../git/refs.js';
import { resolveCommit } from '../../git/repo.js';

export async function gatherRestoreFacts(
  project: Project,
  name: string,
  at: string | undefined,
): Promise<RestoreFacts> {
  const main = project.mainCheckout;
  const historyPath = join(project.sessionsDir, HISTORY_FILE);
  const history = readHistory(project.sessionsDir);
  if (history.problem)
    throw new RefusalError(
      'history-unreadable',
      `The session history cannot be read: ${history.problem}; nothing was changed.`,
      `Check ${historyPath}: it must be a regular file.`,
    );
  const records = history.records.filter((record) => record.id === name);
  if (records.length === 0) {
    throw new RefusalError(
      'nothing-to-restore',
      `No ended session named "${name}" is recorded in ${historyPath}, so there is nothing to restore; nothing was changed.`,
      `Run \`${helper('status')}\`: its Leftovers list the sessions that can be restored.`,
    );
  }
  const record = chooseRecord(records, at);
  if (!record) {
    const ends = records
      .map((item) => `${item.endedAt} (${item.strategy}${item.savedAs ? `, ${item.savedAs}` : ''})`)
      .reverse();
    throw new RefusalError(
      'no-such-end',
      `Session "${name}" has no end matching --at ${at}; nothing was changed. Its ends, newest first:\n${ends.map((line) => `  ${line}`).join('\n')}`,
      `Pass --at with one of those times or refs, or leave --at out to restore the newest.`,
      {
        ends: records.map((item) => ({
          endedAt: item.endedAt,
          strategy: item.strategy,
          savedAs: item.savedAs ?? null,
        })),
      },
    );
  }
  const worktreePath = join(project.sessionsDir, name);
  const manifest = readManifest(project.manifestPath, project.name);
  const branchRef = `refs/heads/${record.branch}`;
  const [refs, tips, savedTip, head] = await Promise.all([
    refsUnder(main, [`refs/sessions/abandoned/${name}/`, `refs/sessions/saved/${name}/`]),
    branchTips(main, [record.branch]),
    record.savedAs && record.savedAs !== branchRef ? resolveCommit(main, record.savedAs) : Promise.resolve(null),
    record.head ? resolveCommit(main, record.head) : Promise.resolve(null),
  ]);
  if (savedTip && record.savedAs) (refs as Map<string, string>).set(record.savedAs, savedTip);
  const branchTip = tips.get(record.branch)?.commit ?? null;
  const work = savedWork(record, refs);
  const holder = heldBranches(project.worktrees).find((held) => held.branch === branchRef);
  return {
    name,
    record,
    recordCount: records.length,
    branchPrefix: project.config.branchPrefix,
    mainCheckout: main,
    worktreePath,
    registered: findSession(manifest, name) !== undefined,
    worktreePathExists: present(worktreePath),
    worktreeRecordExists: project.worktrees.some((worktree) => worktree.path === worktreePath),
    branchTip,
    branchHeldBy: holder?.path ?? null,
    savedTip: record.savedAs === branchRef ? branchTip : savedTip,
    headExists: head !== null,
    refs,
    snapshotParents: work.changes ? await commitParents(main, refs.get(work.changes)!) : null,
  };
}

/** Anything at the path, a dangling symbolic link included. */
function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
