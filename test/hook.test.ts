import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, ROOT, snapshot, type Repo, INVOCATION } from './helpers/gitdir.js';

const HOOK = join(ROOT, 'dist/hook.mjs');
let repo: Repo;
afterEach(() => repo?.cleanup());

const worktree = (name: string) => join(repo.sessions, name);

interface HookRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

function hook(event: 'session-start' | 'pre-tool-use', input: string | object): HookRun {
  const result = spawnSync('node', [HOOK, event], {
    cwd: repo.root,
    env: repo.env,
    input: typeof input === 'string' ? input : JSON.stringify(input),
    encoding: 'utf8',
  });
  return { exitCode: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What Claude Code sends for SessionStart. */
const sessionStartInput = (cwd: string, source = 'startup') => ({
  session_id: '9f3c2a4e-1b2d-4c5e-8f90-123456789abc',
  transcript_path: join(repo.root, 'home/.claude/projects/x/9f3c2a4e.jsonl'),
  cwd,
  hook_event_name: 'SessionStart',
  source,
});

/** What Claude Code sends for PreToolUse on Edit, Write or MultiEdit. */
const editInput = (cwd: string, filePath: string, toolName = 'Edit') => ({
  session_id: '9f3c2a4e-1b2d-4c5e-8f90-123456789abc',
  transcript_path: join(repo.root, 'home/.claude/projects/x/9f3c2a4e.jsonl'),
  cwd,
  permission_mode: 'default',
  hook_event_name: 'PreToolUse',
  tool_name: toolName,
  tool_input: toolName === 'Write'
    ? { file_path: filePath, content: 'new content\n' }
    : toolName === 'MultiEdit'
      ? { file_path: filePath, edits: [{ old_string: 'a', new_string: 'b' }] }
      : { file_path: filePath, old_string: 'console.log(1);', new_string: 'console.log(2);', replace_all: false },
});

function context(run: HookRun, event: string): string {
  expect(run.exitCode).toBe(0);
  expect(run.stdout.length).toBeLessThan(10_000);
  const json = JSON.parse(run.stdout);
  expect(Object.keys(json)).toEqual(['hookSpecificOutput']);
  expect(Object.keys(json.hookSpecificOutput)).toEqual(['hookEventName', 'additionalContext']);
  expect(json.hookSpecificOutput.hookEventName).toBe(event);
  return json.hookSpecificOutput.additionalContext;
}

function quiet(run: HookRun): void {
  expect(run).toEqual({ exitCode: 0, stdout: '', stderr: '' });
}

function twoSessions(): void {
  repo = makeRepo();
  repo.helper(['start', 'auth', '--goal', 'Refactor auth']);
  repo.helper(['start', 'api', '--goal', 'Add endpoints']);
}

describe('SessionStart hook', () => {
  it.each(['startup', 'resume', 'clear', 'compact'])('tells the agent which session it is in (%s)', (source) => {
    twoSessions();
    const text = context(hook('session-start', sessionStartInput(join(worktree('auth'), 'src'), source)), 'SessionStart');
    expect(text).toContain('parallel dev session "auth": branch session/auth, based on main');
    expect(text).toContain('- Refactor auth');
    expect(text).toContain('Session log: docs/session_logs/20260115_1000_auth_session.md');
    expect(text).toContain('- api: Add endpoints');
    expect(text).toContain('/dev-session.end');
    expect(text).not.toContain('behind');
  });

  it('warns when the session is far behind its base', () => {
    twoSessions();
    mkdirSync(join(repo.main, '.claude'));
    writeFileSync(join(repo.main, '.claude/flight-rules.json'), JSON.stringify({ behindWarningCommits: 1 }));
    for (const n of [1, 2]) {
      repo.write('CHANGELOG.md', `${n}\n`);
      repo.commitAll(`main ${n}`);
    }
    expect(context(hook('session-start', sessionStartInput(worktree('auth'))), 'SessionStart')).toContain('2 commits behind main');
  });

  it('is quiet in the main checkout, outside a repository, and on bad input', () => {
    twoSessions();
    quiet(hook('session-start', sessionStartInput(repo.main)));
    quiet(hook('session-start', sessionStartInput(join(repo.root, 'home'))));
    quiet(hook('session-start', sessionStartInput(join(repo.root, 'does-not-exist'))));
    quiet(hook('session-start', 'not json {'));
    quiet(hook('session-start', ''));
  });
});

describe('PreToolUse hook', () => {
  it('warns, without blocking, when another session changed the file in a commit', () => {
    twoSessions();
    repo.write('src/app.js', 'console.log("api");\n', worktree('api'));
    repo.commitAll('api: app', worktree('api'));
    for (const tool of ['Edit', 'Write', 'MultiEdit']) {
      const text = context(hook('pre-tool-use', editInput(worktree('auth'), join(worktree('auth'), 'src/app.js'), tool)), 'PreToolUse');
      expect(text).toBe(
        'Warning: src/app.js is also changed in parallel session "api" (in its commits). Editing it in parallel session "auth" too may cause a merge conflict later. ' +
          // The helper sits beside the hook; the agent is told to run that very file.
          `Keep the change small, tell the user, and run \`${INVOCATION} overlap\` to see predicted conflicts and a merge order.`,
      );
    }
  });

  it('warns about uncommitted changes in another session, for a relative path too', () => {
    twoSessions();
    repo.write('README.md', 'api edits\n', worktree('api'));
    repo.write('src/new.js', 'new\n', worktree('api'));
    expect(context(hook('pre-tool-use', editInput(worktree('auth'), 'README.md')), 'PreToolUse')).toContain('"api" (uncommitted in its worktree)');
    expect(context(hook('pre-tool-use', editInput(join(worktree('auth'), 'src'), 'new.js', 'Write')), 'PreToolUse')).toContain('src/new.js is also changed in parallel session "api"');
  });

  it('warns in the main checkout about a file a session changes', () => {
    twoSessions();
    repo.write('src/app.js', 'auth\n', worktree('auth'));
    repo.commitAll('auth', worktree('auth'));
    const text = context(hook('pre-tool-use', editInput(repo.main, join(repo.main, 'src/app.js'))), 'PreToolUse');
    expect(text).toContain('"auth" (in its commits)');
    expect(text).toContain('Editing it in the main checkout');
  });

  it('is quiet when only this session changes the file, and for files outside the repository', () => {
    twoSessions();
    repo.write('src/app.js', 'auth\n', worktree('auth'));
    repo.commitAll('auth', worktree('auth'));
    const before = snapshot(repo);
    quiet(hook('pre-tool-use', editInput(worktree('auth'), join(worktree('auth'), 'src/app.js'))));
    quiet(hook('pre-tool-use', editInput(worktree('auth'), join(worktree('api'), 'src/other.js'))));
    quiet(hook('pre-tool-use', editInput(worktree('auth'), join(repo.root, 'home/notes.txt'))));
    quiet(hook('pre-tool-use', { ...editInput(worktree('auth'), ''), tool_input: { command: 'ls' } }));
    quiet(hook('pre-tool-use', '[]'));
    expect(snapshot(repo)).toEqual(before);
  });

  it('never hangs on a stdin that stays open', async () => {
    twoSessions();
    const child = spawn('node', [HOOK, 'pre-tool-use'], { cwd: repo.main, env: repo.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exitCode = await new Promise((resolve) => child.on('close', resolve));
    expect(exitCode).toBe(0);
    expect(stdout).toBe('');
  });
});
