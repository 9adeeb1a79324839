/**
 * The agent's state: what each hook event records (table-tested), how status reads a record (idle, gone, needs
 * you), and the agent-state hook as the bundle runs it, under a real parent process that stands for the client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  agentChange,
  agentRecord,
  parseAgentRecord,
  supersedes,
  type AgentChange,
  type AgentHookInput,
  type AgentRecord,
} from '../scripts/core/agent-state.js';
import { agentSummary, classifyAgent, type AgentFacts } from '../scripts/core/session-state.js';
import { FIXED_DATE, makeRepo, normalise, ROOT, type Repo } from './helpers/gitdir.js';
import { outputSchemaErrors, schemaErrors } from './helpers/schemas.js';

const HOOK = join(ROOT, 'dist/hook.cjs');
const CONVERSATION = '9f3c2a4e-1b2d-4c5e-8f90-123456789abc';
let repo: Repo;
afterEach(() => repo?.cleanup());

describe('what a hook event records', () => {
  it.each<[string, AgentHookInput, AgentChange | null]>([
    [
      'a prompt: working',
      { hook_event_name: 'UserPromptSubmit', session_id: CONVERSATION, prompt: 'go' } as AgentHookInput,
      { state: 'working', event: 'UserPromptSubmit', conversation: CONVERSATION },
    ],
    [
      'the end of a turn: waiting',
      { hook_event_name: 'Stop', session_id: CONVERSATION },
      { state: 'waiting', event: 'Stop', conversation: CONVERSATION },
    ],
    [
      'a permission prompt: waiting, with its message',
      {
        hook_event_name: 'Notification',
        session_id: CONVERSATION,
        message: 'Claude needs your permission to use Bash',
        notification_type: 'permission_prompt',
      },
      {
        state: 'waiting',
        event: 'Notification',
        conversation: CONVERSATION,
        message: 'Claude needs your permission to use Bash',
        notificationType: 'permission_prompt',
      },
    ],
    [
      'an idle prompt: waiting',
      {
        hook_event_name: 'Notification',
        session_id: CONVERSATION,
        message: 'Claude is waiting for your input',
        notification_type: 'idle_prompt',
      },
      {
        state: 'waiting',
        event: 'Notification',
        conversation: CONVERSATION,
        message: 'Claude is waiting for your input',
        notificationType: 'idle_prompt',
      },
    ],
    [
      'a notification that waits for no one: nothing',
      {
        hook_event_name: 'Notification',
        session_id: CONVERSATION,
        message: 'Signed in',
        notification_type: 'auth_success',
      },
      null,
    ],
    [
      'a message on one line, without control characters',
      { hook_event_name: 'Notification', session_id: CONVERSATION, message: 'Run\n\u001b[31mrm\u001b[0m\t-rf?\u202e' },
      { state: 'waiting', event: 'Notification', conversation: CONVERSATION, message: 'Run [31mrm [0m -rf?' },
    ],
    [
      'a start: waiting for a first prompt',
      { hook_event_name: 'SessionStart', session_id: CONVERSATION, source: 'startup' },
      { state: 'waiting', event: 'SessionStart', conversation: CONVERSATION, detail: 'startup' },
    ],
    [
      'a resume',
      { hook_event_name: 'SessionStart', session_id: CONVERSATION, source: 'resume' },
      { state: 'waiting', event: 'SessionStart', conversation: CONVERSATION, detail: 'resume' },
    ],
    [
      'compacting mid-turn: nothing',
      { hook_event_name: 'SessionStart', session_id: CONVERSATION, source: 'compact' },
      null,
    ],
    [
      'the end: gone',
      { hook_event_name: 'SessionEnd', session_id: CONVERSATION, reason: 'prompt_input_exit' },
      { state: 'gone', event: 'SessionEnd', conversation: CONVERSATION, detail: 'prompt_input_exit' },
    ],
    [
      'a conversation id that is not one: none',
      { hook_event_name: 'Stop', session_id: '../../x y' },
      { state: 'waiting', event: 'Stop', conversation: null },
    ],
    [
      'a word that is not one: dropped',
      { hook_event_name: 'SessionEnd', session_id: CONVERSATION, reason: 'a b; rm' },
      { state: 'gone', event: 'SessionEnd', conversation: CONVERSATION },
    ],
    ['another event: nothing', { hook_event_name: 'PreToolUse', session_id: CONVERSATION }, null],
    ['no event: nothing', {}, null],
  ])('%s', (_name, input, change) => {
    expect(agentChange(input)).toEqual(change);
  });

  it('cuts a long message to 300 characters', () => {
    const change = agentChange({ hook_event_name: 'Notification', message: 'x'.repeat(5000) });
    expect([...change!.message!]).toHaveLength(300);
    expect(change!.message!.endsWith('…')).toBe(true);
  });

  const recorded = (conversation: string | null, state: AgentRecord['state'] = 'waiting'): AgentRecord => ({
    version: 1,
    session: 's',
    state,
    event: 'Stop',
    at: FIXED_DATE,
    conversation,
  });
  it.each<[string, AgentChange, AgentRecord | null, boolean]>([
    ['anything over nothing', { state: 'gone', event: 'SessionEnd', conversation: 'a' }, null, true],
    [
      'a state of the same conversation',
      { state: 'gone', event: 'SessionEnd', conversation: 'a' },
      recorded('a'),
      true,
    ],
    [
      'not the end of an older conversation over a newer one (after /clear)',
      { state: 'gone', event: 'SessionEnd', conversation: 'a' },
      recorded('b'),
      false,
    ],
    [
      'a new conversation over an older one',
      { state: 'waiting', event: 'SessionStart', conversation: 'b' },
      recorded('a', 'gone'),
      true,
    ],
  ])('replaces: %s', (_name, change, current, replaces) => {
    expect(supersedes(change, current)).toBe(replaces);
  });

  it('reads back only a valid record of the session it names', () => {
    const record = agentRecord(
      'auth',
      { state: 'working', event: 'UserPromptSubmit', conversation: CONVERSATION },
      new Date(FIXED_DATE),
      { pid: 42, host: 'h', since: 'linux:1' },
    );
    const text = JSON.stringify(record);
    expect(schemaErrors('agent-state', record)).toBe('');
    expect(parseAgentRecord(text, 'auth')).toEqual(record);
    expect(parseAgentRecord(text, 'other')).toBeNull();
    expect(parseAgentRecord('{"version":2}', 'auth')).toBeNull();
    expect(parseAgentRecord('not json', 'auth')).toBeNull();
    expect(parseAgentRecord(JSON.stringify({ ...record, state: 'idle' }), 'auth')).toBeNull();
  });
});

describe('how status reads a record', () => {
  const NOW = new Date('2026-01-15T11:00:00Z');
  const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();
  const facts = (
    record: Partial<AgentRecord> | null,
    clientAlive: AgentFacts['clientAlive'] = 'alive',
    startedAt = '2026-01-15T09:00:00Z',
  ): AgentFacts => ({
    record: record
      ? {
          version: 1,
          session: 's',
          state: 'waiting',
          event: 'Stop',
          at: at(5),
          conversation: CONVERSATION,
          client: { pid: 7, host: 'h' },
          ...record,
        }
      : null,
    startedAt,
    clientAlive,
  });
  it.each<[string, AgentFacts, string | null, boolean]>([
    ['nothing recorded', facts(null), null, false],
    [
      'a record from before the session started (an earlier session of that name)',
      facts({ at: '2026-01-15T08:59:59Z' }),
      null,
      false,
    ],
    ['working', facts({ state: 'working', event: 'UserPromptSubmit', at: at(3) }), 'working 3 min', false],
    ['waiting at the end of a turn', facts({}), 'waiting 5 min: its turn ended', true],
    [
      'waiting on a permission',
      facts({
        event: 'Notification',
        message: 'Claude needs your permission to use Bash',
        notificationType: 'permission_prompt',
        at: at(12),
      }),
      'waiting 12 min: Claude needs your permission to use Bash',
      true,
    ],
    [
      'a permission wait never turns idle',
      facts(
        {
          event: 'Notification',
          message: 'Claude needs your permission to use Bash',
          notificationType: 'permission_prompt',
          at: at(300),
        },
        'alive',
        '2026-01-15T00:00:00Z',
      ),
      'waiting 5 h: Claude needs your permission to use Bash',
      true,
    ],
    [
      'started, no prompt yet',
      facts({ event: 'SessionStart', detail: 'startup', at: at(0.5) }),
      'waiting <1 min: no prompt yet',
      true,
    ],
    ['idle: waiting with no turn for the idle time', facts({ at: at(30) }), 'idle 30 min: its turn ended', false],
    [
      'idle after the idle prompt too',
      facts({
        event: 'Notification',
        message: 'Claude is waiting for your input',
        notificationType: 'idle_prompt',
        at: at(45),
      }),
      'idle 45 min: Claude is waiting for your input',
      false,
    ],
    [
      'gone: the conversation ended',
      facts({ state: 'gone', event: 'SessionEnd', at: at(120) }),
      'gone 2 h: the conversation ended',
      false,
    ],
    [
      'gone: the client process ended',
      facts({}, 'dead'),
      'gone: its Claude Code process (pid 7) ended (last event 5 min ago)',
      false,
    ],
    ['a client on another host is trusted', facts({}, 'unknown'), 'waiting 5 min: its turn ended', true],
    ['working with no client recorded', facts({ state: 'working', client: undefined }, null), 'working 5 min', false],
  ])('%s', (_name, given, summary, needsYou) => {
    const view = classifyAgent(given, NOW, 30);
    expect(view ? agentSummary(view, NOW) : null).toBe(summary);
    expect(view?.needsYou ?? false).toBe(needsYou);
    if (view) expect(view.conversation).toBe(CONVERSATION);
  });
});

/** Runs the bundled hook under `sh -c`, as the client runs a hook command; the shell's parent (this test process) stands for the client. */
function hook(input: object | string, cwd = repo.main): { exitCode: number | null; stdout: string; stderr: string } {
  const result = spawnSync('sh', ['-c', `node '${HOOK}' agent-state || true`], {
    cwd,
    env: repo.env,
    input: typeof input === 'string' ? input : JSON.stringify(input),
    encoding: 'utf8',
  });
  return { exitCode: result.status, stdout: result.stdout, stderr: result.stderr };
}

