/**
 * The one place that starts processes. Every call names its cwd; zx quotes every value.
 * stdin is closed so that nothing we run can ever wait for a terminal.
 *
 * Neither zx nor node's child_process module is loaded until the first process: loading them
 * costs a hook a good part of its budget above node's own start-up, and most hook runs start
 * none. The hooks go further and start git directly (startProcessesDirectly), without zx or a
 * shell in between.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import type { Options, ProcessOutput } from 'zx/core';
import { GitError } from './errors.js';
import { shellQuote } from './shell-words.js';

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunOptions {
  /** Exit codes that are answers rather than failures, e.g. merge-tree's 1 for "conflicts". */
  okExitCodes?: number[];
  env?: NodeJS.ProcessEnv;
  /** Milliseconds; the process is killed past it. */
  timeout?: number;
  /**
   * Runs the process in a process group of its own and hands back a way to signal that whole
   * group, for long steps (a dependency install) whose children must not outlive an interrupt.
   */
  group?: (signalGroup: (signal: NodeJS.Signals) => void) => void;
}

/**
 * The environment and the error stream of the command being run: the CLI sets them for the
 * whole run (lib/cli.ts), so a run in-process, as the tests do it, gives git its own
 * environment and keeps its progress lines, exactly as a process of its own would.
 */
export interface ProcessScope {
  env: NodeJS.ProcessEnv;
  stderr: { write(text: string): unknown };
}

const scope = new AsyncLocalStorage<ProcessScope>();

export function withProcessScope<T>(given: ProcessScope, work: () => Promise<T>): Promise<T> {
  return scope.run(given, work);
}

function current(): ProcessScope {
  return scope.getStore() ?? { env: process.env, stderr: process.stderr };
}

const quietEnv: NodeJS.ProcessEnv = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_EDITOR: 'true',
  GIT_SEQUENCE_EDITOR: 'true',
  GIT_MERGE_AUTOEDIT: 'no',
};


function shellFor(cwd: string, options: RunOptions): Partial<Options> {
  return {
    cwd,
    shell: '/bin/sh',
    prefix: '',
    postfix: '',
    // zx runs every command through a shell: /bin/sh starts faster than bash, and POSIX single quotes read literally in sh, dash and bash.
    quote: shellQuote,
    quiet: true,
    nothrow: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...current().env, ...quietEnv, ...options.env },
    ...(options.timeout ? { timeout: options.timeout } : {}),
    ...(options.group ? { detached: true } : {}),
  };
}

/** zx is loaded with the first process, not at start-up: a hook that starts none (agent-state) does not pay for it. */
let zxModule: Promise<typeof import('zx/core')> | null = null;
const loadZx = () => (zxModule ??= import('zx/core'));

/** node's child_process, loaded on its first use for the same reason. */
const childProcess = () => createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');

let direct = false;

/**
 * From here on, this process starts each program itself, with no shell and without zx: for the
 * hook bundle, whose every run is on the agent's critical path. Arguments go as one array either
 * way, so nothing is ever parsed by a shell.
 */
export function startProcessesDirectly(on = true): void {
  direct = on;
}

type Finished = Pick<ProcessOutput, 'exitCode' | 'stdout' | 'stderr' | 'duration'>;

function settle(cwd: string, program: string, args: readonly string[], options: RunOptions, output: Finished): RunResult {
  const ok = options.okExitCodes ?? [0];
  const { env, stderr } = current();
  if (env.FLIGHT_RULES_TRACE) {
    stderr.write(`[trace] at ${Math.round(process.uptime() * 1000)} ms: ${output.duration} ms exit ${output.exitCode} ${program} ${args.join(' ')} (in ${cwd})\n`);
  }
  const exitCode = output.exitCode ?? -1;
  if (!ok.includes(exitCode)) {
    throw new GitError([program, ...args], cwd, output.exitCode, output.stderr, output.stdout);
  }
  return { stdout: output.stdout, stderr: output.stderr, exitCode };
}

/** The program itself, no shell, no zx: stdin closed, both streams collected, killed past the timeout. */
function runDirectly(cwd: string, program: string, args: readonly string[], options: RunOptions): Promise<Finished> {
  const started = Date.now();
  return new Promise((done) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let failure: NodeJS.ErrnoException | null = null;
    let settled = false;
    const finish = (code: number | null) => {
      if (settled) return;
      settled = true;
      done({
        exitCode: failure ? (failure.code === 'ENOENT' ? 127 : null) : code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8') || (failure?.message ?? ''),
        duration: Date.now() - started,
      });
    };
    const child = childProcess().spawn(program, [...args], {
      cwd,
      env: { ...current().env, ...quietEnv, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.timeout ? { timeout: options.timeout } : {}),
      ...(options.group ? { detached: true } : {}),
    });
    options.group?.((signal) => {
      if (!child.pid) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        /* the group is gone already */
      }
    });
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      failure = error;
      // A program that never started gives no 'close' to wait for.
      if (child.pid === undefined) finish(null);
    });
    child.on('close', finish);
  });
}

export async function run(cwd: string, program: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  if (direct) return settle(cwd, program, args, options, await runDirectly(cwd, program, args, options));
  const { $: zx, ProcessOutput } = await loadZx();
  let output: ProcessOutput;
  try {
    const running = zx(shellFor(cwd, options))`${program} ${args}`;
    options.group?.((signal) => {
      if (!running.pid) return;
      try {
        process.kill(-running.pid, signal);
      } catch {
        /* the group is gone already */
      }
    });
    output = await running;
  } catch (error) {
    output = error instanceof ProcessOutput ? error : ProcessOutput.fromError(error as Error);
  }
  return settle(cwd, program, args, options, output);
}

/**
 * The same, blocking, and with no shell in between: only for the rare question asked where
 * nothing may await (a process's start time or parent on macOS).
 */
export function runSync(cwd: string, program: string, args: readonly string[], options: RunOptions = {}): RunResult {
  const started = Date.now();
  const result = childProcess().spawnSync(program, [...args], {
    cwd,
    env: { ...current().env, ...quietEnv, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    ...(options.timeout ? { timeout: options.timeout } : {}),
  });
  const missing = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return settle(cwd, program, args, options, {
    exitCode: missing ? 127 : result.status,
    stdout: result.stdout ?? '',
    stderr: result.stderr || (result.error ? result.error.message : ''),
    duration: Date.now() - started,
  });
}

export function git(cwd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run(cwd, 'git', args, options);
}

/** Lines of stdout without the trailing empty one. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.length > 0);
}

/**
 * Starts a program that outlives this process (its own session, no pipes, not waited for):
 * only for a last step that must happen after the caller's shell is done, such as removing
 * the empty folder that shell stood in.
 */
export function spawnDetached(cwd: string, program: string, args: readonly string[]): void {
  const child = childProcess().spawn(program, [...args], { cwd, detached: true, stdio: 'ignore', env: { ...current().env, ...quietEnv } });
  child.on('error', () => undefined);
  child.unref();
}
