/**
 * Stress and fault injection with real processes. `npm test` runs a bounded size;
 * `npm run stress` (STRESS_FULL=1) runs 32 workers and 50 kill trials. The crash matrix
 * (test/crash-matrix.test.ts) kills every operation and strategy at chosen moments.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, makeRepo, type Repo } from './helpers/gitdir.js';
import { schemaErrors } from './helpers/schemas.js';

const FULL = process.env.STRESS_FULL === '1';
const WORKERS = FULL ? 32 : 4;
const ROUNDS = FULL ? 6 : 3;
const KILL_TRIALS = FULL ? 50 : 10;
/** The full size runs for minutes on 2 cores; the default 60 s limit would cut it off part way. */
const TIMEOUT_MS = FULL ? 600_000 : 120_000;

let repo: Repo;
afterEach(() => repo?.cleanup());

/** Deterministic pseudo-random numbers, so a failing run can be replayed from its seed. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function sessionIds(repo: Repo): string[] {
  return repo
    .manifest()
    .sessions.map((s: any) => s.id)
    .sort();
}

function gitSessionWorktrees(repo: Repo): string[] {
  return repo
    .git(['worktree', 'list', '--porcelain'])
    .split('\n')
    .filter((line) => line.startsWith('worktree ') && line.includes(`${repo.sessions}/`))
    .map((line) => line.slice('worktree '.length).slice(repo.sessions.length + 1))
    .sort();
}

function leftovers(repo: Repo): string[] {
  if (!existsSync(repo.sessions)) return [];
  return readdirSync(repo.sessions).filter((name) => /\.(lock|tmp|stale)$/.test(name) || name.includes('.lock.'));
}

function allReachable(repo: Repo, tips: string[]): string[] {
  const reachable = new Set(repo.git(['rev-list', '--all']).split('\n'));
  return tips.filter((tip) => !reachable.has(tip));
}

/** Starts a helper process and, if `killAfterMs` is set, SIGKILLs it then. */
function runHelper(
  repo: Repo,
  args: string[],
  cwd: string,
  killAfterMs?: number,
): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', [BUNDLE, ...args], { cwd, env: repo.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const timer = killAfterMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

describe('stress: many workers start and end sessions at random', () => {
  it(
    `${WORKERS} workers x ${ROUNDS} rounds keep the manifest and git in agreement and lose no commit`,
    async () => {
      repo = makeRepo();
      const origin = join(repo.root, 'origin.git');
      repo.git(['init', '-q', '--bare', origin]);
      repo.git(['remote', 'add', 'origin', origin]);
      const tips: string[] = [];
      const failures: string[] = [];

      const worker = async (w: number) => {
        const rand = random(1000 + w);
        const mine: string[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          if (mine.length === 0 || rand() < 0.6) {
            const id = `w${w}-r${round}`;
            const result = await runHelper(repo, ['start', id, '--no-setup', '--copy', 'none'], repo.main);
            if (result.code !== 0) {
              failures.push(`start ${id}: ${result.out}`);
              continue;
            }
            const worktree = join(repo.sessions, id);
            writeFileSync(join(worktree, `${id}.txt`), `work of ${id}\n`);
            repo.git(['add', '-A'], worktree);
            repo.git(['commit', '-q', '-m', `work ${id}`], worktree);
            tips.push(repo.git(['rev-parse', 'HEAD'], worktree).trim());
            mine.push(id);
          } else {
            const id = mine.splice(Math.floor(rand() * mine.length), 1)[0]!;
            const strategy = (['merge', 'keep', 'abandon'] as const)[Math.floor(rand() * 3)]!;
            const args = ['end', id, '--strategy', strategy, ...(strategy === 'abandon' ? ['--confirm', id] : [])];
            const result = await runHelper(repo, args, join(repo.sessions, id));
            if (result.code !== 0) failures.push(`end ${id} ${strategy}: ${result.out}`);
          }
        }
      };
      await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));

      expect(failures).toEqual([]);
      const manifest = repo.manifest();
      expect(schemaErrors('manifest', manifest)).toBe('');
      expect(sessionIds(repo)).toEqual(gitSessionWorktrees(repo));
      expect(leftovers(repo)).toEqual([]);
      expect(allReachable(repo, tips)).toEqual([]);
    },
    TIMEOUT_MS,
  );
});

