/**
 * Real processes for the safety tests: the helper started as the leader of its own process
 * group (so SIGKILL can take git and every other child down with it, as a closed terminal
 * would), a background writer that keeps adding files to a folder the way an agent does,
 * and small waits on the file system.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { BUNDLE, type Repo } from './gitdir.js';

export interface GroupRun {
  child: ChildProcess;
  pid: number;
  /** Resolves when the helper exits, with its output so far. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `node dist/session.mjs ...args` as a process group leader. */
export function startHelperGroup(
  repo: Repo,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): GroupRun {
  const child = spawn('node', [BUNDLE, ...args], {
    cwd: options.cwd ?? repo.main,
    env: { ...repo.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => {
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    },
  );
  return { child, pid: child.pid!, done };
}

/** Sends `signal` to every process in the group led by `pid`; false when the group is already gone. */
export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every few milliseconds until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(check: () => boolean, timeoutMs: number, everyMs = 5): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > until) return false;
    await sleep(everyMs);
  }
}

/** Pids of live processes whose command line contains `needle` (Linux /proc). */
export function processesMatching(needle: string): number[] {
  const out = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout ?? '';
  return out
    .split('\n')
    .filter((line) => line.includes(needle) && !line.includes('ps -eo'))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
    .filter((pid) => pid !== process.pid);
}

const WRITER = `
const fs = require('node:fs');
const path = require('node:path');
const [dir, log, everyMs, maxMs] = process.argv.slice(1);
const logFd = fs.openSync(log, 'a');
const started = Date.now();
let n = 0;
let stopped = false;
process.on('SIGTERM', () => { stopped = true; });
function one() {
  if (stopped || Date.now() - started > Number(maxMs)) return process.exit(0);
  n++;
  const rel = 'agent-output/' + String(n).padStart(5, '0') + '.txt';
  try {
    fs.mkdirSync(path.join(dir, 'agent-output'), { recursive: false });
  } catch (error) {
    if (error.code !== 'EEXIST') return process.exit(0);
  }
  try {
    const fd = fs.openSync(path.join(dir, rel), 'wx');
    fs.writeSync(fd, 'written by the agent: ' + n + '\\n');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch (error) {
    return process.exit(0);
  }
  fs.writeSync(logFd, rel + '\\n');
  fs.fsyncSync(logFd);
  setTimeout(one, Number(everyMs));
}
one();
`;

export interface Writer {
  pid: number;
  /** Stops it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  exited: Promise<void>;
}

/**
 * A process that writes `agent-output/NNNNN.txt` into `dir` every `everyMs`, and records each
 * file in `log` (outside `dir`) only after the file is fsynced. It stops when `dir` goes away,
 * on SIGTERM, or after `maxMs`. The recorded files are `file content = written by the agent: N`.
 */
export function startWriter(dir: string, log: string, everyMs = 2, maxMs = 20_000): Writer {
  const child = spawn('node', ['-e', WRITER, dir, log, String(everyMs), String(maxMs)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    pid: child.pid!,
    exited,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The files a writer recorded, with the content it wrote. */
export function writerRecord(log: string): Array<{ path: string; content: string }> {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((path) => ({ path, content: `written by the agent: ${Number(path.slice('agent-output/'.length, -4))}\n` }));
}

export interface BoundedRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** True when it was killed for running past the timeout. */
  timedOut: boolean;
}

/**
 * Runs `node <script> ...args` with a wall-clock limit (SIGKILL past it) and a 1 GB data limit,
 * so a run that reads an endless file (/dev/zero) or waits on a FIFO fails fast instead of
 * eating the machine's memory or hanging the suite.
 */
export function runBounded(
  repo: Repo,
  script: string,
  args: string[],
  options: { cwd?: string; input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): BoundedRun {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const result = spawnSync('sh', ['-c', 'ulimit -d 1000000; exec node "$@"', 'sh', script, ...args], {
    cwd: options.cwd ?? repo.main,
    env: { ...repo.env, ...options.env },
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Date.now() - started;
  return {
    exitCode: result.status,
    signal: result.signal,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    ms,
    timedOut: result.signal === 'SIGKILL' && ms >= timeoutMs - 50,
  };
}
