import { afterEach, describe, expect, it } from 'vitest';
import { npmCloneVerdict } from '../scripts/core/dependency-clone.js';
import { mkdtempSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocatePortBlock, describePortBlock, preferredBlockIndex } from '../scripts/workspace/ports.js';
import { databaseName, parseEnvSessionPort, renderEnvSession } from '../scripts/core/env-session.js';
import {
  literalPathProblem,
  outsideSessionsDir,
  parseCopyChoice,
  patternLines,
  patternProblem,
} from '../scripts/workspace/include-matching.js';
import { copyVerdict, type CopyFacts } from '../scripts/workspace/copy-plan.js';
import { detectDependencies, planSetup, type DependencyFacts } from '../scripts/workspace/dependencies.js';
import { withExcludeLines } from '../scripts/git/exclude.js';
import { unquoteGitPath } from '../scripts/core/quoted-path.js';
import { ROOT } from './helpers/gitdir.js';

const SETTINGS = { base: 3100, blockSize: 10, blocks: 100 };

describe('port blocks', () => {
  it('first choice is a stable hash of the name', () => {
    const first = allocatePortBlock([], 'auth', SETTINGS)!;
    expect(first).toEqual({ base: 3100 + preferredBlockIndex('auth', 100) * 10, count: 10 });
    expect(allocatePortBlock([], 'auth', SETTINGS)).toEqual(first);
  });

  it('takes the next free block when the preferred one is held, wrapping round', () => {
    const preferred = preferredBlockIndex('x', 3);
    const settings = { base: 5000, blockSize: 5, blocks: 3 };
    const held = [{ base: 5000 + preferred * 5, count: 5 }];
    expect(allocatePortBlock(held, 'x', settings)).toEqual({ base: 5000 + ((preferred + 1) % 3) * 5, count: 5 });
  });

  it('never overlaps a held block, even one of another size (config changed)', () => {
    const settings = { base: 4000, blockSize: 10, blocks: 4 };
    const held = [
      { base: 4005, count: 10 },
      { base: 4025, count: 3 },
    ];
    const block = allocatePortBlock(held, 'y', settings)!;
    expect(block.base).toBe(4030);
  });

  it('returns null when every block is held', () => {
    const settings = { base: 4000, blockSize: 2, blocks: 3 };
    const held = [0, 1, 2].map((k) => ({ base: 4000 + k * 2, count: 2 }));
    expect(allocatePortBlock(held, 'z', settings)).toBeNull();
  });

  it('hands out every block exactly once', () => {
    const settings = { base: 4000, blockSize: 5, blocks: 8 };
    const held: Array<{ base: number; count: number }> = [];
    for (let i = 0; i < 8; i++) held.push(allocatePortBlock(held, `s${i}`, settings)!);
    expect(held.map((b) => b.base).sort()).toEqual([4000, 4005, 4010, 4015, 4020, 4025, 4030, 4035]);
  });

  it.each([
    [{ base: 3100, count: 10 }, '3100-3109'],
    [{ base: 8080, count: 1 }, '8080'],
  ])('describes %j as %s', (block, text) => expect(describePortBlock(block)).toBe(text));
});

describe('.env.session', () => {
  it.each([
    ['my-app', 'auth-refactor', 'my_app_auth_refactor_dev'],
    ['My.App (2)', 'x', 'my_app_2_x_dev'],
    ['2fa', 'a', 'db_2fa_a_dev'],
    ['___', 'a', 'project_a_dev'],
    ['p'.repeat(80), 'a', 'p'.repeat(63)],
  ])('database name for %s / %s is %s', (project, session, name) => expect(databaseName(project, session)).toBe(name));

  it('holds the session id, the port block and the database name', () => {
    expect(renderEnvSession({ project: 'shop', session: 'cart', port: { base: 3120, count: 10 } })).toContain(
      'SESSION_ID=cart\nPORT=3120\nPORT_RANGE_START=3120\nPORT_RANGE_END=3129\nDATABASE_NAME=shop_cart_dev\n',
    );
    expect(renderEnvSession({ project: 'shop', session: 'cart', port: null })).not.toContain('PORT');
  });
});

