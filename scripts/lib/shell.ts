/**
 * The one place that starts processes. Every call names its cwd and passes its arguments as
 * values: the helper's go through one configured zx `$`, which quotes every value for /bin/sh;
 * stdin is closed, or holds only the text the call gives it, so that nothing we run can ever wait for a terminal.
 *
 * The hooks run before every edit the agent makes, so they start git directly
 * (startProcessesDirectly): no shell and no zx, whose code alone costs a hook run about 10 ms
 * (the hook bundle leaves it out). Neither zx nor node's child_process module is loaded until the
 * first process: most hook runs start none.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Options, ProcessOutput } from 'zx/core';
import { GitError } from './errors.js';
import { shellQuote } from './shell-words.js';
import { startTrace, type Trace } from './trace.js';

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
  /** The whole of the process's stdin (for git's `--stdin` forms); without it, stdin is closed. */
  input?: string;
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
  /** Set when FLIGHT_RULES_TRACE is: every process is recorded and printed (lib/trace.ts). */
  trace?: Trace;
}

const scope = new AsyncLocalStorage<ProcessScope>();

export function withProcessScope<T>(given: ProcessScope, work: () => Promise<T>): Promise<T> {
  return scope.run(given, work);
}

/** Outside any run's scope (the hooks): the process's own environment and error stream, traced when it asks. */
let processScope: ProcessScope | null = null;

function current(): ProcessScope {
  const given = scope.getStore();
  if (given) return given;
  processScope ??= {
    env: process.env,
    stderr: process.stderr,
    ...(process.env.FLIGHT_RULES_TRACE ? { trace: startTrace((line) => process.stderr.write(`${line}\n`)) } : {}),
  };
  return processScope;
}

/** The environment the run's processes get: git's, for code that reads git's own files in its stead. */
export function processEnv(): NodeJS.ProcessEnv {
  return current().env;
}

/** Loads code the run needs now (a subcommand's modules), recorded in the trace as module load. */
export async function tracedLoad<T>(label: string, load: () => Promise<T>): Promise<T> {
  const trace = current().trace;
  const start = performance.now();
  const loaded = await load();
  trace?.spans.push({ kind: 'load', label, start, end: performance.now() });
  return loaded;
}

const quietEnv: NodeJS.ProcessEnv = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_EDITOR: 'true',
  GIT_SEQUENCE_EDITOR: 'true',
  GIT_MERGE_AUTOEDIT: 'no',
};

/** node's child_process, loaded on its first use. */
const childProcess = () => createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');

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
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    env: { ...current().env, ...quietEnv, ...options.env },
    ...(options.timeout ? { timeout: options.timeout } : {}),
    ...(options.group ? { detached: true } : {}),
  };
}

/** zx is loaded with the first process the helper starts, not at start-up. */
let zxModule: Promise<typeof import('zx/core')> | null = null;
const loadZx = () => (zxModule ??= import('zx/core'));

let direct = false;

/** From here on, this process starts each program itself, with no shell and without zx: for the hook bundle. */
export function startProcessesDirectly(on = true): void {
  direct = on;
}

type Finished = { exitCode: number | null; stdout: string; stderr: string };

/** Records one finished process in the run's trace and prints its line; nothing when not tracing. */
function traced(cwd: string, program: string, args: readonly string[], start: number, exitCode: number | null): void {
  const trace = current().trace;
  if (!trace) return;
  const end = performance.now();
  trace.spans.push({ kind: 'process', label: program, start, end });
  trace.write(
    `[trace] at ${Math.round(start)} ms: ${Math.round(end - start)} ms exit ${exitCode} ${program} ${args.join(' ')} (in ${cwd})`,
  );
}

function settle(
  cwd: string,
  program: string,
  args: readonly string[],
  options: RunOptions,
  output: Finished,
): RunResult {
  const ok = options.okExitCodes ?? [0];
  const exitCode = output.exitCode ?? -1;
  if (!ok.includes(exitCode)) {
    throw new GitError([program, ...args], cwd, output.exitCode, output.stderr, output.stdout);
  }
  return { stdout: output.stdout, stderr: output.stderr, exitCode };
}

