/**
 * Opening a session's agent: the line to run (outside tmux, or --print), and a new tmux window named after the
 * session, running claude in its worktree, inside a real tmux server this test starts on a private socket. The
 * client there is a stand-in on the server's PATH that prints what it was given (the real client is tested in
 * test/client/). Skipped, saying why, where tmux is not installed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { delimiter, join } from 'node:path';
import { makeRepo, normalise, snapshot, type Repo } from './helpers/gitdir.js';
import { outputSchemaErrors } from './helpers/schemas.js';

let repo: Repo;
let servers: string[] = [];
/** The tests' tmux servers keep their sockets in the test's own folder, which goes with it. */
const tmuxEnv = () => ({ ...process.env, TMUX_TMPDIR: repo.root });
afterEach(() => {
  for (const name of servers) spawnSync('tmux', ['-L', name, 'kill-server'], { stdio: 'ignore', env: tmuxEnv() });
  servers = [];
  repo?.cleanup();
});

const CONVERSATION = '0c1e7a52-3f41-4d7b-9e0a-5b6c7d8e9f01';

function started(names: string[], extra: string[] = []): void {
  repo = makeRepo();
  for (const name of names) {
    const result = repo.helper(['start', name, '--goal', `Work on ${name}`, '--no-setup', ...extra]);
    if (result.exitCode !== 0) throw new Error(result.stderr);
  }
}

/** A state file as the hooks write it: the agent waits, in conversation `conversation`, its client this test process. */
function agentWaits(name: string, conversation: string, clientPid = process.pid): void {
  const since = execFileSync('sh', ['-c', `cut -d' ' -f22 /proc/${clientPid}/stat 2>/dev/null || true`], {
    encoding: 'utf8',
  }).trim();
  writeFileSync(
    join(repo.sessions, `.agent-${name}.json`),
    JSON.stringify({
      version: 1,
      session: name,
      state: 'waiting',
      event: 'Notification',
      at: '2026-01-15T10:00:00.000Z',
      conversation,
      message: 'Claude needs your permission to use Bash',
      notificationType: 'permission_prompt',
      client: { pid: clientPid, host: hostname(), ...(since ? { since: `linux:${since}` } : {}) },
    }),
  );
}

describe('session open, outside tmux', () => {
  it('prints the line that resumes the conversation its agent last ran in the worktree', async () => {
    started(['auth'], ['--claude-session', 'from-the-start']);
    const before = await repo.cli(['open', 'auth', '--json']);
    expect(outputSchemaErrors(before.json)).toBe('');
    expect(before.json).toMatchObject({
      mode: 'print',
      opened: false,
      window: null,
      runs: ['claude', '--resume', 'from-the-start'],
      conversation: 'from-the-start',
      insideTmux: false,
      agent: null,
      problem: null,
    });
    agentWaits('auth', CONVERSATION);
    const result = await repo.cli(['open', 'auth']);
    expect(result.exitCode).toBe(0);
    expect(normalise(result.stdout, repo).replace(/pid \d+/, 'pid <pid>')).toMatchInlineSnapshot(`
      "- Session "auth" in <root>/project-sessions/auth
      - Its agent: waiting <1 min: Claude needs your permission to use Bash
      ! The agent of "auth" is still running (Claude Code pid <pid>): switch to its terminal if you can; this opens a second client on the same conversation.

      Next: open a new terminal and run
        cd <root>/project-sessions/auth && claude --resume <short-sha>-3f41-4d7b-9e0a-<short-sha>
      "
    `);
    const json = await repo.cli(['open', 'auth', '--json']);
    expect(outputSchemaErrors(json.json)).toBe('');
    expect(json.json.next).toBe(`cd ${join(repo.sessions, 'auth')} && claude --resume ${CONVERSATION}`);
    expect(json.json.agent).toMatchObject({
      state: 'waiting',
      needsYou: true,
      client: { pid: process.pid, alive: true },
    });
  });

  it('opens the session whose worktree holds the current folder when given no name', async () => {
    started(['auth', 'api']);
    const result = await repo.cli(['open', '--json'], { cwd: join(repo.sessions, 'api', 'src') });
    expect(result.json.session).toBe('api');
    expect(result.json.next).toBe(`cd ${join(repo.sessions, 'api')} && claude`);
  });

  it.each<[string, string[], string, RegExp]>([
    [
      '--tmux outside tmux',
      ['open', 'auth', '--tmux'],
      'not-in-tmux',
      /not inside tmux \(\$TMUX is not set\), so no window was opened for "auth"; nothing was changed/,
    ],
    [
      'an unknown session',
      ['open', 'nope'],
      'no-such-session',
      /There is no session named "nope" \(registered: auth\)/,
    ],
  ])('refuses %s, changing nothing', async (_name, args, code, message) => {
    started(['auth']);
    const before = snapshot(repo);
    const result = await repo.cli([...args, '--json']);
    expect(result.exitCode).toBe(1);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.error.code).toBe(code);
    expect(result.json.error.message).toMatch(message);
    expect(snapshot(repo)).toEqual(before);
  });

  it('refuses a session whose worktree is gone, and gives --tmux with --print as a usage error', async () => {
    started(['auth']);
    rmSync(join(repo.sessions, 'auth'), { recursive: true, force: true });
    const before = snapshot(repo);
    const gone = await repo.cli(['open', 'auth']);
    expect(gone.exitCode).toBe(1);
    expect(gone.stderr).toContain(
      `refused: The worktree ${join(repo.sessions, 'auth')} of session "auth" is gone, so there is nothing to open.`,
    );
    expect(snapshot(repo)).toEqual(before);
    const both = await repo.cli(['open', 'auth', '--tmux', '--print']);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('usage error: --tmux and --print cannot go together');
  });
});