describe('copy choices and patterns', () => {
  it.each([
    [undefined, { mode: 'auto' }],
    ['auto', { mode: 'auto' }],
    ['none', { mode: 'none' }],
    ['.env, config/local.json,', { mode: 'list', paths: ['.env', 'config/local.json'] }],
  ])('--copy %j', (value, choice) => expect(parseCopyChoice(value)).toEqual(choice));

  it('--copy with no paths is a usage error', () => expect(() => parseCopyChoice(' , ')).toThrow(/comma-separated/));

  it.each([
    ['.env', null],
    ['/.env', null],
    ['!.env.example', null],
    ['config/**/*.local.json', null],
    ['../shared/.env', 'climbs out'],
    ['a/../../x', 'climbs out'],
    ['!../x', 'climbs out'],
    ['~/.aws/credentials', 'home folder'],
    ['/work/project/.env', 'absolute path'],
    ['C:\\secrets', 'absolute path'],
  ])('pattern %j', (pattern, problem) => {
    const found = patternProblem(pattern, '/work/project');
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });

  it.each([
    ['.env', null],
    ['config/local.json', null],
    ['/etc/passwd', 'absolute'],
    ['~/x', 'absolute'],
    ['../x', 'climbs out'],
    ['a/../../x', 'climbs out'],
    ['.git/config', 'inside .git'],
  ])('--copy path %j', (path, problem) => {
    const found = literalPathProblem(path);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });

  it('reads pattern lines like git: comments and blanks dropped, trailing spaces trimmed', () => {
    expect(patternLines('# comment\n.env  \n\n!keep\r\nsecrets/\n\\#hash\n')).toEqual([
      '.env',
      '!keep',
      'secrets/',
      '\\#hash',
    ]);
  });

  it('drops paths inside the sessions folder', () => {
    expect(outsideSessionsDir(['.env', '.sessions/x.log', '.sessions', '.sessionsx'], '.sessions')).toEqual([
      '.env',
      '.sessionsx',
    ]);
    expect(outsideSessionsDir(['.env'], null)).toEqual(['.env']);
  });
});

describe('copy safety rules', () => {
  const ok: CopyFacts = {
    path: '.env',
    source: 'file',
    destination: 'free',
    ignoredInMain: true,
    ignoredInWorktree: true,
  };
  const envRules = { requireIgnoredInMain: true, requireIgnoredInWorktree: true };
  const packRules = { requireIgnoredInMain: false, requireIgnoredInWorktree: false };
  it.each([
    [{}, envRules, null],
    [{ source: 'symlink' }, envRules, 'symlink'],
    [{ source: 'beyond-symlink' }, envRules, 'beyond-symlink'],
    [{ source: 'other' }, envRules, 'not-a-file'],
    [{ source: 'missing' }, envRules, 'missing'],
    [{ ignoredInMain: false }, envRules, 'not-ignored'],
    [{ destination: 'exists' }, envRules, 'exists'],
    [{ destination: 'through-symlink' }, envRules, 'destination-symlink'],
    [{ destination: 'blocked' }, envRules, 'destination-blocked'],
    [{ destination: 'outside' }, envRules, 'outside-worktree'],
    [{ ignoredInWorktree: false }, envRules, 'not-ignored-in-worktree'],
    [{ ignoredInMain: false, ignoredInWorktree: false }, packRules, null],
    [{ source: 'symlink' }, packRules, 'symlink'],
    [{ destination: 'exists' }, packRules, 'exists'],
  ] as const)('%j with %j skips for %s', (change, rules, reason) => {
    expect(copyVerdict({ ...ok, ...change } as CopyFacts, rules)?.reason ?? null).toBe(reason);
  });
});

