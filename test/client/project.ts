/**
 * A real temporary git repository with the pack installed by the installer's own code and `.claude/` committed (so
 * session worktrees have the commands), and the client's HOME beside it with the main checkout trusted.
 */
import { join } from 'node:path';
import { makeRepo, type Repo, type RepoOptions } from '../helpers/gitdir.js';
import { main as install } from '../../scripts/install/main.js';
import { ClientHome } from './runner.js';

export interface ClientProject {
  repo: Repo;
  home: ClientHome;
  /** Where session `name`'s worktree is (or will be). */
  worktree(name: string): string;
  cleanup(): void;
}

export async function installedProject(options: RepoOptions = {}, installArgs: string[] = []): Promise<ClientProject> {
  const repo = makeRepo(options);
  let output = '';
  const code = await install(installArgs, {
    cwd: repo.main,
    env: repo.env,
    stdout: { write: (text: string) => (output += text) },
    stderr: { write: (text: string) => (output += text) },
  });
  if (code !== 0) throw new Error(`install failed (${code}):\n${output}`);
  repo.git(['add', '.claude', '.gitattributes']);
  repo.git(['commit', '-q', '-m', 'Add Flight Rules session commands']);
  // The same HOME the hermetic git environment uses, so helper and client agree on it.
  const home = new ClientHome(repo.env.HOME!).trust(repo.main);
  return {
    repo,
    home,
    worktree: (name) => join(repo.sessions, name),
    cleanup: () => repo.cleanup(),
  };
}