const event = (cwd: string, hook_event_name: string, extra: Record<string, unknown> = {}) => ({
  session_id: CONVERSATION,
  transcript_path: '/t.jsonl',
  cwd,
  hook_event_name,
  ...extra,
});
const stateFile = (id: string) => join(repo.sessions, `.agent-${id}.json`);
const recordOf = (id: string) => JSON.parse(readFileSync(stateFile(id), 'utf8'));

function twoSessions(): void {
  repo = makeRepo();
  for (const [name, goal] of [
    ['auth', 'Refactor auth'],
    ['api', 'Add endpoints'],
  ]) {
    const started = repo.helper(['start', name!, '--goal', goal!, '--no-setup']);
    if (started.exitCode !== 0) throw new Error(started.stderr);
  }
}

describe('the agent-state hook', () => {
  it("records each event in the session's own file, atomically, with the time, the conversation and the client process", () => {
    twoSessions();
    const worktree = join(repo.sessions, 'auth');
    const quiet = { exitCode: 0, stdout: '', stderr: '' };
    expect(hook(event(join(worktree, 'src'), 'SessionStart', { source: 'startup' }), worktree)).toEqual(quiet);
    expect(recordOf('auth')).toEqual({
      version: 1,
      session: 'auth',
      state: 'waiting',
      event: 'SessionStart',
      at: '2026-01-15T10:00:00.000Z',
      conversation: CONVERSATION,
      detail: 'startup',
      // The hook runs under sh; the process past the shell is the client.
      client: { pid: process.pid, host: expect.any(String), since: expect.stringMatching(/^linux:\d+$|^ps:/) },
    });
    expect(hook(event(worktree, 'UserPromptSubmit', { prompt: 'Refactor it' }), worktree)).toEqual(quiet);
    expect(recordOf('auth')).toMatchObject({ state: 'working', event: 'UserPromptSubmit' });
    expect(
      hook(
        event(worktree, 'Notification', {
          message: 'Claude needs your permission to use Bash',
          notification_type: 'permission_prompt',
        }),
        worktree,
      ),
    ).toEqual(quiet);
    expect(recordOf('auth')).toMatchObject({
      state: 'waiting',
      event: 'Notification',
      message: 'Claude needs your permission to use Bash',
      notificationType: 'permission_prompt',
    });
    expect(hook(event(worktree, 'Stop'), worktree)).toEqual(quiet);
    expect(recordOf('auth')).toMatchObject({ state: 'waiting', event: 'Stop' });
    expect(recordOf('auth').message).toBeUndefined();
    expect(hook(event(worktree, 'SessionEnd', { reason: 'prompt_input_exit' }), worktree)).toEqual(quiet);
    expect(recordOf('auth')).toMatchObject({ state: 'gone', event: 'SessionEnd', detail: 'prompt_input_exit' });
    expect(schemaErrors('agent-state', recordOf('auth'))).toBe('');
    // One file, no temporary file left, the other session untouched, the manifest not written.
    expect(
      readdirSync(repo.sessions)
        .filter((name) => name.startsWith('.'))
        .sort(),
    ).toEqual(['.agent-auth.json', '.manifest.json']);
    expect(repo.manifest().sessions.map((s: any) => s.id)).toEqual(['auth', 'api']);
  });

  it('writes nothing in the main checkout, outside a repository, in a worktree outside the sessions folder, or on bad input', () => {
    twoSessions();
    const before = readdirSync(repo.sessions).sort();
    const other = join(repo.root, 'elsewhere');
    repo.git(['worktree', 'add', '-q', '-b', 'other', other]);
    mkdirSync(join(repo.root, 'plain'));
    for (const [input, cwd] of [
      [event(repo.main, 'UserPromptSubmit'), repo.main],
      [event(join(repo.root, 'plain'), 'UserPromptSubmit'), join(repo.root, 'plain')],
      [event(other, 'UserPromptSubmit'), other],
      [event(join(repo.root, 'no-such-folder'), 'UserPromptSubmit'), repo.root],
      ['{not json', join(repo.sessions, 'auth')],
      ['', join(repo.sessions, 'auth')],
      [event(join(repo.sessions, 'auth'), 'PreToolUse'), join(repo.sessions, 'auth')],
    ] as const) {
      expect(hook(input, cwd)).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    }
    expect(readdirSync(repo.sessions).sort()).toEqual(before);
  });

  it("never writes through a symlink in the state file's place, and stays quiet", () => {
    twoSessions();
    const target = join(repo.root, 'target.txt');
    writeFileSync(target, 'keep me\n');
    symlinkSync(target, stateFile('auth'));
    expect(hook(event(join(repo.sessions, 'auth'), 'UserPromptSubmit'), join(repo.sessions, 'auth'))).toEqual({
      exitCode: 0,
      stdout: '',
      stderr: '',
    });
    expect(readFileSync(target, 'utf8')).toBe('keep me\n');
    // Status reads a link in its place as no record.
    const status = repo.helper(['status', '--json']);
    expect(status.json.sessions.find((s: any) => s.id === 'auth').agent).toBeNull();
  });

  it('stays quiet when the project config is invalid', () => {
    twoSessions();
    repo.write('.claude/flight-rules.json', '{"staleAfterDays": "x"}');
    expect(hook(event(join(repo.sessions, 'auth'), 'Stop'), join(repo.sessions, 'auth'))).toEqual({
      exitCode: 0,
      stdout: '',
      stderr: '',
    });
    expect(existsSync(stateFile('auth'))).toBe(false);
  });

  it('does not let the end of an older conversation overwrite the one that replaced it', () => {
    twoSessions();
    const worktree = join(repo.sessions, 'api');
    hook(event(worktree, 'SessionStart', { source: 'clear', session_id: 'new-conversation' }), worktree);
    hook(event(worktree, 'SessionEnd', { reason: 'clear' }), worktree);
    expect(recordOf('api')).toMatchObject({ state: 'waiting', conversation: 'new-conversation' });
  });
});