describe('dependency setup plans', () => {
  const none: DependencyFacts = { jsAgent: null, uvLock: false, poetryLock: false, requirements: [] };
  const plan = (facts: Partial<DependencyFacts>, postCreate?: string) =>
    planSetup({ ...none, ...facts }, { worktree: '/w', ...(postCreate ? { postCreate } : {}) });
  it.each([
    [{ jsAgent: 'npm' }, ['npm ci --prefer-offline --no-audit --no-fund']],
    [{ jsAgent: 'pnpm' }, ['pnpm install --frozen-lockfile --prefer-offline']],
    [{ jsAgent: 'yarn' }, ['yarn install --frozen-lockfile --prefer-offline --non-interactive']],
    [{ jsAgent: 'yarn@berry' }, ['yarn install --immutable']],
    [{ jsAgent: 'bun' }, ['bun install --frozen-lockfile']],
    [{ uvLock: true }, ['uv sync --frozen']],
    [{ poetryLock: true }, ['poetry install --no-interaction']],
    [
      { requirements: ['requirements-dev.txt', 'requirements.txt'] },
      [
        'python3 -m venv .venv',
        '.venv/bin/python -m pip install --disable-pip-version-check -r requirements-dev.txt -r requirements.txt',
      ],
    ],
    [{ jsAgent: 'pnpm', uvLock: true }, ['pnpm install --frozen-lockfile --prefer-offline', 'uv sync --frozen']],
  ])('%j runs %j', (facts, labels) => expect(plan(facts).steps.map((s) => s.label)).toEqual(labels));

  it("a pip setup makes a per-worktree .venv, recorded as the pack's", () => {
    const pip = plan({ requirements: ['requirements.txt'] });
    expect(pip.packFiles).toEqual(['.venv/']);
    expect(pip.steps[1]).toMatchObject({ program: '/w/.venv/bin/python' });
  });

  it("clones the main checkout's npm tree when it may, installing if the clone fails; hard links only when asked; never when off", () => {
    const npmClone = { clone: true as const, from: '/m/node_modules' };
    const install = {
      program: 'npm',
      args: ['ci', '--prefer-offline', '--no-audit', '--no-fund'],
      label: 'npm ci --prefer-offline --no-audit --no-fund',
      jsInstall: true,
    };
    expect(plan({ jsAgent: 'npm', npmClone }).steps).toEqual([
      {
        kind: 'clone',
        from: '/m/node_modules',
        to: 'node_modules',
        link: false,
        label: 'clone node_modules from the main checkout (its lockfile is the same)',
        fallback: install,
      },
    ]);
    expect(
      planSetup({ ...none, jsAgent: 'npm', npmClone }, { worktree: '/w', clone: 'hardlink' }).steps[0],
    ).toMatchObject({ kind: 'clone', link: true });
    expect(planSetup({ ...none, jsAgent: 'npm', npmClone }, { worktree: '/w', clone: 'off' })).toMatchObject({
      steps: [install],
      noClone: 'dependencyClone is off in the project config',
    });
    expect(
      plan({ jsAgent: 'npm', npmClone: { clone: false, why: 'the lockfiles differ', from: '/m/node_modules' } }),
    ).toMatchObject({ steps: [install], noClone: 'the lockfiles differ' });
  });

  it('postCreate replaces the detected install and runs through sh -c', () => {
    expect(plan({ jsAgent: 'npm' }, 'make setup && echo "done"').steps).toEqual([
      { program: 'sh', args: ['-c', 'make setup && echo "done"'], label: 'make setup && echo "done"' },
    ]);
  });

  it('says why nothing runs', () => {
    expect(plan({})).toMatchObject({ steps: [], reason: 'no lockfile or requirements file to install from' });
    expect(plan({ jsAgent: 'deno' }).reason).toContain('no known install for deno');
  });

  let folder: string;
  afterEach(() => folder && rmSync(folder, { recursive: true, force: true }));
  it.each([
    ['npm-project', 'npm'],
    ['pnpm-project', 'pnpm'],
  ])('detects the fixture %s as %s', async (fixture, agent) => {
    folder = mkdtempSync(join(tmpdir(), 'fr-detect-'));
    cpSync(join(ROOT, 'test/fixtures', fixture), folder, { recursive: true });
    expect((await detectDependencies(folder)).jsAgent).toBe(agent);
  });

  it.each([
    [{ 'yarn.lock': '# yarn lockfile v1\n' }, 'yarn'],
    [{ 'yarn.lock': '__metadata:\n  version: 8\n' }, 'yarn@berry'],
    [{ 'bun.lock': '{}' }, 'bun'],
    [{ 'package.json': '{}' }, null],
  ])('detects %j as %s, never from a parent folder', async (files, agent) => {
    folder = mkdtempSync(join(tmpdir(), 'fr-detect-'));
    const inner = join(folder, 'inner');
    writeFileSync(join(folder, 'package-lock.json'), '{}');
    cpSync(join(ROOT, 'test/fixtures/npm-project/package.json'), join(folder, 'package.json'));
    rmSync(inner, { recursive: true, force: true });
    (await import('node:fs')).mkdirSync(inner);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(inner, name), text);
    expect((await detectDependencies(inner)).jsAgent).toBe(agent);
  });
});