const tmuxVersion = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
const hasTmux = tmuxVersion.status === 0;
if (!hasTmux)
  console.warn(
    `[tmux tests] skipped: tmux is not installed here (${(tmuxVersion.error?.message ?? tmuxVersion.stderr).trim()}). Install it (Debian: apt-get install tmux) to run them.`,
  );

describe.skipIf(!hasTmux)('in a real tmux server', () => {
  /** A server of its own on a private socket, and a stand-in `claude` first on the PATH; returns what the helper needs to be "inside" it. */
  function tmuxServer(): { name: string; env: NodeJS.ProcessEnv } {
    const name = `fr-open-${process.pid}-${servers.length}`;
    const bin = join(repo.root, 'stand-in-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'claude'),
      '#!/bin/sh\nprintf \'stand-in claude [%s] in %s\\n\' "$*" "$PWD"\nexec sleep 60\n',
    );
    chmodSync(join(bin, 'claude'), 0o755);
    const env = { ...repo.env, PATH: `${bin}${delimiter}${process.env.PATH}`, TMUX_TMPDIR: repo.root };
    execFileSync('tmux', ['-L', name, '-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', '200', '-y', '20'], {
      env,
    });
    servers.push(name);
    const [socket, pid] = execFileSync('tmux', ['-L', name, 'display-message', '-p', '#{socket_path} #{pid}'], {
      encoding: 'utf8',
      env: tmuxEnv(),
    })
      .trim()
      .split(' ');
    expect(socket!.startsWith(repo.root)).toBe(true);
    // tmux gives a new window the PATH of the client that asked for it: the helper's, as a user's shell would.
    return { name, env: { TMUX: `${socket},${pid},0`, PATH: env.PATH } };
  }

  const windows = (server: string) =>
    execFileSync('tmux', ['-L', server, 'list-windows', '-t', 'main', '-F', '#{window_name}'], {
      encoding: 'utf8',
      env: tmuxEnv(),
    })
      .trim()
      .split('\n');

  /** What the window shows, once the stand-in has printed its line. */
  async function pane(server: string, window: string): Promise<string> {
    for (let i = 0; i < 50; i++) {
      const text = execFileSync('tmux', ['-L', server, 'capture-pane', '-p', '-t', `main:${window}`], {
        encoding: 'utf8',
        env: tmuxEnv(),
      }).trim();
      if (text.includes('stand-in claude')) return text;
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error(`the window ${window} never showed the stand-in's line`);
  }

  it('start --open tmux opens a window named after the session that resumes the conversation the start came from', async () => {
    repo = makeRepo();
    const tmux = tmuxServer();
    const result = await repo.cli(
      [
        'start',
        'feat',
        '--goal',
        'Ship it',
        '--no-setup',
        '--claude-session',
        CONVERSATION,
        '--open',
        'tmux',
        '--json',
      ],
      { env: tmux.env },
    );
    expect(result.exitCode, result.stdout).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.open).toMatchObject({
      mode: 'tmux',
      opened: true,
      window: 'main:1',
      runs: ['claude', '--resume', CONVERSATION],
      insideTmux: true,
      problem: null,
      next: null,
    });
    expect(windows(tmux.name).slice(1)).toEqual(['feat']);
    expect(await pane(tmux.name, 'feat')).toBe(
      `stand-in claude [--resume ${CONVERSATION}] in ${join(repo.sessions, 'feat')}`,
    );
  });

  it('says in text which window it opened, and open runs plain claude where no conversation is known', async () => {
    started(['plain']);
    const tmux = tmuxServer();
    const result = await repo.cli(['open', 'plain'], { env: tmux.env });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(normalise(result.stdout, repo)).toMatchInlineSnapshot(`
      "- Session "plain" in <root>/project-sessions/plain
      ✓ Opened tmux window "plain" (main:1) in <root>/project-sessions/plain, running: claude
      It starts a new conversation there; /resume picks up an earlier one.
      "
    `);
    expect(windows(tmux.name)).toContain('plain');
    expect(await pane(tmux.name, 'plain')).toBe(`stand-in claude [] in ${join(repo.sessions, 'plain')}`);
  });

  it('refuses, giving the line, when tmux cannot open the window; start still creates the session and says so', async () => {
    started(['auth']);
    const broken = { TMUX: `${join(repo.root, 'no-such-socket')},1,0` };
    const before = snapshot(repo);
    const refused = await repo.cli(['open', 'auth', '--json'], { env: broken });
    expect(refused.exitCode).toBe(1);
    expect(outputSchemaErrors(refused.json)).toBe('');
    expect(refused.json.error.code).toBe('tmux-failed');
    expect(refused.json.error.message).toMatch(
      /^No tmux window was opened for "auth": tmux new-window failed: .+; nothing was changed\.$/,
    );
    expect(refused.json.error.next).toBe(`Open a new terminal and run: cd ${join(repo.sessions, 'auth')} && claude`);
    expect(snapshot(repo)).toEqual(before);
    const start = await repo.cli(['start', 'later', '--no-setup', '--open', 'tmux'], { env: broken });
    expect(start.exitCode).toBe(0);
    expect(start.stdout).toMatch(
      /! No tmux window was opened: tmux new-window failed: .+\.\n\nNext: open a new terminal and run\n  cd \S+\/later && claude\n/,
    );
  });
});
