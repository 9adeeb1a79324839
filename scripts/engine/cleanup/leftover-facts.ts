/**
 * Gathers what core/leftovers.ts decides on, reading only: the refs come from the caller's
 * one for-each-ref; here the history is read, the sessions folder listed, and each base
 * asked once which refs it holds (`for-each-ref --merged`).
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { latestRecords } from '../../core/history-records.js';
import type { LeftoverFacts, RefRow } from '../../core/leftovers.js';
import type { Manifest } from '../../core/manifest-types.js';
import { shortBranch } from '../../core/worktree-list.js';
import type { Limit } from '../../lib/limit.js';
import { readHistory } from '../../store/history.js';
import type { Project } from '../../store/project.js';
import { heldBranches } from '../../git/checkout-state.js';
import { refsMergedInto } from '../../git/refs.js';
import { savedRefGroup } from '../../core/leftovers.js';

/** What a session leaves in the sessions folder beside its worktree: its setup and land-check logs, and the land notice's marker. */
const SESSION_FILE = /^(?:[a-z0-9]+(?:-[a-z0-9]+)*\.(?:setup|check)\.log|\.[a-z0-9]+(?:-[a-z0-9]+)*\.heard)$/;

function listSessionsFolder(sessionsDir: string): { names: Set<string>; setupLogs: string[] } {
  let entries: string[];
  try {
    entries = readdirSync(sessionsDir);
  } catch {
    return { names: new Set(), setupLogs: [] };
  }
  const setupLogs: string[] = [];
  const names = new Set<string>();
  for (const name of entries) {
    if (SESSION_FILE.test(name)) {
      try {
        if (lstatSync(join(sessionsDir, name)).isFile()) setupLogs.push(name);
      } catch {
        /* gone meanwhile */
      }
    } else if (!name.startsWith('.')) {
      names.add(name);
    }
  }
  return { names, setupLogs };
}

export async function gatherLeftoverFacts(
  project: Project,
  manifest: Manifest,
  refs: readonly RefRow[],
  now: Date,
  limit: Limit = (task) => task(),
): Promise<LeftoverFacts> {
  const history = latestRecords(readHistory(project.sessionsDir).records);
  const { names, setupLogs } = listSessionsFolder(project.sessionsDir);
  const defaultBase = project.config.baseBranch ?? shortBranch(project.worktrees[0]!.branch);
  const prefix = `refs/heads/${project.config.branchPrefix}`;
  const registeredIds = new Set(manifest.sessions.map((session) => session.id));
  // Only the bases of leftovers are asked about, and only bases that exist.
  const sessions = new Set<string>();
  for (const row of refs) {
    if (row.ref.startsWith(prefix)) sessions.add(row.ref.slice(prefix.length));
    const group = savedRefGroup(row.ref);
    if (group) sessions.add(group.session);
  }
  const branches = new Set(
    refs.filter((row) => row.ref.startsWith('refs/heads/')).map((row) => row.ref.slice('refs/heads/'.length)),
  );
  const bases = new Set<string>();
  for (const session of sessions) {
    if (registeredIds.has(session)) continue;
    const base = history.get(session)?.base.branch ?? defaultBase;
    if (base && branches.has(base)) bases.add(base);
  }
  const mergedInto = new Map<string, Set<string>>();
  await Promise.all(
    [...bases].map(async (base) => {
      mergedInto.set(
        base,
        await limit(() =>
          refsMergedInto(project.mainCheckout, `refs/heads/${base}`, ['refs/heads/', 'refs/sessions/']),
        ),
      );
    }),
  );
  return {
    branchPrefix: project.config.branchPrefix,
    defaultBase,
    refs,
    registered: manifest.sessions.map((session) => ({ id: session.id, branch: session.branch })),
    held: new Set(heldBranches(project.worktrees).flatMap((held) => (held.branch ? [held.branch] : []))),
    folderNames: names,
    setupLogs,
    history,
    mergedInto,
    now,
    maxAgeDays: project.config.savedRefsMaxAgeDays,
  };
}
