/** Which session a command acts on: the one named, or else the one whose worktree holds cwd. */
import { RefusalError, UsageError } from '../lib/errors.js';
import { sessionNameProblem } from '../core/names.js';
import { findSession, type Manifest, type SessionEntry } from '../core/manifest-types.js';
import { sessionAtPath } from '../core/session-lookup.js';
import type { Project } from '../core/project.js';

export function resolveSession(project: Project, manifest: Manifest, name: string | undefined, command: string): SessionEntry {
  if (name !== undefined) {
    const problem = sessionNameProblem(name);
    if (problem) throw new UsageError(`invalid session name ${JSON.stringify(name)}: ${problem}`);
    const session = findSession(manifest, name);
    if (!session) {
      const known = manifest.sessions.map((s) => s.id).join(', ') || 'none';
      throw new RefusalError('no-such-session', `There is no session named "${name}" (registered: ${known}).`, 'Run `session status` to see the sessions.');
    }
    return session;
  }
  const here = project.currentWorktree ? sessionAtPath(project.mainCheckout, manifest, project.currentWorktree) : null;
  if (!here) {
    throw new UsageError(`not inside a session worktree, so ${command} needs a session name`, `Run \`session ${command} <name>\`, or run it from inside the session's worktree. \`session status\` lists the sessions.`);
  }
  return here;
}
