/**
 * The UserPromptSubmit hook's part for `session land`: in a session worktree whose base a land
 * moved, tell the agent once what landed, how far the base moved, which files now conflict and
 * how to sync. Quiet when there is nothing new since it last spoke, or the session has caught up
 * with the moved base already. Reads the manifest and asks git one question at most; writes only
 * its marker in the sessions folder.
 */
import { basename, join } from 'node:path';
import { realpathSync } from 'node:fs';
import { landNoticeContext, landNoticeKey } from '../../core/land-plan.js';
import { isWithin, MANIFEST_FILE, sessionsDirFor } from '../../core/paths.js';
import { sessionAtPath } from '../../core/session-lookup.js';
import { realPathAllowMissing } from '../../lib/safe-fs.js';
import { loadConfig } from '../../store/config-file.js';
import { readHeard, writeHeard } from '../../store/land-heard.js';
import { readManifest } from '../../store/manifest-store.js';
import { worktreePathOf } from '../../store/project.js';
import { isAncestor } from '../../git/branches.js';
import { listWorktrees } from '../../git/worktrees.js';

/** The context to add for a prompt in `cwd`, or null when there is nothing to say. */
export async function landNoticeFor(cwd: string): Promise<string | null> {
  const here = realpathSync(cwd);
  const worktrees = await listWorktrees(here);
  const main = worktrees[0];
  if (!main || main.bare) return null;
  const holder = worktrees.filter((record) => !record.bare && isWithin(record.path, here)).sort((a, b) => b.path.length - a.path.length)[0];
  if (!holder || holder.path === main.path) return null;
  const config = loadConfig(main.path);
  const sessionsDir = realPathAllowMissing(sessionsDirFor(main.path, config.sessionsDir));
  const manifest = readManifest(join(sessionsDir, MANIFEST_FILE), basename(main.path));
  const session = sessionAtPath((entry) => worktreePathOf({ mainCheckout: main.path }, entry), manifest, holder.path);
  const notice = session?.landNotice;
  if (!session || !notice || session.status !== 'active') return null;
  const key = landNoticeKey(notice);
  if (readHeard(sessionsDir, session.id) === key) return null;
  // Synced since (or merged the base in by hand): nothing to tell.
  const caughtUp = await isAncestor(main.path, notice.to, `refs/heads/${session.branch}`).catch(() => false);
  const text = caughtUp ? null : landNoticeContext(session.id, notice, { ready: session.ready !== undefined });
  try {
    writeHeard(sessionsDir, session.id, key);
  } catch {
    /* a marker that cannot be written means the notice may come again; never an error */
  }
  return text;
}
