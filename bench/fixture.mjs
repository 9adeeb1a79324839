// Builds reproducible benchmark repositories: N files spread over folders, one commit, a fixed identity.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const benchEnv = (home) => ({
  PATH: process.env.PATH,
  HOME: home,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  LANG: 'C',
  LC_ALL: 'C',
  NO_COLOR: '1',
});

/**
 * Where benchmark repositories live: BENCH_DIR, else /dev/shm when the machine has it (a RAM
 * disk, so disk speed does not swamp what is measured), else the temp folder.
 */
export const benchDir = process.env.BENCH_DIR || (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());

export function makeBenchRepo(fileCount = 5000) {
  const root = realpathSync(mkdtempSync(join(benchDir, 'fr-bench-')));
  const home = join(root, 'home');
  mkdirSync(home);
  const main = join(root, 'app');
  const env = benchEnv(home);
  mkdirSync(main);
  const git = (args, cwd = main) =>
    execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  git(['init', '-q', '-b', 'main']);
  for (let i = 0; i < fileCount; i++) {
    const folder = join(main, 'src', `mod${String(i % 50).padStart(2, '0')}`);
    if (i < 50) mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `file${i}.js`), `export const value${i} = ${i};\n`);
  }
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'Initial commit']);
  return {
    root,
    main,
    env,
    git,
    sessions: join(root, 'app-sessions'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
