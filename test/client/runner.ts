/**
 * Runs the pinned Claude Code client for real: `claude -p <prompt> --output-format json`, in a network namespace
 * holding only loopback, under a hermetic HOME and the hermetic git environment, talking to a scripted model
 * served from this process. Returns the result JSON and every request the client made.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hermeticEnv } from '../helpers/gitdir.js';
import type { ModelRequest } from './messages.js';
import { ScriptedModel, type RecordedRequest, type Script } from './model-server.js';
import { CLIENT_LAUNCHER } from './pin.js';

const RELAY = fileURLToPath(new URL('./namespace-relay.mjs', import.meta.url));
const APPROVE_HOOK = fileURLToPath(new URL('./approve-hook.mjs', import.meta.url));

/**
 * A HOME for the client; it needs nothing there in -p mode but trust. `~/.claude.json` marks folders trusted
 * (`projects[<abs path>].hasTrustDialogAccepted`); in an untrusted project the client ignores the settings allow
 * rules (and says so on stderr). A git repository's entry is its main checkout's path, and it covers every worktree
 * of it; a plain folder's is its own path (a trusted parent does not count). The client keeps its conversations
 * under `~/.claude/`, so a `--resume` must run with the same HOME.
 */
export class ClientHome {
  constructor(readonly path: string) {
    mkdirSync(path, { recursive: true });
  }

  private get configPath(): string {
    return join(this.path, '.claude.json');
  }

  config(): any {
    try {
      return JSON.parse(readFileSync(this.configPath, 'utf8'));
    } catch {
      return {};
    }
  }

  trust(...folders: string[]): this {
    const config = this.config();
    config.projects ??= {};
    for (const folder of folders)
      config.projects[folder] = { ...config.projects[folder], hasTrustDialogAccepted: true };
    writeFileSync(this.configPath, `${JSON.stringify(config, null, 2)}\n`);
    return this;
  }
}

export interface ClientResult {
  type: string;
  subtype: string;
  is_error: boolean;
  result: string;
  session_id: string;
  num_turns: number;
  permission_denials: Array<{ tool_name: string; tool_use_id: string; tool_input: Record<string, unknown> }>;
  [key: string]: unknown;
}