describe('status shows the agents', () => {
  const later = (minutes: number) => ({
    FLIGHT_RULES_NOW: new Date(Date.parse(FIXED_DATE) + minutes * 60_000).toISOString(),
  });

  it('lists the sessions whose agent waits first, as needing you, with the line that resumes its conversation', async () => {
    twoSessions();
    repo.helper(['start', 'web', '--goal', 'Polish the site', '--no-setup']);
    hook(event(join(repo.sessions, 'auth'), 'UserPromptSubmit'), join(repo.sessions, 'auth'));
    hook(
      event(join(repo.sessions, 'web'), 'Notification', {
        message: 'Claude needs your permission to use Bash',
        notification_type: 'permission_prompt',
        session_id: 'web-conversation',
      }),
      join(repo.sessions, 'web'),
    );
    const result = await repo.cli(['status'], { env: later(12) });
    expect(result.exitCode).toBe(0);
    expect(normalise(result.stdout, repo)).toMatchInlineSnapshot(`
      "! 3 parallel sessions, 1 needs you, 0 needing attention (sessions folder: ../project-sessions)
      - You are in the main checkout.

      Needs you:
      ! web: waiting 12 min: Claude needs your permission to use Bash
          cd <root>/project-sessions/web && claude --resume web-conversation

      SESSION  STATE   AGENT           BASE  AHEAD/BEHIND  DIRTY  LAST COMMIT  STARTED  MERGE  OVERLAPS  PORT       GOALS
      web      active  waiting 12 min  main  +0/-0             0  12m ago      12m ago  clean  -         3120-3129  Polish the site
      api      active  -               main  +0/-0             0  12m ago      12m ago  clean  -         3640-3649  Add endpoints
      auth     active  working 12 min  main  +0/-0             0  12m ago      12m ago  clean  -         3140-3149  Refactor auth

      SESSION  BRANCH        WORKTREE                  SESSION LOG
      web      session/web   ../project-sessions/web   docs/session_logs/20260115_1000_web_session.md
      api      session/api   ../project-sessions/api   docs/session_logs/20260115_1000_api_session.md
      auth     session/auth  ../project-sessions/auth  docs/session_logs/20260115_1000_auth_session.md

      To work in a session, open a new terminal and run:
        web: cd <root>/project-sessions/web && claude --resume web-conversation
        api: cd <root>/project-sessions/api && claude
        auth: cd <root>/project-sessions/auth && claude --resume <short-sha>-1b2d-4c5e-8f90-<short-sha>

      Main checkout: <root>/project on main, clean

      Next:
        - The agent in web waits for you (Claude needs your permission to use Bash): answer it in its terminal, or \`session open web\` opens it (a tmux window inside tmux, else the line to run).
      "
    `);
    const json = await repo.cli(['status', '--json'], { env: later(12) });
    expect(outputSchemaErrors(json.json)).toBe('');
    expect(json.json.needsYou).toEqual(['web']);
    expect(json.json.sessions.map((s: any) => [s.id, s.agent?.state ?? null, s.agent?.conversation ?? null])).toEqual([
      ['api', null, null],
      ['auth', 'working', CONVERSATION],
      ['web', 'waiting', 'web-conversation'],
    ]);
    expect(json.json.sessions.find((s: any) => s.id === 'web').open).toBe(
      `cd ${join(repo.sessions, 'web')} && claude --resume web-conversation`,
    );
  });

  it('shows an agent idle once its turn ended longer ago than agentIdleMinutes', async () => {
    twoSessions();
    repo.write('.claude/flight-rules.json', '{"agentIdleMinutes": 10}');
    hook(event(join(repo.sessions, 'auth'), 'Stop'), join(repo.sessions, 'auth'));
    const waiting = await repo.cli(['status', '--json'], { env: later(9) });
    expect(waiting.json.sessions.find((s: any) => s.id === 'auth').agent).toMatchObject({
      state: 'waiting',
      summary: 'waiting 9 min: its turn ended',
      needsYou: true,
    });
    expect(waiting.json.settings.agentIdleMinutes).toBe(10);
    const idle = await repo.cli(['status', '--json'], { env: later(10) });
    expect(idle.json.sessions.find((s: any) => s.id === 'auth').agent).toMatchObject({
      state: 'idle',
      summary: 'idle 10 min: its turn ended',
      needsYou: false,
    });
    expect(idle.json.needsYou).toEqual([]);
  });

  it('shows the agent gone once the client process that ran its hooks is gone', async () => {
    twoSessions();
    const worktree = join(repo.sessions, 'auth');
    // A client of its own: a process that runs the hook through sh and stays until told to go.
    const client = spawn(
      'node',
      [
        '-e',
        `
      const { execFileSync } = require('node:child_process');
      execFileSync('sh', ['-c', ${JSON.stringify(`node '${HOOK}' agent-state || true`)}], { input: ${JSON.stringify(JSON.stringify(event(worktree, 'Stop')))} });
      process.stdout.write('recorded\\n');
      setInterval(() => {}, 1000);
    `,
      ],
      { cwd: worktree, env: repo.env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((done) => client.stdout!.once('data', () => done()));
    expect(recordOf('auth').client.pid).toBe(client.pid);
    const attached = await repo.cli(['status', '--json']);
    expect(attached.json.sessions.find((s: any) => s.id === 'auth').agent).toMatchObject({
      state: 'waiting',
      client: { pid: client.pid, alive: true },
    });
    client.kill('SIGKILL');
    await new Promise((done) => client.once('close', done));
    const detached = await repo.cli(['status', '--json']);
    expect(detached.json.sessions.find((s: any) => s.id === 'auth').agent).toMatchObject({
      state: 'gone',
      needsYou: false,
      client: { pid: client.pid, alive: false },
    });
    expect(detached.json.needsYou).toEqual([]);
  });

  it('ignores a state file older than the session (an earlier session of that name), and end removes the file', async () => {
    twoSessions();
    writeFileSync(
      stateFile('auth'),
      JSON.stringify({
        version: 1,
        session: 'auth',
        state: 'waiting',
        event: 'Stop',
        at: '2026-01-14T10:00:00.000Z',
        conversation: 'old',
      }),
    );
    expect((await repo.cli(['status', '--json'])).json.sessions.find((s: any) => s.id === 'auth').agent).toBeNull();
    hook(event(join(repo.sessions, 'api'), 'Stop'), join(repo.sessions, 'api'));
    expect(existsSync(stateFile('api'))).toBe(true);
    const ended = await repo.cli(['end', 'api', '--strategy', 'abandon', '--confirm', 'api']);
    expect(ended.exitCode, ended.stderr).toBe(0);
    expect(existsSync(stateFile('api'))).toBe(false);
  });
});
