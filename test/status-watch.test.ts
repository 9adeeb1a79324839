/**
 * `status --watch` as a coordinator runs it: the bundle in a process of its own, drawing a frame at start and again
 * when an agent's state file, a ref or the manifest changes, never when nothing did, and ending cleanly on SIGINT.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BUNDLE, makeRepo, ROOT, type Repo } from './helpers/gitdir.js';

const HOOK = join(ROOT, 'dist/hook.cjs');
let repo: Repo;
let watcher: ChildProcess | null = null;
afterEach(() => {
  if (watcher && watcher.exitCode === null) watcher.kill('SIGKILL');
  watcher = null;
  repo?.cleanup();
});

const HEADER = /^Parallel sessions of .+, as of \d\d:\d\d:\d\d; redrawn on every change \(Ctrl-C to stop\)\.$/m;

interface Watching {
  frames: () => string[];
  /** Waits for a frame after the `seen` first ones that matches. */
  frame: (seen: number, test: (frame: string) => boolean, what: string) => Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

function watch(): Watching {
  const child = spawn('node', [BUNDLE, 'status', '--watch'], {
    cwd: repo.main,
    env: repo.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  watcher = child;
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('close', (code, signal) => done({ code, signal })),
  );
  // Frames are whole: each starts with the header line and ends with the status's Next steps.
  const frames = () =>
    stdout.split(/\n(?=Parallel sessions of )/).filter((frame) => HEADER.test(frame) && /\nNext:/.test(frame));
  return {
    frames,
    output: () => stdout + stderr,
    exit,
    async frame(seen, test, what) {
      for (let i = 0; i < 150; i++) {
        const found = frames().slice(seen).find(test);
        if (found) return found;
        await new Promise((done) => setTimeout(done, 100));
      }
      throw new Error(`no frame ${what} after the first ${seen}; output:\n${stdout}\n${stderr}`);
    },
  };
}

function runHook(worktree: string, hook_event_name: string): void {
  const result = spawnSync('sh', ['-c', `node '${HOOK}' agent-state || true`], {
    cwd: worktree,
    env: repo.env,
    input: JSON.stringify({ session_id: 'watched-conversation', cwd: worktree, hook_event_name }),
    encoding: 'utf8',
  });
  if (result.status !== 0 || result.stdout !== '')
    throw new Error(`hook: ${result.status} ${result.stdout}${result.stderr}`);
}

describe('session status --watch', () => {
  it("redraws when an agent's state, a ref or the manifest changes, only then, and stops cleanly on SIGINT", async () => {
    repo = makeRepo();
    for (const name of ['alpha', 'beta']) repo.helper(['start', name, '--no-setup']);
    const alpha = join(repo.sessions, 'alpha');
    const watching = watch();

    const first = await watching.frame(
      0,
      (frame) => frame.includes('✓ 2 parallel sessions, 0 needing attention'),
      'at start',
    );
    expect(first).toMatch(/\nalpha +session\/alpha/);
    // Nothing changes, nothing is drawn: its own git calls write nothing it watches.
    await new Promise((done) => setTimeout(done, 1500));
    expect(watching.frames()).toHaveLength(1);

    runHook(alpha, 'Stop');
    const waiting = await watching.frame(
      1,
      (frame) => frame.includes('1 needs you'),
      'after the hook wrote a state file',
    );
    expect(waiting).toContain('! alpha: waiting <1 min: its turn ended');

    repo.write('work.txt', 'work\n', alpha);
    repo.commitAll('Work in alpha', alpha);
    const committed = await watching.frame(
      watching.frames().length,
      (frame) => /\nalpha +active +waiting <1 min +main +\+1\/-0/.test(frame),
      'after a commit moved a ref',
    );
    expect(committed).toContain('alpha');

    const ended = repo.helper(['end', 'beta', '--strategy', 'abandon', '--confirm', 'beta']);
    expect(ended.exitCode, ended.stderr).toBe(0);
    await watching.frame(
      watching.frames().length,
      (frame) => frame.includes('1 parallel session, 1 needs you'),
      'after the manifest changed',
    );

    const drawn = watching.frames().length;
    watcher!.kill('SIGINT');
    expect(await watching.exit).toEqual({ code: 0, signal: null });
    expect(watching.output().trimEnd().split('\n').at(-1)).toBe(`- Stopped watching (${drawn} frames drawn).`);
  });

  it('refuses --json, which is one document, as a usage error', async () => {
    repo = makeRepo();
    const result = await repo.cli(['status', '--watch', '--json']);
    expect(result.exitCode).toBe(2);
    expect(result.json.error).toMatchObject({
      code: 'usage',
      message: '--watch draws the status for a terminal; it cannot be --json',
    });
  });
});
