/**
 * Which session a command acts on: the one named, or else the one whose worktree holds cwd;
 * and, before anything acts on it, whether its manifest entry agrees with git and the layout.
 */
import { helper } from '../lib/invocation.js';
import { RefusalError, UsageError } from '../lib/errors.js';
import { sessionNameProblem } from '../core/names.js';
import { findSession, type Manifest, type SessionEntry } from '../core/manifest-types.js';
import { sessionAtPath } from '../core/session-lookup.js';
import { entryTrustProblems } from '../core/entry-trust.js';
import { worktreePathOf, type Project } from '../store/project.js';

export function resolveSession(
  project: Project,
  manifest: Manifest,
  name: string | undefined,
  command: string,
): SessionEntry {
  if (name !== undefined) {
    const problem = sessionNameProblem(name);
    if (problem) throw new UsageError(`invalid session name ${JSON.stringify(name)}: ${problem}`);
    const session = findSession(manifest, name);
    if (!session) {
      const known = manifest.sessions.map((s) => s.id).join(', ') || 'none';
      throw new RefusalError(
        'no-such-session',
        `There is no session named "${name}" (registered: ${known}).`,
        `Run \`${helper('status')}\` to see the sessions.`,
      );
    }
    return session;
  }
  const here = project.currentWorktree
    ? sessionAtPath((entry) => worktreePathOf(project, entry), manifest, project.currentWorktree)
    : null;
  if (!here) {
    throw new UsageError(
      `not inside a session worktree, so ${command} needs a session name`,
      `Run \`session ${command} <name>\`, or run it from inside the session's worktree. \`${helper('status')}\` lists the sessions.`,
    );
  }
  return here;
}

/** Why the entry cannot be trusted, checked against git's worktree list and the sessions folder. */
export function trustProblemsOf(project: Project, entry: SessionEntry): string[] {
  return entryTrustProblems(entry, {
    sessionsDir: project.sessionsDir,
    worktreeReal: worktreePathOf(project, entry),
    branchPrefix: project.config.branchPrefix,
    worktrees: project.worktrees.map((record) => ({ path: record.path, branch: record.branch })),
    mainCheckout: project.mainCheckout,
  });
}

/** Refuses to act on an entry that disagrees with git or the layout; it is reported, never touched. */
export function assertTrusted(project: Project, entry: SessionEntry): void {
  const problems = trustProblemsOf(project, entry);
  if (problems.length === 0) return;
  throw new RefusalError(
    'entry-untrusted',
    `The manifest entry of "${entry.id}" disagrees with git or the layout, so nothing acts on it:\n${problems.map((problem) => `  ${problem}`).join('\n')}`,
    `A hand edit or another tool changed ${project.manifestPath}. Fix or remove that entry there; \`${helper('status')}\` shows what git knows.`,
    { session: entry.id, problems },
  );
}
