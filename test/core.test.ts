import { describe, expect, it } from 'vitest';
import { sessionNameProblem, suggestSessionName } from '../scripts/core/names.js';
import { parseWorktreeList, unfinishedAddOn } from '../scripts/core/worktree-list.js';
import { parseStatus, sessionWork } from '../scripts/core/status-porcelain.js';
import { sessionLogPath, renderSessionLogStub } from '../scripts/core/session-log.js';
import {
  parseIfDirty,
  planDirty,
  startOfStash,
  startRefusal,
  startStashMessage,
  type StartFacts,
} from '../scripts/core/start-rules.js';
import { isWithin, toStoredPath, fromStoredPath, defaultSessionsDir } from '../scripts/core/paths.js';
import { isNormalAbsolute, resolveFrom } from '../scripts/lib/below.js';
import { resolve as pathResolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { limiter } from '../scripts/lib/limit.js';

describe('session names', () => {
  it.each([
    ['auth-refactor', null],
    ['a', null],
    ['fix-123', null],
    ['x'.repeat(64), null],
  ])('accepts %s', (name, expected) => expect(sessionNameProblem(name)).toBe(expected));

  it.each([
    '',
    'Auth',
    'auth_refactor',
    '-leading',
    'trailing-',
    'double--hyphen',
    '../escape',
    'a/b',
    '.hidden',
    'HEAD',
    '@',
    'x.lock',
    'café',
    'a b',
    '$(touch pwned)',
    '`id`',
    'a;b',
    'a|b',
    'a&&b',
    "it's",
    'line\nbreak',
    'x'.repeat(65),
    'ü'.repeat(200),
  ])('rejects %j', (name) => expect(sessionNameProblem(name)).not.toBeNull());

  it.each([
    ['Auth Refactor!', 'auth-refactor'],
    ['../../etc', 'etc'],
    ['Café au lait', 'cafe-au-lait'],
  ])('suggests a slug for %j', (text, slug) => expect(suggestSessionName(text)).toBe(slug));
});

describe('parseWorktreeList', () => {
  it('parses main, linked, detached, locked and prunable records', () => {
    const output = [
      'worktree /r/main',
      'HEAD aaaa',
      'branch refs/heads/main',
      '',
      'worktree /r/s/one',
      'HEAD bbbb',
      'branch refs/heads/session/one',
      'locked',
      '',
      'worktree /r/s/two',
      'HEAD cccc',
      'detached',
      'prunable gitdir file points to non-existent location',
      '',
      'worktree /r/s/three has space',
      'HEAD dddd',
      'branch refs/heads/x',
      'locked busy here',
      '',
      '',
    ].join('\0');
    const records = parseWorktreeList(output);
    expect(records.map((r) => [r.path, r.branch, r.detached, r.locked, r.lockedReason, r.prunable])).toEqual([
      ['/r/main', 'refs/heads/main', false, false, null, false],
      ['/r/s/one', 'refs/heads/session/one', false, true, null, false],
      ['/r/s/two', null, true, false, null, true],
      ['/r/s/three has space', 'refs/heads/x', false, true, 'busy here', false],
    ]);
  });

  it('parses a bare main repository', () => {
    expect(parseWorktreeList('worktree /r/bare.git\0bare\0\0')[0]).toMatchObject({ bare: true, branch: null });
  });
});

describe('unfinishedAddOn: the marks of a git worktree add that has not finished', () => {
  const zero = '0'.repeat(40);
  const record = (fields: string[]) => parseWorktreeList(['worktree /r/s/x', ...fields, '', ''].join('\0'))[0]!;
  it.each([
    ['locked initializing, HEAD still the null id', [`HEAD ${zero}`, 'detached', 'locked initializing'], true],
    [
      'locked initializing, HEAD on the branch',
      [`HEAD ${'a'.repeat(40)}`, 'branch refs/heads/s/x', 'locked initializing'],
      true,
    ],
    [
      'locked initializing, HEAD on another branch',
      [`HEAD ${'a'.repeat(40)}`, 'branch refs/heads/other', 'locked initializing'],
      false,
    ],
    ['locked initializing, detached at a commit', [`HEAD ${'a'.repeat(40)}`, 'detached', 'locked initializing'], false],
    ['locked for another reason', [`HEAD ${zero}`, 'detached', 'locked on a stick'], false],
    ['locked without a reason', [`HEAD ${zero}`, 'detached', 'locked'], false],
    ['not locked', [`HEAD ${'a'.repeat(40)}`, 'branch refs/heads/s/x'], false],
  ])('%s', (_name, fields, expected) => {
    expect(unfinishedAddOn(record(fields), 's/x')).toBe(expected);
  });
});

describe('parseStatus', () => {
  it('reads modified, staged, untracked and renamed entries', () => {
    const entries = parseStatus([' M src/a.js', 'A  new.js', '?? notes.txt', 'R  to.js', 'from.js', ''].join('\0'));
    expect(entries).toEqual([
      { code: ' M', path: 'src/a.js' },
      { code: 'A ', path: 'new.js' },
      { code: '??', path: 'notes.txt' },
      { code: 'R ', path: 'to.js', from: 'from.js' },
    ]);
  });
  it('returns nothing for a clean tree', () => expect(parseStatus('')).toEqual([]));
});

describe('session log', () => {
  const date = new Date(2026, 0, 15, 9, 5);
  it('names the log with time and session', () => {
    expect(sessionLogPath(date, 'auth', () => false)).toBe('docs/session_logs/20260115_0905_auth_session.md');
  });
  it('adds a suffix when a log of that name exists', () => {
    const taken = new Set([
      'docs/session_logs/20260115_0905_auth_session.md',
      'docs/session_logs/20260115_0905_auth_2_session.md',
    ]);
    expect(sessionLogPath(date, 'auth', (p) => taken.has(p))).toBe('docs/session_logs/20260115_0905_auth_3_session.md');
  });
  it('carries the worktree header and keeps each goal on one line', () => {
    const text = renderSessionLogStub({
      name: 'a',
      goals: ['one\n## Injected'],
      worktree: '../p-sessions/a',
      branch: 'session/a',
      baseBranch: 'main',
      baseCommit: 'f'.repeat(40),
      startedAt: date,
    });
    expect(text).toContain('**Worktree:** ../p-sessions/a');
    expect(text).toContain('- one ## Injected');
    expect(text).not.toMatch(/^## Injected/m);
  });
});

describe('start rules', () => {
  const base: StartFacts = {
    name: 'a',
    branch: 'session/a',
    worktreePath: '/s/a',
    mainCheckout: '/m',
    hasCommits: true,
    insideSession: null,
    nameInManifest: false,
    worktreePathExists: false,
    branchExists: false,
  };
  it.each([
    [{}, null],
    [{ insideSession: 'other' }, 'inside-session'],
    [{ hasCommits: false }, 'no-commits'],
    [{ nameInManifest: true }, 'session-exists'],
    [{ worktreePathExists: true }, 'worktree-path-exists'],
    [{ branchExists: true }, 'branch-exists'],
  ] as const)('%j refuses with %s', (change, code) => {
    expect(startRefusal({ ...base, ...change })?.code ?? null).toBe(code);
  });

  it('treats only tracked changes as dirty', () => {
    const status = [
      { code: '??', path: 'u.txt' },
      { code: ' M', path: 'a.js' },
    ];
    expect(planDirty('abort', status)).toEqual({ action: 'abort', tracked: [' M a.js'], untracked: ['u.txt'] });
    expect(planDirty('abort', [{ code: '??', path: 'u.txt' }]).action).toBe('none');
  });

  it('validates --if-dirty', () => {
    expect(parseIfDirty(undefined, undefined)).toBe('abort');
    expect(() => parseIfDirty('yolo', undefined)).toThrow(/--if-dirty must be one of/);
    expect(() => parseIfDirty('commit', undefined)).toThrow(/--commit-message/);
    expect(parseIfDirty('commit', 'wip')).toBe('commit');
  });
});

describe("startOfStash: the session a start's stash was made for", () => {
  it.each([
    [`On main: ${startStashMessage('cut')}`, 'cut'],
    [`On (no branch): ${startStashMessage('api-2')}`, 'api-2'],
    ['On main: flight-rules: before session', null],
    ['On main: my own stash', null],
    ['WIP on main: 1234567 a commit', null],
  ])('%s -> %s', (subject, expected) => {
    expect(startOfStash(subject)).toBe(expected);
  });
});

describe('paths', () => {
  it('puts sessions beside the main checkout', () => expect(defaultSessionsDir('/w/app')).toBe('/w/app-sessions'));
  it('stores worktrees relative to the main checkout', () => {
    expect(toStoredPath('/w/app', '/w/app-sessions/a')).toBe('../app-sessions/a');
    expect(fromStoredPath('/w/app', '../app-sessions/a')).toBe('/w/app-sessions/a');
  });
  it.each([
    ['/a', '/a', true],
    ['/a', '/a/b', true],
    ['/a', '/ab', false],
    ['/a/b', '/a', false],
  ])('isWithin(%s, %s) is %s', (outer, inner, expected) => expect(isWithin(outer, inner)).toBe(expected));
});

/** What the hooks resolve by parts must be exactly what path.resolve gives. */
describe('resolveFrom and isNormalAbsolute: path.resolve by parts', () => {
  const bases = ['/', '/w/app', '/w/app/', '/w//app/./x/..', '/w/app-sessions'];
  const paths = [
    '',
    '.',
    '..',
    '../..',
    '../../../../..',
    '../app-sessions/a',
    './a/./b/',
    'a//b',
    'a/../../b',
    '.hidden/..name/...',
    '/abs/olute',
    '/abs/../x/',
    '//double',
    '/',
    'ünïcode/名前',
  ];
  for (const base of bases)
    for (const path of paths)
      it(`resolveFrom(${JSON.stringify(base)}, ${JSON.stringify(path)})`, () =>
        expect(resolveFrom(base, path)).toBe(pathResolve(base, path)));
  it('falls back to path.resolve when neither is absolute', () =>
    expect(resolveFrom('w', 'a')).toBe(pathResolve('w', 'a')));
  it.each([
    ['/', true],
    ['/w/app', true],
    ['/w/.app/..x/...', true],
    ['/w/app/', false],
    ['/w//app', false],
    ['/w/./app', false],
    ['/w/../app', false],
    ['/w/app/.', false],
    ['/w/app/..', false],
    ['w/app', false],
    ['', false],
  ])('isNormalAbsolute(%s) is %s', (path, expected) => {
    expect(isNormalAbsolute(path)).toBe(expected);
    if (expected) expect(pathResolve(path)).toBe(path);
    else if (path.startsWith('/')) expect(pathResolve(path)).not.toBe(path);
  });
  it('fromStoredPath normalises an absolute stored path as path.resolve would', () =>
    expect(fromStoredPath('/w/app', '/w/app-sessions/./a/')).toBe('/w/app-sessions/a'));
});

describe('pack files are not session work', () => {
  const entries = [
    { code: '??', path: '.env.session' },
    { code: '??', path: '.claude/commands/dev-session.end.md' },
    { code: '??', path: 'notes.md' },
    { code: ' M', path: '.env.session' },
  ];
  it('drops untracked pack files and folders, keeps everything else', () => {
    expect(sessionWork(entries, ['.env.session', '.claude/commands/']).map((e) => `${e.code} ${e.path}`)).toEqual([
      '?? notes.md',
      ' M .env.session',
    ]);
  });
  it('keeps everything without pack files', () => expect(sessionWork(entries)).toHaveLength(4));
});

describe('limiter', () => {
  const peakOf = async (limit: ReturnType<typeof limiter>, tasks: number) => {
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
    };
    await Promise.all(Array.from({ length: tasks }, () => limit(task)));
    return peak;
  };

  it('runs one more task at once than the machine has cores, by default, and never more', async () => {
    expect(await peakOf(limiter(), availableParallelism() + 5)).toBe(availableParallelism() + 1);
  });

  it('runs as many at once as it is given, and at least one', async () => {
    expect(await peakOf(limiter(2), 6)).toBe(2);
    expect(await peakOf(limiter(0), 3)).toBe(1);
  });
});
