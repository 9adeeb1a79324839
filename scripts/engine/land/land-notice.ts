/**
 * The UserPromptSubmit hook's part for `session land`: in a session worktree whose base a land
 * moved, tell the agent once what landed, how far the base moved, which files now conflict and
 * how to sync. Quiet when there is nothing new since it last spoke, or the session has caught up
 * with the moved base already. Finds its session from git's files, reads the manifest, asks git
 * one question at most, and writes only its marker in the sessions folder.
 */
import { basename, join } from 'node:path';
import { landNoticeContext, landNoticeKey } from '../../core/land-plan.js';
import { MANIFEST_FILE } from '../../core/paths.js';
import { realPathAllowMissing } from '../../lib/safe-fs.js';
import { readHeard, writeHeard } from '../../store/land-heard.js';
import { readManifest } from '../../store/manifest-store.js';
import { worktreePathOf } from '../../store/project.js';
import { isAncestor } from '../../git/branches.js';
import { sessionOfFolder } from '../../workspace/session-of-folder.js';

/** The context to add for a prompt in `cwd`, or null when there is nothing to say. */
export async function landNoticeFor(cwd: string): Promise<string | null> {
  const found = sessionOfFolder(cwd);
  if (!found) return null;
  const manifest = readManifest(join(found.sessionsDir, MANIFEST_FILE), basename(found.mainCheckout));
  const entry = manifest.sessions.find((candidate) => candidate.id === found.id);
  // The manifest's word is checked against the layout: its worktree must be the one the hook runs in.
  const session =
    entry && realPathAllowMissing(worktreePathOf({ mainCheckout: found.mainCheckout }, entry)) === found.worktree
      ? entry
      : undefined;
  const notice = session?.landNotice;
  if (!session || !notice || session.status !== 'active') return null;
  const key = landNoticeKey(notice);
  if (readHeard(found.sessionsDir, session.id) === key) return null;
  // Synced since (or merged the base in by hand): nothing to tell.
  const caughtUp = await isAncestor(found.mainCheckout, notice.to, `refs/heads/${session.branch}`).catch(() => false);
  const text = caughtUp ? null : landNoticeContext(session.id, notice, { ready: session.ready !== undefined });
  try {
    writeHeard(found.sessionsDir, session.id, key);
  } catch {
    /* a marker that cannot be written means the notice may come again; never an error */
  }
  return text;
}
