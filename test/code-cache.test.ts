import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, ROOT, type Repo } from './helpers/gitdir.js';
import { BUNDLE_NAMES } from '../scripts/lib/bundles.js';
import {
  CODE_CACHE_MAX_AGE_MS,
  codeCacheDir,
  codeCacheName,
  staleCodeCaches,
  type CodeIdentity,
} from '../scripts/core/code-cache.js';

describe('codeCacheDir', () => {
  it.each([
    [{ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' }, '/x/cache/flight-rules/code-cache'],
    [{ XDG_CACHE_HOME: '/x/cache//', HOME: '/home/u' }, '/x/cache/flight-rules/code-cache'],
    [{ XDG_CACHE_HOME: 'relative', HOME: '/home/u' }, '/home/u/.cache/flight-rules/code-cache'],
    [{ HOME: '/home/u/' }, '/home/u/.cache/flight-rules/code-cache'],
    [{ HOME: '' }, null],
    [{ HOME: 'home' }, null],
    [{}, null],
  ])('%j -> %s', (env, expected) => {
    expect(codeCacheDir(env)).toBe(expected);
  });
});

describe('codeCacheName', () => {
  const code: CodeIdentity = {
    codeHash: 'ab'.repeat(32),
    size: 145_000,
    mtimeMs: 1_796_000_000_123.75,
    mode: 'pre-tool-use',
    nodeVersion: 'v20.20.2',
    arch: 'x64',
  };
  it.each([
    [{}, 'abababababababab-145000-1796000000123-pre-tool-use-v20.20.2-x64.bin'],
    [{ mode: undefined }, 'abababababababab-145000-1796000000123-other-v20.20.2-x64.bin'],
    [{ mode: '../../etc' }, 'abababababababab-145000-1796000000123-other-v20.20.2-x64.bin'],
    [{ mode: 'Session-Start' }, 'abababababababab-145000-1796000000123-other-v20.20.2-x64.bin'],
    [
      { nodeVersion: 'v22.1.0/x', arch: 'arm 64' },
      'abababababababab-145000-1796000000123-pre-tool-use-v22.1.0x-arm64.bin',
    ],
  ])('%j -> %s', (change, expected) => {
    expect(codeCacheName({ ...code, ...change })).toBe(expected);
  });

  it('tells apart every change that can give V8 a source it did not compile', () => {
    const names = [
      code,
      { ...code, codeHash: 'cd'.repeat(32) },
      { ...code, size: code.size + 1 },
      { ...code, mtimeMs: code.mtimeMs + 1 },
      { ...code, mode: 'session-start' },
      { ...code, nodeVersion: 'v20.20.3' },
      { ...code, arch: 'arm64' },
    ].map(codeCacheName);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('staleCodeCaches', () => {
  const now = 10 * CODE_CACHE_MAX_AGE_MS;
  it('removes only others untouched for the maximum age', () => {
    expect(
      staleCodeCaches(
        [
          { name: 'mine.bin', mtimeMs: 0 },
          { name: 'old.bin', mtimeMs: now - CODE_CACHE_MAX_AGE_MS - 1 },
          { name: 'recent.bin', mtimeMs: now - CODE_CACHE_MAX_AGE_MS + 1 },
          { name: '.x.bin.123.tmp', mtimeMs: 0 },
        ],
        'mine.bin',
        now,
      ),
    ).toEqual(['old.bin', '.x.bin.123.tmp']);
  });
});

/**
 * The hook command run as Claude Code runs it, from a copy of the built files (so that one can be changed), with
 * FLIGHT_RULES_TRACE set: the command then says on stderr what it did with the cache.
 */
describe('the hook command runs its code from the code cache', () => {
  let repo: Repo;
  afterEach(() => repo?.cleanup());

  function setup() {
    repo = makeRepo();
    repo.helper(['start', 'auth']);
    repo.helper(['start', 'api']);
    repo.write('src/app.js', 'console.log("api");\n', join(repo.sessions, 'api'));
    repo.commitAll('api: app', join(repo.sessions, 'api'));
    const bin = join(repo.root, 'pack');
    mkdirSync(bin);
    for (const file of BUNDLE_NAMES) copyFileSync(join(ROOT, 'dist', file), join(bin, file));
    const auth = join(repo.sessions, 'auth');
    const input = JSON.stringify({
      session_id: 's',
      transcript_path: '/t.jsonl',
      cwd: auth,
      hook_event_name: 'PreToolUse',
      tool_name: 'Edit',
      tool_input: { file_path: join(auth, 'src/app.js'), old_string: 'a', new_string: 'b' },
    });
    const run = (env: NodeJS.ProcessEnv = {}) => {
      const result = spawnSync('node', [join(bin, 'hook.cjs'), 'pre-tool-use'], {
        cwd: auth,
        env: { ...repo.env, FLIGHT_RULES_TRACE: '1', ...env },
        input,
        encoding: 'utf8',
      });
      expect(result.status).toBe(0);
      const context = JSON.parse(result.stdout).hookSpecificOutput.additionalContext as string;
      return { context, trace: result.stderr.split('\n').filter((line) => line.startsWith('hook code cache:')) };
    };
    const cacheDir = join(repo.root, 'home/.cache/flight-rules/code-cache');
    // The helper's runs above left caches of their own there.
    rmSync(cacheDir, { recursive: true, force: true });
    return { bin, run, cacheDir };
  }

  it('writes the cache on the first run, uses it on the next, and answers the same either way', () => {
    const { run, cacheDir } = setup();
    const first = run();
    expect(first.context).toContain('"api" (in its commits)');
    expect(first.trace[0]).toBe('hook code cache: none yet');
    expect(first.trace[1]).toMatch(/^hook code cache: written .*-pre-tool-use-v\d+\.\d+\.\d+-\w+\.bin$/);
    const files = readdirSync(cacheDir);
    expect(files).toHaveLength(1);
    const second = run();
    expect(second.trace).toEqual([`hook code cache: used ${join(cacheDir, files[0]!)}`]);
    expect(second.context).toBe(first.context);
    expect(readdirSync(cacheDir)).toEqual(files);
  });

  it('a cache V8 refuses (corrupt, truncated) is replaced, and the answer is the same', () => {
    const { run, cacheDir } = setup();
    const first = run();
    const [file] = readdirSync(cacheDir);
    for (const bytes of [Buffer.from('not a code cache'), readFileSync(join(cacheDir, file!)).subarray(0, 100)]) {
      writeFileSync(join(cacheDir, file!), bytes);
      const refused = run();
      expect(refused.trace[0]).toBe('hook code cache: refused by V8');
      expect(refused.context).toBe(first.context);
      expect(run().trace[0]).toMatch(/^hook code cache: used /);
    }
  });

  it('a hook code changed in place, even to the same size, is never run from the old cache', () => {
    const { bin, run, cacheDir } = setup();
    expect(run().context).toMatch(/^Warning: /);
    const code = join(bin, 'hook-code.cjs');
    const text = readFileSync(code, 'utf8');
    expect(text).toContain('`Warning: ${');
    writeFileSync(code, text.replaceAll('`Warning: ${', '`WARNING: ${'));
    const changed = run();
    expect(changed.context).toMatch(/^WARNING: /);
    expect(changed.trace[0]).toBe('hook code cache: none yet');
    expect(readdirSync(cacheDir)).toHaveLength(2);
  });

  it('uses $XDG_CACHE_HOME when it is set', () => {
    const { run } = setup();
    const xdg = join(repo.root, 'xdg');
    run({ XDG_CACHE_HOME: xdg });
    expect(readdirSync(join(xdg, 'flight-rules/code-cache'))).toHaveLength(1);
  });

  it('answers with no cache folder to be had (HOME unset, or a file in its place)', () => {
    const { run } = setup();
    const withoutHome = run({ HOME: '' });
    expect(withoutHome.context).toContain('"api" (in its commits)');
    expect(withoutHome.trace).toEqual([]);
    rmSync(join(repo.root, 'home/.cache'), { recursive: true, force: true });
    writeFileSync(join(repo.root, 'home/.cache'), 'a file\n');
    const blocked = run();
    expect(blocked.context).toContain('"api" (in its commits)');
    expect(blocked.trace[0]).toBe('hook code cache: none yet');
    expect(blocked.trace[1]).toMatch(/^hook code cache: not written: /);
  });

  it('removes caches of other hook codes untouched for 30 days when it writes its own', () => {
    const { run, cacheDir } = setup();
    mkdirSync(cacheDir, { recursive: true });
    const old = join(cacheDir, '0000000000000000-1-1-pre-tool-use-v20.0.0-x64.bin');
    const recent = join(cacheDir, '1111111111111111-1-1-pre-tool-use-v20.0.0-x64.bin');
    writeFileSync(old, 'x');
    writeFileSync(recent, 'x');
    const longAgo = (Date.now() - CODE_CACHE_MAX_AGE_MS - 86_400_000) / 1000;
    utimesSync(old, longAgo, longAgo);
    run();
    const left = readdirSync(cacheDir);
    expect(left).toContain('1111111111111111-1-1-pre-tool-use-v20.0.0-x64.bin');
    expect(left).not.toContain('0000000000000000-1-1-pre-tool-use-v20.0.0-x64.bin');
    expect(left).toHaveLength(2);
  });
});

describe('the helper runs its code from the code cache', () => {
  let repo: Repo;
  afterEach(() => repo?.cleanup());

  function setup() {
    repo = makeRepo();
    const bin = join(repo.root, 'pack');
    mkdirSync(bin);
    for (const file of BUNDLE_NAMES) copyFileSync(join(ROOT, 'dist', file), join(bin, file));
    const cacheDir = join(repo.root, 'home/.cache/flight-rules/code-cache');
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const result = spawnSync('node', [join(bin, 'session.mjs'), ...args], {
        cwd: repo.main,
        env: { ...repo.env, FLIGHT_RULES_TRACE: '1', ...env },
        encoding: 'utf8',
      });
      const lines = result.stderr.split('\n');
      return {
        status: result.status,
        stdout: result.stdout,
        trace: lines.filter((line) => line.startsWith('helper code cache:')),
        stderr: lines.filter((line) => !line.startsWith('helper code cache:') && !line.startsWith('[trace]')),
      };
    };
    return { bin, run, cacheDir };
  }

  it('writes a cache for each subcommand on its first run, uses it on the next, and answers the same either way', () => {
    const { run, cacheDir } = setup();
    const first = run(['status', '--json']);
    expect(first.status).toBe(0);
    expect(first.trace[0]).toBe('helper code cache: none yet');
    expect(first.trace[1]).toMatch(/^helper code cache: written .*-status-v\d+\.\d+\.\d+-\w+\.bin$/);
    const second = run(['status', '--json']);
    expect(second.trace).toEqual([expect.stringMatching(/^helper code cache: used .*-status-/)]);
    expect(second.stdout).toBe(first.stdout);
    expect(JSON.parse(second.stdout).ok).toBe(true);
    expect(run(['start', 'auth', '--no-setup']).trace[0]).toBe('helper code cache: none yet');
    expect(
      readdirSync(cacheDir)
        .map((name) => name.split('-')[3])
        .sort(),
    ).toEqual(['start', 'status']);
  });

  it('keeps the exit code and the output of a refusal and of a usage error, cached or not', () => {
    const { run } = setup();
    for (const args of [
      ['end', 'nobody', '--strategy', 'keep'],
      ['status', '--no-such-flag'],
    ]) {
      const first = run(args);
      const second = run(args);
      expect(first.status).toBe(args[1] === 'nobody' ? 1 : 2);
      expect([second.status, second.stdout, second.stderr]).toEqual([first.status, first.stdout, first.stderr]);
      expect(second.trace[0]).toMatch(/^helper code cache: used /);
    }
  });

  it('a cache V8 refuses, or a code changed in place, runs the code as it is', () => {
    const { bin, run, cacheDir } = setup();
    const first = run(['status']);
    const [file] = readdirSync(cacheDir);
    writeFileSync(join(cacheDir, file!), 'not a code cache');
    const refused = run(['status']);
    expect(refused.trace[0]).toBe('helper code cache: refused by V8');
    expect(refused.stdout).toBe(first.stdout);
    const code = join(bin, 'session-code.cjs');
    const text = readFileSync(code, 'utf8');
    expect(text).toContain('No parallel sessions');
    writeFileSync(code, text.replaceAll('No parallel sessions', 'NO parallel sessions'));
    const changed = run(['status']);
    expect(changed.trace[0]).toBe('helper code cache: none yet');
    expect(changed.stdout).toBe(first.stdout.replace('No parallel sessions', 'NO parallel sessions'));
  });

  it('runs with no cache folder to be had', () => {
    const { run } = setup();
    const result = run(['status'], { HOME: '' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('No parallel sessions');
    expect(result.trace).toEqual([]);
  });
});