/**
 * Why a program could not be started: one that is not installed answers as a shell would, exit 127; a folder
 * that is not there is said so, since node names only the program for both.
 */
function notStarted(cwd: string, program: string, error: NodeJS.ErrnoException): Finished {
  if (error.code === 'ENOENT' && !isFolder(cwd))
    return { exitCode: null, stdout: '', stderr: `cannot run ${program}: the folder ${cwd} does not exist` };
  if (error.code === 'ENOENT') return { exitCode: 127, stdout: '', stderr: `${program}: not found` };
  return { exitCode: null, stdout: '', stderr: `cannot run ${program}: ${error.message}` };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Runs `program` with `args` in `cwd` through zx, or directly in the hooks; its output, or a GitError. */
export async function run(
  cwd: string,
  program: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const start = performance.now();
  const output = direct ? await runDirectly(cwd, program, args, options) : await runWithZx(cwd, program, args, options);
  traced(cwd, program, args, start, output.exitCode);
  return settle(cwd, program, args, options, output);
}

async function runWithZx(
  cwd: string,
  program: string,
  args: readonly string[],
  options: RunOptions,
): Promise<Finished> {
  if (!isFolder(cwd))
    return { exitCode: null, stdout: '', stderr: `cannot run ${program}: the folder ${cwd} does not exist` };
  const { $: zx, ProcessOutput } = await loadZx();
  let output: ProcessOutput;
  try {
    const running = zx(shellFor(cwd, options))`${program} ${args}`;
    // Written here rather than by zx, which leaves its pipe without an error handler: a program that exits before
    // reading it all (git stopping at a bad object) would crash the helper with EPIPE.
    if (options.input !== undefined) writeInput(running.stdin, options.input);
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
  return { exitCode: output.exitCode, stdout: output.stdout, stderr: output.stderr };
}

/** Hands a process its whole stdin. One that exits without reading it all closes the pipe: its answer, not a failure of ours. */
function writeInput(stdin: NodeJS.WritableStream | null | undefined, input: string): void {
  if (!stdin) return;
  stdin.on('error', () => undefined);
  stdin.end(input);
}

/** The program itself, no shell and no zx: stdin closed (or given), both streams collected, killed past the timeout. */
function runDirectly(cwd: string, program: string, args: readonly string[], options: RunOptions): Promise<Finished> {
  return new Promise<Finished>((resolve) => {
    let child: ChildProcess;
    try {
      child = childProcess().spawn(program, [...args], {
        cwd,
        env: { ...current().env, ...quietEnv, ...options.env },
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        ...(options.timeout ? { timeout: options.timeout, killSignal: 'SIGTERM' as const } : {}),
        ...(options.group ? { detached: true } : {}),
      });
    } catch (error) {
      resolve(notStarted(cwd, program, error as NodeJS.ErrnoException));
      return;
    }
    if (options.input !== undefined) writeInput(child.stdin, options.input);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      if (child.pid === undefined) resolve(notStarted(cwd, program, error));
    });
    child.on('close', (code) =>
      resolve({
        exitCode: code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
    options.group?.((signal) => {
      if (!child.pid) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        /* the group is gone already */
      }
    });
  });
}

/**
 * The same, blocking: only for the rare question asked where nothing may await (a process's start time or parent on macOS).
 */
export function runSync(cwd: string, program: string, args: readonly string[], options: RunOptions = {}): RunResult {
  const start = performance.now();
  const result = childProcess().spawnSync(program, [...args], {
    cwd,
    env: { ...current().env, ...quietEnv, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    ...(options.timeout ? { timeout: options.timeout } : {}),
  });
  const missing = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  traced(cwd, program, args, start, missing ? 127 : result.status);
  return settle(cwd, program, args, options, {
    exitCode: missing ? 127 : result.status,
    stdout: result.stdout ?? '',
    stderr: result.stderr || (result.error ? result.error.message : ''),
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
  const child = childProcess().spawn(program, [...args], {
    cwd,
    detached: true,
    stdio: 'ignore',
    env: { ...current().env, ...quietEnv },
  });
  child.on('error', () => undefined);
  child.unref();
}