describe('fault injection: SIGKILL at random moments', () => {
  it(
    `${KILL_TRIALS} killed starts and ends leave a valid manifest that one cleanup reconciles, losing nothing`,
    async () => {
      repo = makeRepo();
      const rand = random(42);
      // Kill within the time a whole start or end takes here, so that most kills land mid-way.
      const probe = Date.now();
      expect((await runHelper(repo, ['start', 'probe', '--no-setup', '--copy', 'none'], repo.main)).code).toBe(0);
      expect(
        (await runHelper(repo, ['end', 'probe', '--strategy', 'abandon', '--confirm', 'probe'], repo.main)).code,
      ).toBe(0);
      // Under load the probe can mislead: a kill that came too late shrinks the window for the next trials.
      let window = Math.max(40, ((Date.now() - probe) / 2) * 0.8);
      const landed = (signal: string | null) => {
        if (signal === 'SIGKILL') killed++;
        else window = Math.max(20, window * 0.7);
      };
      const tips: string[] = [];
      const uncommitted: Array<{ id: string; file: string }> = [];
      let killed = 0;
      for (let trial = 0; trial < KILL_TRIALS; trial++) {
        const id = `k${trial}`;
        const killAfter = Math.floor(rand() * window);
        const killStart = rand() < 0.5;
        if (killStart) {
          const result = await runHelper(repo, ['start', id, '--no-setup', '--copy', 'none'], repo.main, killAfter);
          landed(result.signal);
        } else {
          const started = await runHelper(repo, ['start', id, '--no-setup', '--copy', 'none'], repo.main);
          expect(started.code, started.out).toBe(0);
          const worktree = join(repo.sessions, id);
          writeFileSync(join(worktree, `${id}.txt`), `committed ${id}\n`);
          repo.git(['add', '-A'], worktree);
          repo.git(['commit', '-q', '-m', `work ${id}`], worktree);
          tips.push(repo.git(['rev-parse', 'HEAD'], worktree).trim());
          const strategy = (['merge', 'keep', 'abandon'] as const)[Math.floor(rand() * 3)]!;
          if (strategy === 'abandon') {
            writeFileSync(join(worktree, `${id}-draft.txt`), `uncommitted ${id}\n`);
            uncommitted.push({ id, file: `${id}-draft.txt` });
          }
          const result = await runHelper(
            repo,
            ['end', id, '--strategy', strategy, ...(strategy === 'abandon' ? ['--confirm', id] : [])],
            repo.main,
            killAfter,
          );
          landed(result.signal);
        }
        if (existsSync(repo.manifestPath)) expect(schemaErrors('manifest', repo.manifest()), `trial ${trial}`).toBe('');
      }

      // Most trials must really be cut short, or this test proves nothing.
      expect(killed).toBeGreaterThanOrEqual(Math.ceil(KILL_TRIALS / 2));
      const cleanup = await runHelper(repo, ['cleanup', '--yes'], repo.main);
      expect(cleanup.code, cleanup.out).toBe(0);
      expect(schemaErrors('manifest', repo.manifest())).toBe('');
      expect(sessionIds(repo)).toEqual(gitSessionWorktrees(repo));
      expect(repo.manifest().sessions.every((s: any) => s.status === 'active')).toBe(true);
      expect(leftovers(repo)).toEqual([]);
      expect(allReachable(repo, tips)).toEqual([]);
      // An uncommitted change survives either in its worktree or in a saved abandon ref.
      for (const { id, file } of uncommitted) {
        const inWorktree = existsSync(join(repo.sessions, id, file));
        const saved = repo
          .git(['for-each-ref', '--format=%(refname)', `refs/sessions/abandoned/${id}/`])
          .split('\n')
          .filter(Boolean);
        const inRef = saved.some((ref) => repo.git(['ls-tree', '-r', '--name-only', ref]).split('\n').includes(file));
        expect(inWorktree || inRef, `uncommitted ${file} of ${id}`).toBe(true);
      }
    },
    TIMEOUT_MS,
  );
});