describe('small git text helpers', () => {
  it('adds exclude lines once', () => {
    expect(withExcludeLines('', ['/.env.session'])).toBe('# added by flight-rules parallel sessions\n/.env.session\n');
    expect(withExcludeLines('*.o', ['/.env.session'])).toBe(
      '*.o\n# added by flight-rules parallel sessions\n/.env.session\n',
    );
    expect(withExcludeLines('a\n/.env.session\n', ['/.env.session'])).toBeNull();
  });

  it.each([
    ['plain.txt', 'plain.txt'],
    ['"tab\\there"', 'tab\there'],
    ['"quote\\"and\\\\slash"', 'quote"and\\slash'],
    ['"caf\\303\\251"', 'café'],
    ['"new\\nline"', 'new\nline'],
  ])('unquotes %s', (text, path) => expect(unquoteGitPath(text)).toBe(path));
});

describe('reading .env.session back', () => {
  it.each([
    ['SESSION_ID=a\nPORT=3100\nPORT_RANGE_START=3100\nPORT_RANGE_END=3109\n', { base: 3100, count: 10 }],
    ['SESSION_ID=a\nDATABASE_NAME=x\n', null],
    ['PORT_RANGE_START=3109\nPORT_RANGE_END=3100\n', null],
  ])('%j', (text, expected) => expect(parseEnvSessionPort(text)).toEqual(expected));
});

describe("npmCloneVerdict: the main checkout's tree is cloned only when nothing would differ", () => {
  const lock = (packages: Record<string, object>) =>
    JSON.stringify({ name: 'p', lockfileVersion: 3, packages: { '': { name: 'p' }, ...packages } });
  const a = { version: '1.0.0', resolved: 'https://r/a-1.0.0.tgz', integrity: 'sha512-a' };
  const b = { version: '2.0.0', resolved: 'https://r/b-2.0.0.tgz', integrity: 'sha512-b' };
  const wanted = lock({ 'node_modules/a': a, 'node_modules/b': b });
  const installed = JSON.stringify({
    name: 'p',
    lockfileVersion: 3,
    packages: { 'node_modules/a': a, 'node_modules/b': b },
  });
  const ok = { mainLock: wanted, worktreeLock: wanted, installedRecord: installed, worktreeHasTree: false };
  it.each([
    ['everything matches', {}, null],
    ['the worktree already has a tree', { worktreeHasTree: true }, 'already has a node_modules'],
    ['no lockfile in the worktree', { worktreeLock: null }, 'no package-lock.json'],
    ['the lockfiles differ by a byte', { worktreeLock: `${wanted}\n` }, 'differs'],
    ['nothing installed in main', { installedRecord: null }, 'nothing is installed'],
    ["main's tree is a link", { mainTreeIsLink: true }, 'symbolic link'],
    [
      'a package installed at another version',
      {
        installedRecord: JSON.stringify({
          lockfileVersion: 3,
          packages: { 'node_modules/a': { ...a, version: '1.0.1' }, 'node_modules/b': b },
        }),
      },
      '1 package(s) differ, such as node_modules/a',
    ],
    [
      "a package missing from main's tree",
      { installedRecord: JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/a': a } }) },
      'such as node_modules/b',
    ],
    [
      "an extra package in main's tree",
      {
        installedRecord: JSON.stringify({
          lockfileVersion: 3,
          packages: { 'node_modules/a': a, 'node_modules/b': b, 'node_modules/c': a },
        }),
      },
      'such as node_modules/c',
    ],
    [
      'an old lockfile',
      { mainLock: JSON.stringify({ lockfileVersion: 1 }), worktreeLock: JSON.stringify({ lockfileVersion: 1 }) },
      'lockfileVersion 1',
    ],
  ] as const)('%s', (_label, change, why) => {
    const verdict = npmCloneVerdict({ ...ok, ...change });
    if (why === null) expect(verdict).toEqual({ clone: true });
    else expect(verdict.clone === false && verdict.why).toContain(why);
  });

  it("an optional package for another platform, absent from main's tree, does not stop the clone", () => {
    const withOptional = lock({
      'node_modules/a': a,
      'node_modules/b': b,
      'node_modules/fsevents': { ...a, optional: true },
    });
    expect(npmCloneVerdict({ ...ok, mainLock: withOptional, worktreeLock: withOptional })).toEqual({ clone: true });
  });
});
