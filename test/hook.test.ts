import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { makeRepo, ROOT, snapshot, type Repo, INVOCATION } from './helpers/gitdir.js';

const HOOK = join(ROOT, 'dist/hook.cjs');
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
  tool_input:
    toolName === 'Write'
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

/** A snapshot less the files the context hooks write: their cache (two files), and the tip comparisons they share with status. */
function withoutHookCache(taken: Record<string, unknown>): Record<string, unknown> {
  const files = { ...(taken.files as Record<string, string>) };
  delete files[`${basename(repo.sessions)}/.hook-cache.json`];
  delete files[`${basename(repo.sessions)}/.hook-layouts.json`];
  delete files[`${basename(repo.sessions)}/.tip-comparisons.json`];
  return { ...taken, files };
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
    const text = context(
      hook('session-start', sessionStartInput(join(worktree('auth'), 'src'), source)),
      'SessionStart',
    );
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
    expect(context(hook('session-start', sessionStartInput(worktree('auth'))), 'SessionStart')).toContain(
      '2 commits behind main',
    );
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
      const text = context(
        hook('pre-tool-use', editInput(worktree('auth'), join(worktree('auth'), 'src/app.js'), tool)),
        'PreToolUse',
      );
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
    expect(context(hook('pre-tool-use', editInput(worktree('auth'), 'README.md')), 'PreToolUse')).toContain(
      '"api" (uncommitted in its worktree)',
    );
    expect(
      context(hook('pre-tool-use', editInput(join(worktree('auth'), 'src'), 'new.js', 'Write')), 'PreToolUse'),
    ).toContain('src/new.js is also changed in parallel session "api"');
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
    // The one file a hook may write: its cache, in the sessions folder.
    expect(withoutHookCache(snapshot(repo))).toEqual(withoutHookCache(before));
  });

  /** The editing hook with a stdin that is never closed: `pieces` written 200 ms apart, then nothing. */
  async function hookWithOpenStdin(pieces: string[]) {
    const child = spawn('node', [HOOK, 'pre-tool-use'], { cwd: repo.main, env: repo.env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const started = Date.now();
    const closed = new Promise<[number | null, string | null]>((resolve) =>
      child.on('close', (code, signal) => resolve([code, signal])),
    );
    for (const [i, piece] of pieces.entries()) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      child.stdin.write(piece);
    }
    const [exitCode, signal] = await closed;
    child.stdin.destroy();
    return { exitCode, signal, stdout, stderr, ms: Date.now() - started };
  }

  const apiCommitsApp = () => {
    twoSessions();
    repo.write('src/app.js', 'console.log("api");\n', worktree('api'));
    repo.commitAll('api: app', worktree('api'));
    return JSON.stringify(editInput(worktree('auth'), join(worktree('auth'), 'src/app.js')));
  };

  it('never hangs on a stdin that stays open and empty: it ends itself after the stdin wait, silent', async () => {
    twoSessions();
    const run = await hookWithOpenStdin([]);
    // A read waiting in node's thread pool would hold a normal exit until stdin ends, so the hook kills itself.
    expect(run).toMatchObject({ exitCode: null, signal: 'SIGKILL', stdout: '', stderr: '' });
    expect(run.ms).toBeLessThan(4_500);
  });

  it.each([
    ['in one piece', 1],
    ['in pieces', 3],
  ])('answers a writer that sends its JSON %s and never closes stdin, before the watchdog', async (_how, count) => {
    const text = apiCommitsApp();
    const size = Math.ceil(text.length / count);
    const run = await hookWithOpenStdin(Array.from({ length: count }, (_, i) => text.slice(i * size, (i + 1) * size)));
    // A whole JSON object is the whole input: no waiting for the end of stdin, nor for the 5 s watchdog.
    expect(run.ms).toBeLessThan(4_500);
    expect(context({ exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr }, 'PreToolUse')).toContain(
      '"api" (in its commits)',
    );
  });

  it('reads nothing from /dev/null, and stays quiet', () => {
    twoSessions();
    const result = spawnSync('node', [HOOK, 'pre-tool-use'], {
      cwd: worktree('auth'),
      env: repo.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    quiet({ exitCode: result.status, stdout: result.stdout, stderr: result.stderr });
  });
});

/**
 * The editing hook reads the other sessions from git's own files and keeps what it learnt in
 * the sessions folder (`.hook-cache.json`, and `.tip-comparisons.json` shared with status). These
 * prove that neither ever hides a change:
 * each warms it first (the api session's file unchanged, the hook quiet, no git process at
 * all on the second run), then changes the file in the api session by some means, and
 * expects the warning git's own answer calls for.
 */
/**
 * Each case runs under two clocks: the tests' fixed one, in the past, under which no file has
 * settled and no answer is kept across runs; and one far ahead, under which every file counts
 * as settled, so that the answers kept across runs (engine/hook/kept-answers.ts) meet every
 * change too. A write here comes a whole hook run after the one before, so times always differ.
 */
const CLOCKS: [string, NodeJS.ProcessEnv][] = [
  ['no file settled', {}],
  ['every file settled', { FLIGHT_RULES_NOW: '2099-01-01T00:00:00Z' }],
];

describe.each(CLOCKS)('PreToolUse hook: the cache and the in-process reading never hide a change (%s)', (_, clock) => {
  const CACHE = () => join(repo.sessions, '.hook-cache.json');
  const LAYOUTS = () => join(repo.sessions, '.hook-layouts.json');
  const apiFile = (rel = 'src/app.js') => join(worktree('api'), rel);
  const edit = (rel = 'src/app.js', env: NodeJS.ProcessEnv = {}) => {
    const result = spawnSync('node', [HOOK, 'pre-tool-use'], {
      cwd: repo.root,
      env: { ...repo.env, ...clock, ...env },
      input: JSON.stringify(editInput(worktree('auth'), join(worktree('auth'), rel))),
      encoding: 'utf8',
    });
    return { exitCode: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const gitCalls = (run: HookRun) => run.stderr.split('\n').filter((line) => line.startsWith('[trace]'));

  /** Two sessions; the hook run once (cache written) and again with no git process at all. */
  function warmed(rel = 'src/app.js'): void {
    twoSessions();
    quiet(edit(rel));
    expect(existsSync(CACHE())).toBe(true);
    const again = edit(rel, { FLIGHT_RULES_TRACE: '1' });
    expect(gitCalls(again)).toEqual([]);
    expect(again.stdout).toBe('');
  }
  const warned = (rel = 'src/app.js') => context(edit(rel), 'PreToolUse');
  const nanoseconds = (path: string) => statSync(path, { bigint: true }).mtimeNs;
  const touchTo = (path: string, ns: bigint) =>
    execFileSync('touch', [
      '-h',
      '-d',
      `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`,
      path,
    ]);

  it('a commit in another session invalidates the cache', () => {
    warmed();
    const cacheBefore = readFileSync(CACHE(), 'utf8');
    repo.write('src/app.js', 'console.log("api");\n', worktree('api'));
    repo.commitAll('api: app', worktree('api'));
    const run = edit('src/app.js', { FLIGHT_RULES_TRACE: '1' });
    expect(context({ ...run, stderr: '' }, 'PreToolUse')).toContain('"api" (in its commits)');
    // Only the moved session's files were asked of git, once.
    // The moved session's files since its fork, and the root tree of its new HEAD: one git call each.
    expect(
      gitCalls(run)
        .map((line) => / exit \d+ git (\S+)/.exec(line)?.[1])
        .sort(),
    ).toEqual(['diff', 'rev-parse']);
    expect(readFileSync(CACHE(), 'utf8')).not.toBe(cacheBefore);
    expect(gitCalls(edit('src/app.js', { FLIGHT_RULES_TRACE: '1' }))).toEqual([]);
  });

  it("a commit on the base does not hide a session's commits", () => {
    warmed();
    repo.write('src/app.js', 'console.log("api");\n', worktree('api'));
    repo.commitAll('api: app', worktree('api'));
    expect(warned()).toContain('(in its commits)');
    repo.write('CHANGELOG.md', 'main moved\n');
    repo.commitAll('main moves on');
    expect(warned()).toContain('"api" (in its commits)');
  });

  it('a plain write that keeps the size and the modification time', () => {
    twoSessions();
    const path = apiFile();
    // An old file in an index written since, so that git trusts its stat data (not racily clean).
    execFileSync('touch', ['-d', '2001-02-03 04:05:06', path]);
    repo.git(['update-index', '--refresh'], worktree('api'));
    const mtime = nanoseconds(path);
    quiet(edit());
    expect(gitCalls(edit('src/app.js', { FLIGHT_RULES_TRACE: '1' }))).toEqual([]);
    writeFileSync(path, 'console.log(9);\n');
    touchTo(path, mtime);
    expect(nanoseconds(path)).toBe(mtime);
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
  });

  it('an edit with its modification time set back (touch -d)', () => {
    warmed();
    writeFileSync(apiFile(), 'console.log("back-dated");\n');
    execFileSync('touch', ['-d', '2001-02-03 04:05:06', apiFile()]);
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
  });

  it('a same-size edit in the second its index was written', () => {
    twoSessions();
    const path = apiFile();
    const mtime = nanoseconds(path);
    repo.git(['add', 'src/app.js'], worktree('api'));
    quiet(edit());
    writeFileSync(path, 'console.log(7);\n');
    touchTo(path, mtime);
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
  });

  it('chmod +x', () => {
    warmed();
    chmodSync(apiFile(), 0o755);
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
  });

  it('a symlink in place of the file', () => {
    warmed();
    rmSync(apiFile());
    symlinkSync('../README.md', apiFile());
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
  });

  it('a folder on the way moved and put back as a symlink, the file itself untouched', () => {
    twoSessions();
    const path = apiFile();
    // An old file in an index written since, so that its stat data alone would say it is clean.
    execFileSync('touch', ['-d', '2001-02-03 04:05:06', path]);
    repo.git(['update-index', '--refresh'], worktree('api'));
    quiet(edit());
    renameSync(join(worktree('api'), 'src'), join(worktree('api'), 'src-moved'));
    symlinkSync('src-moved', join(worktree('api'), 'src'));
    // The same file, by the same path: git does not follow the link, so for git every file in src/ is deleted.
    expect(repo.git(['status', '--porcelain', '--', 'src/app.js'], worktree('api'))).toBe(' D src/app.js\n');
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
  });

  it('a deleted file', () => {
    warmed();
    rmSync(apiFile());
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
  });

  it('a new untracked file, but not a new ignored one', () => {
    warmed('src/new.js');
    repo.write('src/new.js', 'new\n', worktree('api'));
    expect(warned('src/new.js')).toContain('src/new.js is also changed in parallel session "api"');
    repo.write('.gitignore', 'debug.log\n', worktree('api'));
    repo.write('debug.log', 'noise\n', worktree('api'));
    quiet(edit('debug.log'));
  });

  it('a change staged, then reverted on disk', () => {
    warmed();
    const original = readFileSync(apiFile(), 'utf8');
    writeFileSync(apiFile(), 'console.log("staged");\n');
    repo.git(['add', 'src/app.js'], worktree('api'));
    writeFileSync(apiFile(), original);
    expect(repo.git(['status', '--porcelain', '--', 'src/app.js'], worktree('api'))).toBe('MM src/app.js\n');
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
  });

  it('a change staged and left there, with the file as staged', () => {
    warmed();
    writeFileSync(apiFile(), 'console.log("staged");\n');
    repo.git(['add', 'src/app.js'], worktree('api'));
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
    repo.git(['commit', '-q', '-m', 'api: staged'], worktree('api'));
    expect(warned()).toContain('"api" (in its commits)');
  });

  it('git rm, and git rm --cached', () => {
    warmed();
    repo.git(['rm', '-q', 'src/app.js'], worktree('api'));
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
    repo.git(['reset', '-q', 'HEAD', 'src/app.js'], worktree('api'));
    repo.git(['checkout', '--', 'src/app.js'], worktree('api'));
    quiet(edit());
    repo.git(['rm', '-q', '--cached', 'src/app.js'], worktree('api'));
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
  });

  it('git add -N', () => {
    warmed('src/later.js');
    repo.write('src/later.js', 'later\n', worktree('api'));
    repo.git(['add', '-N', 'src/later.js'], worktree('api'));
    expect(warned('src/later.js')).toContain('"api" (uncommitted in its worktree)');
  });

  /** Two sessions on a base that also holds notes.txt and a file with CRLF line endings, warmed. */
  function warmedWithText(): void {
    repo = makeRepo({
      files: {
        'README.md': '# sample\n',
        'src/app.js': 'console.log(1);\n',
        'notes.txt': 'hello\n',
        'src/crlf.js': 'console.log(1);\r\n',
      },
    });
    repo.helper(['start', 'auth', '--goal', 'Refactor auth']);
    repo.helper(['start', 'api', '--goal', 'Add endpoints']);
    for (const rel of ['notes.txt', 'src/crlf.js', 'src/app.js']) quiet(edit(rel));
  }
  /** What the hook said of the path (and whether it asked git status in the api session), and what git status there says. */
  const compared = (rel: string) => {
    const run = edit(rel, { FLIGHT_RULES_TRACE: '1' });
    expect(run.exitCode).toBe(0);
    const hookSays =
      run.stdout !== '' &&
      context({ ...run, stderr: '' }, 'PreToolUse').includes('"api" (uncommitted in its worktree)');
    const askedGit = gitCalls(run).some(
      (line) => line.includes(' status ') && line.includes(`(in ${worktree('api')})`),
    );
    // Read only, as the hook does: a refresh here would change what the next run sees.
    const gitSays =
      repo.git(['--no-optional-locks', 'status', '--porcelain', '--', rel], worktree('api')).trim() !== '';
    return { gitSays, hookSays, askedGit };
  };

  it('a clean filter: asks git, which sees a change the bytes on disk do not show', () => {
    warmedWithText();
    repo.git(['config', 'filter.upper.clean', 'tr a-z A-Z']);
    repo.write('.gitattributes', 'notes.txt filter=upper\n', worktree('api'));
    execFileSync('touch', ['-d', '2001-02-03 04:05:06', apiFile('notes.txt')]);
    // The bytes on disk hash to what git stored; through the filter they do not.
    expect(compared('notes.txt')).toEqual({ gitSays: true, hookSays: true, askedGit: true });
  });

  it('an eol attribute: asks git, which sees a change the bytes on disk do not show', () => {
    warmedWithText();
    repo.write('.gitattributes', '*.js eol=crlf\n', worktree('api'));
    execFileSync('touch', ['-d', '2001-02-03 04:05:06', apiFile('src/crlf.js')]);
    expect(compared('src/crlf.js')).toEqual({ gitSays: true, hookSays: true, askedGit: true });
  });

  it('core.autocrlf: asks git, and says what git says', () => {
    warmedWithText();
    repo.git(['config', 'core.autocrlf', 'true']);
    execFileSync('touch', ['-d', '2001-02-03 04:05:06', apiFile('src/crlf.js')]);
    expect(compared('src/crlf.js')).toEqual({ gitSays: false, hookSays: false, askedGit: true });
    writeFileSync(apiFile(), 'console.log(1);\r\n');
    const lineEndings = compared('src/app.js');
    expect(lineEndings.askedGit).toBe(true);
    expect(lineEndings.hookSays).toBe(lineEndings.gitSays);
    writeFileSync(apiFile(), 'console.log(2);\r\n');
    expect(compared('src/app.js')).toEqual({ gitSays: true, hookSays: true, askedGit: true });
  });

  it('assume-unchanged and skip-worktree entries: asks git, and says what git says', () => {
    warmed();
    repo.git(['update-index', '--assume-unchanged', 'src/app.js'], worktree('api'));
    writeFileSync(apiFile(), 'console.log("hidden");\n');
    expect(compared('src/app.js')).toEqual({ gitSays: false, hookSays: false, askedGit: true });
    repo.git(['update-index', '--no-assume-unchanged', 'src/app.js'], worktree('api'));
    repo.git(['update-index', '--skip-worktree', 'src/app.js'], worktree('api'));
    expect(repo.git(['ls-files', '-t', 'src/app.js'], worktree('api'))).toBe('S src/app.js\n');
    const skipped = compared('src/app.js');
    expect(skipped.askedGit).toBe(true);
    expect(skipped.hookSays).toBe(skipped.gitSays);
  });

  it('a split index: asks git, which sees a deleted file the split index no longer lists', () => {
    warmed();
    repo.git(['update-index', '--split-index'], worktree('api'));
    quiet(edit());
    rmSync(apiFile());
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
  });

  it('a session whose worktree is gone still counts with its commits, and has nothing uncommitted', () => {
    warmed();
    repo.write('src/app.js', 'console.log("api");\n', worktree('api'));
    repo.commitAll('api: app', worktree('api'));
    repo.write('README.md', 'uncommitted\n', worktree('api'));
    rmSync(worktree('api'), { recursive: true, force: true });
    expect(warned()).toContain('"api" (in its commits)');
    quiet(edit('README.md'));
  });

  it.each([
    ['cache', () => CACHE()],
    ['layouts', () => LAYOUTS()],
  ])('a corrupt %s file is ignored, and replaced', (_, file) => {
    warmed();
    for (const text of [
      '{not json',
      JSON.stringify({ format: 4, staged: { x: 'not a list' }, answers: { y: { changed: 'no' } }, layouts: { z: {} } }),
      '[]',
      '',
    ]) {
      writeFileSync(file(), text);
      quiet(edit());
      repo.write('src/app.js', `console.log(${JSON.stringify(text)});\n`, worktree('api'));
      expect(warned()).toContain('"api" (uncommitted in its worktree)');
      repo.git(['checkout', '--', 'src/app.js'], worktree('api'));
    }
    expect(JSON.parse(readFileSync(file(), 'utf8')).format).toBe(4);
  });

  it.each([
    ['cache', () => CACHE()],
    ['layouts', () => LAYOUTS()],
  ])("a symlink in the %s file's place is never followed", (_, file) => {
    twoSessions();
    const outside = join(repo.root, 'home', 'precious.json');
    writeFileSync(outside, 'precious\n');
    symlinkSync(outside, file());
    quiet(edit());
    repo.write('src/app.js', 'console.log("api");\n', worktree('api'));
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
    expect(readFileSync(outside, 'utf8')).toBe('precious\n');
    expect(lstatSync(file()).isSymbolicLink()).toBe(true);
  });

  it('writes no index, ref or working tree', () => {
    warmed();
    repo.write('src/app.js', 'console.log("api");\n', worktree('api'));
    const before = snapshot(repo);
    expect(warned()).toContain('"api"');
    expect(withoutHookCache(snapshot(repo))).toEqual(withoutHookCache(before));
  });
});

describe('PreToolUse hook: answers kept across runs', () => {
  const SETTLED = { FLIGHT_RULES_NOW: '2099-01-01T00:00:00Z' };
  const CACHE = () => join(repo.sessions, '.hook-cache.json');
  const apiFile = (rel = 'src/app.js') => join(worktree('api'), rel);
  const answerKey = (rel = 'src/app.js') => `${worktree('api')}\0${rel}`;
  const edit = (rel = 'src/app.js', env: NodeJS.ProcessEnv = SETTLED): HookRun => {
    const result = spawnSync('node', [HOOK, 'pre-tool-use'], {
      cwd: repo.root,
      env: { ...repo.env, ...env },
      input: JSON.stringify(editInput(worktree('auth'), join(worktree('auth'), rel))),
      encoding: 'utf8',
    });
    return { exitCode: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const warned = (rel = 'src/app.js') => context(edit(rel), 'PreToolUse');
  const answers = () => JSON.parse(readFileSync(CACHE(), 'utf8')).answers as Record<string, any>;
  /** Sets what the api session's kept answer says, to see whether a run takes it. */
  const tamper = (change: Record<string, unknown>) => {
    const cache = JSON.parse(readFileSync(CACHE(), 'utf8'));
    Object.assign(cache.answers[answerKey()], change);
    writeFileSync(CACHE(), JSON.stringify(cache));
  };

  /** Two sessions whose files and indexes have settled (old files, an index written since), the api answer kept. */
  function settled(): void {
    twoSessions();
    for (const rel of ['README.md', 'src/app.js']) execFileSync('touch', ['-d', '2001-02-03 04:05:06', apiFile(rel)]);
    repo.git(['update-index', '--refresh'], worktree('api'));
    quiet(edit());
    expect(answers()[answerKey()]).toMatchObject({ changed: false });
  }

  /** A commit on a scratch branch of the main checkout that changes src/app.js, its tip left where it is. */
  function scratchCommit(): string {
    repo.git(['switch', '-q', '-c', 'scratch']);
    repo.write('src/app.js', 'console.log("scratch");\n');
    const commit = repo.commitAll('scratch: app');
    repo.git(['switch', '-q', 'main']);
    return commit;
  }

  it('a worktree left alone is answered from what was kept, and only while every file it rests on is the same', () => {
    settled();
    // The kept answer is taken as it is: nothing else was read for it.
    tamper({ changed: true });
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
    // Any change to the file's stat data (here only its change time) sends it back to the index; its content is unchanged, but a hashed answer is not kept.
    execFileSync('touch', ['-d', '2001-02-03 04:05:06', apiFile()]);
    quiet(edit());
    expect(answers()[answerKey()]).toMatchObject({ changed: true });
  });

  it('an answer kept for a git dir where git makes none is not taken', () => {
    settled();
    tamper({ changed: true, gitDir: join(repo.root, 'elsewhere') });
    quiet(edit());
  });

  it('a session whose worktree is stored through a symlink: kept under that path, and a change through the real one is still seen', () => {
    settled();
    const link = join(repo.root, 'sessions-link');
    symlinkSync(repo.sessions, link);
    const manifestPath = join(repo.sessions, '.manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.sessions.find((entry: { id: string }) => entry.id === 'api').worktree = join(link, 'api');
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    quiet(edit());
    const viaLink = `${join(link, 'api')}\0src/app.js`;
    expect(answers()[viaLink]).toMatchObject({ changed: false });
    // Taken as it is, through the link.
    const cache = JSON.parse(readFileSync(CACHE(), 'utf8'));
    cache.answers[viaLink].changed = true;
    writeFileSync(CACHE(), JSON.stringify(cache));
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
    cache.answers[viaLink].changed = false;
    writeFileSync(CACHE(), JSON.stringify(cache));
    quiet(edit());
    // A same-size edit made through the real path.
    writeFileSync(apiFile(), readFileSync(apiFile(), 'utf8').replace('1', '2'));
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
  });

  it('under a clock no file has settled by, nothing is kept', () => {
    twoSessions();
    for (const rel of ['README.md', 'src/app.js']) execFileSync('touch', ['-d', '2001-02-03 04:05:06', apiFile(rel)]);
    repo.git(['update-index', '--refresh'], worktree('api'));
    quiet(edit('src/app.js', {}));
    expect(answers()).toEqual({});
  });

  it('a file still racily clean in its index is hashed each time, not kept', () => {
    twoSessions();
    quiet(edit());
    expect(answers()[answerKey()]).toBeUndefined();
  });

  it("the session's branch moved under its HEAD, index and files untouched", () => {
    const scratch = (() => {
      twoSessions();
      return scratchCommit();
    })();
    for (const rel of ['README.md', 'src/app.js']) execFileSync('touch', ['-d', '2001-02-03 04:05:06', apiFile(rel)]);
    repo.git(['update-index', '--refresh'], worktree('api'));
    quiet(edit());
    const branch = repo.git(['symbolic-ref', 'HEAD'], worktree('api')).trim();
    repo.git(['update-ref', branch, scratch]);
    // The index holds the old app.js against a HEAD that has the new one: a staged change.
    expect(repo.git(['status', '--porcelain', '--', 'src/app.js'], worktree('api'))).toBe('M  src/app.js\n');
    expect(warned()).toContain('"api" (in its commits and uncommitted in its worktree)');
  });

  it('HEAD pointed at another branch, index and files untouched', () => {
    twoSessions();
    scratchCommit();
    for (const rel of ['README.md', 'src/app.js']) execFileSync('touch', ['-d', '2001-02-03 04:05:06', apiFile(rel)]);
    repo.git(['update-index', '--refresh'], worktree('api'));
    quiet(edit());
    repo.git(['symbolic-ref', 'HEAD', 'refs/heads/scratch'], worktree('api'));
    expect(repo.git(['status', '--porcelain', '--', 'src/app.js'], worktree('api'))).toBe('M  src/app.js\n');
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
  });

  it('a new index entry for the file, the file on disk untouched', () => {
    settled();
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], {
      cwd: worktree('api'),
      env: repo.env,
      input: 'console.log("index only");\n',
      encoding: 'utf8',
    }).trim();
    repo.git(['update-index', '--cacheinfo', `100644,${blob},src/app.js`], worktree('api'));
    expect(repo.git(['status', '--porcelain', '--', 'src/app.js'], worktree('api'))).toBe('MM src/app.js\n');
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
  });

  it('another file of the same size and times renamed into its place', () => {
    settled();
    const path = apiFile();
    const { mtime } = statSync(path);
    writeFileSync(`${path}.new`, 'console.log(8);\n');
    utimesSync(`${path}.new`, mtime, mtime);
    renameSync(`${path}.new`, path);
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
  });

  it("the worktree's .git file pointed at another git dir", () => {
    settled();
    // auth's index holds a change of src/app.js; api's .git now says its git dir is auth's.
    repo.write('src/app.js', 'console.log("auth");\n', worktree('auth'));
    repo.git(['add', 'src/app.js'], worktree('auth'));
    const authGitDir = repo.git(['rev-parse', '--absolute-git-dir'], worktree('auth')).trim();
    writeFileSync(join(worktree('api'), '.git'), `gitdir: ${authGitDir}\n`);
    expect(repo.git(['status', '--porcelain', '--', 'src/app.js'], worktree('api'))).not.toBe('');
    expect(warned()).toContain('"api" (uncommitted in its worktree)');
  });
});

describe('SessionStart hook: the behind count is cached under both tips', () => {
  it('a commit on the base moves it', () => {
    twoSessions();
    mkdirSync(join(repo.main, '.claude'));
    writeFileSync(join(repo.main, '.claude/flight-rules.json'), JSON.stringify({ behindWarningCommits: 1 }));
    expect(context(hook('session-start', sessionStartInput(worktree('auth'))), 'SessionStart')).not.toContain('behind');
    for (const n of [1, 2]) {
      repo.write('CHANGELOG.md', `${n}\n`);
      repo.commitAll(`main ${n}`);
    }
    expect(context(hook('session-start', sessionStartInput(worktree('auth'))), 'SessionStart')).toContain(
      '2 commits behind main',
    );
    repo.git(['merge', '-q', 'main'], worktree('auth'));
    expect(context(hook('session-start', sessionStartInput(worktree('auth'))), 'SessionStart')).not.toContain('behind');
  });
});

/**
 * Status and the context hooks keep what they learn of each session tip against its base tip in one file
 * (`.tip-comparisons.json`): what one of them asked git, the other does not ask again, and neither drops what the
 * other keeps. The git calls each made are read from its trace.
 */
describe('status and the hooks share the tip comparisons', () => {
  const COMPARISONS = () => join(repo.sessions, '.tip-comparisons.json');
  const traced = (event: 'session-start' | 'pre-tool-use', input: object) => {
    const result = spawnSync('node', [HOOK, event], {
      cwd: repo.root,
      env: { ...repo.env, FLIGHT_RULES_TRACE: '1' },
      input: JSON.stringify(input),
      encoding: 'utf8',
    });
    return { exitCode: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const asked = (stderr: string, command: string) =>
    stderr.split('\n').filter((line) => line.startsWith('[trace]') && line.includes(` git ${command}`));
  const editApp = () => editInput(worktree('auth'), join(worktree('auth'), 'src/app.js'));
  const statusTrace = () => repo.helper(['status', '--json'], { env: { FLIGHT_RULES_TRACE: '1' } });

  /** Two sessions; api changed src/app.js in a commit. */
  function apiCommitted(): void {
    twoSessions();
    repo.write('src/app.js', 'console.log("api");\n', worktree('api'));
    repo.commitAll('api: app', worktree('api'));
  }

  it('the editing hook warns from the files status listed, without a git diff of its own', () => {
    apiCommitted();
    const status = statusTrace();
    expect(asked(status.stderr, 'diff-tree --stdin')).toHaveLength(1);
    const run = traced('pre-tool-use', editApp());
    expect(context({ ...run, stderr: '' }, 'PreToolUse')).toContain('"api" (in its commits)');
    expect(asked(run.stderr, 'diff --name-only')).toEqual([]);
  });

  it('status lists no files the editing hook already listed, and the session-start hook counts nothing status counted', () => {
    apiCommitted();
    expect(context(hook('pre-tool-use', editApp()), 'PreToolUse')).toContain('"api" (in its commits)');
    const status = statusTrace();
    expect(status.exitCode).toBe(0);
    // auth has no commits of its own, so only api's files were ever to be listed: the hook listed them.
    expect(asked(status.stderr, 'diff --name-only')).toEqual([]);
    expect(asked(status.stderr, 'diff-tree')).toEqual([]);
    expect(status.json.sessions.find((s: any) => s.id === 'api')).toMatchObject({ ahead: 1, behind: 0 });
    const start = traced('session-start', sessionStartInput(worktree('api')));
    expect(context({ ...start, stderr: '' }, 'SessionStart')).toContain('parallel dev session "api"');
    expect(asked(start.stderr, 'rev-list')).toEqual([]);
  });

  it('a hook that learnt one pair keeps the pairs status learnt for the others', () => {
    apiCommitted();
    repo.write('src/lib.js', 'export const auth = 1;\n', worktree('auth'));
    repo.commitAll('auth: lib', worktree('auth'));
    statusTrace();
    // api moves on: the hook learns its new pair, and must not forget auth's.
    repo.write('README.md', 'api again\n', worktree('api'));
    repo.commitAll('api: readme', worktree('api'));
    const before = JSON.parse(readFileSync(COMPARISONS(), 'utf8'));
    expect(Object.keys(before.comparisons)).toHaveLength(2);
    quiet(hook('pre-tool-use', editInput(worktree('auth'), join(worktree('auth'), 'src/other.js'))));
    const after = JSON.parse(readFileSync(COMPARISONS(), 'utf8'));
    expect(Object.keys(after.comparisons)).toEqual(expect.arrayContaining(Object.keys(before.comparisons)));
    expect(Object.keys(after.comparisons)).toHaveLength(3);
    const status = statusTrace();
    expect(asked(status.stderr, 'diff --name-only')).toEqual([]);
    expect(asked(status.stderr, 'rev-list')).toHaveLength(1);
  });

  it.each([
    ['not JSON', '{not json'],
    ['a wrong entry', 'WRONG'],
    ['another project', 'OTHER'],
  ])(
    'a comparisons file holding %s is ignored by the hook, which warns from git and writes its own',
    (_label, kind) => {
      apiCommitted();
      statusTrace();
      const doc = JSON.parse(readFileSync(COMPARISONS(), 'utf8'));
      // Every planted variant says api changed nothing; a hook that believed it would stay quiet.
      for (const key of Object.keys(doc.comparisons)) doc.comparisons[key].files = [];
      const planted =
        kind === 'WRONG'
          ? JSON.stringify({ ...doc, comparisons: { ...doc.comparisons, 'not a pair': { files: [] } } })
          : kind === 'OTHER'
            ? JSON.stringify({ ...doc, project: 'other' })
            : kind;
      writeFileSync(COMPARISONS(), planted);
      const run = traced('pre-tool-use', editApp());
      expect(context({ ...run, stderr: '' }, 'PreToolUse')).toContain('"api" (in its commits)');
      expect(asked(run.stderr, 'diff --name-only')).toHaveLength(1);
      const rewritten = JSON.parse(readFileSync(COMPARISONS(), 'utf8'));
      expect(rewritten.project).toBe('project');
      expect(Object.values(rewritten.comparisons).flatMap((entry: any) => entry.files)).toContain('src/app.js');
    },
  );

  it("a symlink in the comparisons file's place is never followed nor written through", () => {
    apiCommitted();
    const outside = join(repo.root, 'home', 'precious.json');
    writeFileSync(outside, 'precious\n');
    mkdirSync(repo.sessions, { recursive: true });
    symlinkSync(outside, COMPARISONS());
    expect(context(hook('pre-tool-use', editApp()), 'PreToolUse')).toContain('"api" (in its commits)');
    expect(readFileSync(outside, 'utf8')).toBe('precious\n');
    expect(lstatSync(COMPARISONS()).isSymbolicLink()).toBe(true);
  });
});
