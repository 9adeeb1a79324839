/**
 * Replaces a corrupt manifest with one rebuilt from `git worktree list`. Under the lock: the
 * file is checked to be still unusable, moved aside (never deleted), and the new one written
 * atomically. If the write fails, the bad file is put back where it was.
 */
import { existsSync, renameSync } from 'node:fs';
import { ManifestInvalidError, readManifest, withManifestLock } from '../../store/manifest-store.js';
import type { SessionEntry } from '../../core/manifest-types.js';
import type { Project } from '../../store/project.js';

export type RebuildOutcome = { rebuilt: true; aside: string } | { rebuilt: false; why: string };

export async function rebuildManifest(
  project: Project,
  aside: string,
  sessions: SessionEntry[],
): Promise<RebuildOutcome> {
  return withManifestLock(project.manifestPath, (write) => {
    try {
      readManifest(project.manifestPath, project.name);
      return { rebuilt: false, why: 'the manifest reads correctly now (another process fixed it)' };
    } catch (error) {
      if (!(error instanceof ManifestInvalidError)) throw error;
    }
    let target = aside;
    for (let n = 2; existsSync(target); n++) target = `${aside}-${n}`;
    renameSync(project.manifestPath, target);
    try {
      write({ version: 1, project: project.name, sessions });
    } catch (error) {
      if (!existsSync(project.manifestPath)) renameSync(target, project.manifestPath);
      throw error;
    }
    return { rebuilt: true, aside: target };
  });
}