export interface RunOptions {
  home: ClientHome;
  cwd: string;
  prompt: string;
  script: Script;
  /** `acceptEdits` lets Edit and Write run in `-p` mode. */
  permissionMode?: 'default' | 'acceptEdits';
  /** Load a plugin from this folder (`--plugin-dir`). */
  pluginDir?: string;
  /** Continue this conversation (`--resume <id>`). */
  resume?: string;
  /**
   * What the user types next, one message per answer, in the same client process: each is sent once the client has
   * finished its turn on the one before (stream-json input), as the user answers a question in an open session.
   */
  replies?: string[];
  /**
   * Runs after each turn's result, before the next reply is sent (the client waits at its prompt meanwhile), given
   * that result: for a test that looks at what the client left between turns.
   */
  betweenTurns?: (result: ClientResult) => Promise<void> | void;
  /**
   * Answer every permission prompt with yes, as a user at the keyboard would (a PermissionRequest hook, given with
   * `--settings`), and record each one in `asks`. Without it, -p mode denies whatever would prompt.
   */
  approve?: boolean;
  /**
   * The user at the keyboard, answering the AskUserQuestion tool: given each question, the label of the option they
   * pick (or their own words). The client then runs with its permission prompts sent to this process
   * (`--permission-prompt-tool stdio`), as an interactive client shows them: a question is answered here, and any
   * other prompt is allowed with `approve` and denied without it, each recorded in `asks`.
   */
  answer?: (question: AskedQuestion) => string;
  /** A bound on the agent loop, so a script that never ends its turn cannot spin; 10 unless told. */
  maxTurns?: number;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export interface AskedQuestion {
  question: string;
  header: string;
  options: Array<{ label: string; description: string }>;
  multiSelect: boolean;
}

export interface ClientRun {
  /** The last turn's result; with `replies`, its permission denials are those of every turn. */
  result: ClientResult;
  /** With `replies`: each user turn's own result, in order (else just `result`). */
  results: ClientResult[];
  /** The questions the user was asked with AskUserQuestion (only with `answer`), each with the answer given. */
  questions: Array<AskedQuestion & { answer: string }>;
  /** The permission prompts the user answered with yes (only with `approve`), in order. */
  asks: Array<{ tool_name: string; tool_input: Record<string, unknown> }>;
  /** Every request, side requests included, in order. */
  requests: RecordedRequest[];
  /** The main requests' bodies: what the model saw at each turn. */
  main: ModelRequest[];
  exitCode: number;
  stderr: string;
  ms: number;
}

/** The client's own switches for a quiet, offline run. */
export const CLIENT_ENV = {
  ANTHROPIC_API_KEY: 'sk-ant-scripted-model',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_AUTOUPDATER: '1',
} as const;

interface Finished {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Whether a stream-json output line is a turn's result. */
function isResultLine(line: string): boolean {
  try {
    return JSON.parse(line)?.type === 'result';
  } catch {
    return false;
  }
}

/** One user message as stream-json input takes it. */
const userLine = (text: string) => `${JSON.stringify({ type: 'user', message: { role: 'user', content: text } })}\n`;

/**
 * `argv` run in a new network namespace, through the relay to the model's socket; the whole group is killed on
 * timeout. With `messages`, they go to stdin one at a time: the first at once, each next one when a result line
 * has come out for the one before, and stdin closes after the last one's result.
 */
/** Answers one `control_request` the client sends when its permission prompts come to this process. */
export type ControlResponder = (request: {
  subtype: string;
  tool_name?: string;
  input?: Record<string, unknown>;
}) => Record<string, unknown>;

function runInNamespace(
  socketPath: string,
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  messages?: string[],
  control?: ControlResponder,
  betweenTurns?: (result: ClientResult) => Promise<void> | void,
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-n', 'node', RELAY, socketPath, ...argv], {
      cwd,
      env,
      stdio: [messages ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let sent = 0;
    let failed: unknown = null;
    const sendNext = () => {
      if (!messages || !child.stdin) return;
      if (sent < messages.length) child.stdin.write(userLine(messages[sent++]!));
      else child.stdin.end();
    };
    sendNext();
    let scanned = 0;
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      if (!messages) return;
      const lines = stdout.split('\n');
      for (const line of lines.slice(scanned, -1)) {
        if (isResultLine(line)) {
          if (betweenTurns && sent < messages.length) {
            Promise.resolve()
              .then(() => betweenTurns(JSON.parse(line)))
              .then(sendNext, (error: unknown) => {
                failed = error;
                child.stdin!.end();
              });
          } else sendNext();
        } else if (control && line.startsWith('{"type":"control_request"')) {
          const message = JSON.parse(line);
          const response = control(message.request);
          child.stdin!.write(
            `${JSON.stringify({ type: 'control_response', response: { subtype: 'success', request_id: message.request_id, response } })}\n`,
          );
        }
      }
      scanned = lines.length - 1;
    });
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
      reject(new Error(`claude did not finish within ${timeoutMs} ms\nstderr: ${stderr}\nstdout: ${stdout}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failed) reject(failed);
      else resolve({ exitCode: code ?? -1, stdout, stderr });
    });
  });
}

export async function runClaude(options: RunOptions): Promise<ClientRun> {
  // One folder per run, short enough for a unix socket path: the model's socket and the client's temporary files
  // (it keeps per-conversation scratch under CLAUDE_CODE_TMPDIR, by default /tmp/claude-<uid>).
  const runDir = mkdtempSync(join(tmpdir(), 'frc-'));
  const socketPath = join(runDir, 'model.sock');
  mkdirSync(join(runDir, 'tmp'));
  const model = new ScriptedModel(options.script);
  await model.listen(socketPath);
  const streaming = options.replies !== undefined || options.answer !== undefined;
  const args = streaming
    ? [
        '-p',
        '--input-format',
        'stream-json',
        '--output-format',
        'stream-json',
        '--verbose',
        '--max-turns',
        String(options.maxTurns ?? 10),
      ]
    : ['-p', options.prompt, '--output-format', 'json', '--max-turns', String(options.maxTurns ?? 10)];
  if (options.permissionMode) args.push('--permission-mode', options.permissionMode);
  if (options.pluginDir) args.push('--plugin-dir', options.pluginDir);
  if (options.resume) args.push('--resume', options.resume);
  const asksPath = join(runDir, 'asks.jsonl');
  const questions: ClientRun['questions'] = [];
  const controlAsks: ClientRun['asks'] = [];
  let control: ControlResponder | undefined;
  if (options.answer) {
    const answer = options.answer;
    args.push('--permission-prompt-tool', 'stdio');
    control = (request) => {
      if (request.subtype !== 'can_use_tool') return {};
      const input = request.input ?? {};
      if (request.tool_name === 'AskUserQuestion') {
        const asked = (input.questions as AskedQuestion[]).map((question) => ({
          ...question,
          answer: answer(question),
        }));
        questions.push(...asked);
        return {
          behavior: 'allow',
          updatedInput: {
            ...input,
            answers: Object.fromEntries(asked.map((question) => [question.question, question.answer])),
          },
        };
      }
      controlAsks.push({ tool_name: request.tool_name ?? '', tool_input: input });
      return options.approve
        ? { behavior: 'allow', updatedInput: input }
        : { behavior: 'deny', message: 'The user declined this permission prompt.' };
    };
  } else if (options.approve) {
    const settings = join(runDir, 'approve-settings.json');
    const hook = { type: 'command', command: `node ${JSON.stringify(APPROVE_HOOK)} ${JSON.stringify(asksPath)}` };
    writeFileSync(settings, JSON.stringify({ hooks: { PermissionRequest: [{ matcher: '*', hooks: [hook] }] } }));
    args.push('--settings', settings);
  }
  const env = {
    ...hermeticEnv(options.home.path),
    ...CLIENT_ENV,
    CLAUDE_CODE_TMPDIR: join(runDir, 'tmp'),
    ...options.env,
  };
  const started = Date.now();
  try {
    const messages = streaming ? [options.prompt, ...(options.replies ?? [])] : undefined;
    const { exitCode, stdout, stderr } = await runInNamespace(
      socketPath,
      ['node', CLIENT_LAUNCHER, ...args],
      options.cwd,
      env,
      options.timeoutMs ?? 45_000,
      messages,
      control,
      options.betweenTurns,
    );
    if (model.scriptError) throw model.scriptError;
    let results: ClientResult[];
    try {
      const lines = stdout.trim().split('\n');
      results = streaming
        ? lines.filter(isResultLine).map((line) => JSON.parse(line))
        : [JSON.parse(lines.at(-1) ?? '')];
    } catch {
      throw new Error(`claude printed no result JSON (exit ${exitCode})\nstdout: ${stdout}\nstderr: ${stderr}`);
    }
    if (results.length !== (messages?.length ?? 1))
      throw new Error(
        `claude printed ${results.length} results for ${messages?.length ?? 1} user messages (exit ${exitCode})\nstdout: ${stdout.slice(-4000)}\nstderr: ${stderr}`,
      );
    const result = { ...results.at(-1)!, permission_denials: results.flatMap((each) => each.permission_denials ?? []) };
    const asks = [
      ...controlAsks,
      ...(existsSync(asksPath)
        ? readFileSync(asksPath, 'utf8')
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line))
        : []),
    ];
    return {
      result,
      results,
      questions,
      asks,
      requests: model.requests,
      main: model.mainRequests,
      exitCode,
      stderr,
      ms: Date.now() - started,
    };
  } finally {
    await model.close();
    rmSync(runDir, { recursive: true, force: true });
  }
}

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The client's own subcommands (`claude plugin …`), run as `runClaude` runs a prompt: in the network namespace,
 * under the test's HOME and the hermetic environment. No model is asked anything; one that is asked fails the run.
 */
export async function runClientCli(options: {
  home: ClientHome;
  cwd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<CliRun> {
  const runDir = mkdtempSync(join(tmpdir(), 'frc-'));
  const socketPath = join(runDir, 'model.sock');
  mkdirSync(join(runDir, 'tmp'));
  const model = new ScriptedModel(() => {
    throw new Error(`claude ${options.args.join(' ')} asked the model something`);
  });
  await model.listen(socketPath);
  const env = {
    ...hermeticEnv(options.home.path),
    ...CLIENT_ENV,
    CLAUDE_CODE_TMPDIR: join(runDir, 'tmp'),
    ...options.env,
  };
  try {
    const finished = await runInNamespace(
      socketPath,
      ['node', CLIENT_LAUNCHER, ...options.args],
      options.cwd,
      env,
      options.timeoutMs ?? 45_000,
    );
    if (model.scriptError) throw model.scriptError;
    if (model.mainRequests.length > 0)
      throw new Error(`claude ${options.args.join(' ')} sent ${model.mainRequests.length} request(s) to the model`);
    return finished;
  } finally {
    await model.close();
    rmSync(runDir, { recursive: true, force: true });
  }
}
