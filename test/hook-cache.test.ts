/** The hooks' cache file (store/hook-cache.ts): what it keeps, what it refuses, and where it never writes. */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOOK_CACHE_FILE, HOOK_LAYOUTS_FILE, readHookCache } from '../scripts/store/hook-cache.js';

let folder: string;
afterEach(() => rmSync(folder, { recursive: true, force: true }));
const fresh = () => (folder = realpathSync(mkdtempSync(join(tmpdir(), 'fr-cache-'))));

describe('the hook cache', () => {
  it('keeps what a run learnt, and only writes when it learnt something', () => {
    fresh();
    const first = readHookCache(folder);
    first.saveQuietly(10);
    expect(() => readFileSync(join(folder, HOOK_CACHE_FILE))).toThrow();
    first.set('staged', 'a b', ['x.js']);
    first.set('trees', 'a', 't');
    first.saveQuietly(10);
    const second = readHookCache(folder);
    expect(second.get('staged', 'a b')).toEqual(['x.js']);
    expect(second.get('trees', 'a')).toBe('t');
    expect(second.get('trees', 'b')).toBeUndefined();
  });

  it('drops entries of the wrong shape, and files it did not write', () => {
    fresh();
    const path = join(folder, HOOK_CACHE_FILE);
    writeFileSync(
      path,
      JSON.stringify({
        format: 4,
        staged: { ok: ['a'], bad: 'a', worse: [1] },
        trees: { number: 1, list: ['t'] },
        layouts: { l: { version: 2 } },
      }),
    );
    const cache = readHookCache(folder);
    expect(cache.get('staged', 'ok')).toEqual(['a']);
    expect(cache.get('staged', 'bad')).toBeUndefined();
    expect(cache.get('staged', 'worse')).toBeUndefined();
    expect(cache.get('trees', 'number')).toBeUndefined();
    expect(cache.get('trees', 'list')).toBeUndefined();
    expect(cache.get('layouts', 'l')).toBeUndefined();
    for (const text of [JSON.stringify({ format: 2, staged: { ok: ['a'] } }), '{', 'null', '[]']) {
      writeFileSync(path, text);
      expect(readHookCache(folder).get('staged', 'ok')).toBeUndefined();
    }
  });

  it('keeps the entries this run used, then the newest, up to the limit of each kind', () => {
    fresh();
    const cache = readHookCache(folder);
    for (let i = 0; i < 10; i++) cache.set('trees', `c${i}`, `t${i}`);
    cache.saveQuietly(4);
    const next = readHookCache(folder);
    expect(next.get('trees', 'c0')).toBeUndefined();
    expect(next.get('trees', 'c6')).toBe('t6');
    next.set('trees', 'new', 'n');
    next.saveQuietly(2);
    const last = readHookCache(folder);
    expect(last.get('trees', 'c6')).toBe('t6');
    expect(last.get('trees', 'new')).toBe('n');
    expect(last.get('trees', 'c9')).toBeUndefined();
  });

  it('keeps index layouts in a file of their own, read only when a layout is asked for', () => {
    fresh();
    const layout = (checksum: string) => ({
      version: 2 as const,
      hashBytes: 20 as const,
      count: 0,
      entriesEnd: 12,
      checksum,
      offsets: [],
      paths: [],
      previous: [],
      submodules: [],
      attributes: [],
      unsupported: [],
      marked: 0,
      cacheTree: null,
    });
    const first = readHookCache(folder);
    first.set('layouts', 'index-1', layout('one'));
    first.set('trees', 'a', 't');
    first.saveQuietly(10);
    expect(Object.keys(JSON.parse(readFileSync(join(folder, HOOK_CACHE_FILE), 'utf8')))).toEqual([
      'format',
      'trees',
      'staged',
      'manifest',
      'answers',
    ]);
    const second = readHookCache(folder);
    expect(second.get('trees', 'a')).toBe('t');
    // Rewritten after the first file was read: what the second run finds is the file as it is when a layout is asked for.
    writeFileSync(
      join(folder, HOOK_LAYOUTS_FILE),
      JSON.stringify({ format: 4, layouts: { 'index-1': layout('two') } }),
    );
    expect(second.get('layouts', 'index-1')).toEqual(layout('two'));
    // A run that learnt only an answer leaves the layouts file as it was.
    const before = readFileSync(join(folder, HOOK_LAYOUTS_FILE), 'utf8');
    second.set('trees', 'b', 'u');
    second.saveQuietly(10);
    expect(readFileSync(join(folder, HOOK_LAYOUTS_FILE), 'utf8')).toBe(before);
    expect(readHookCache(folder).get('trees', 'b')).toBe('u');
  });

  it('never writes through or over a symlink', () => {
    fresh();
    const outside = join(folder, 'outside.json');
    writeFileSync(outside, 'precious\n');
    symlinkSync(outside, join(folder, HOOK_CACHE_FILE));
    const cache = readHookCache(folder);
    cache.set('trees', 'a', 't');
    expect(() => cache.save(10)).toThrow();
    cache.saveQuietly(10);
    expect(readFileSync(outside, 'utf8')).toBe('precious\n');
  });
});

describe('the hook cache: kept answers', () => {
  const answer = {
    gitFile: 'file:1:2:3:4:5',
    gitDir: '/repo/.git/worktrees/api',
    index: 'file:1:3:3:4:5',
    head: 'file:1:4:3:4:5',
    headBranch: 'refs/heads/session/api',
    headCommit: 'c'.repeat(40),
    disk: 'missing',
    changed: false,
  };

  it('keeps an answer whole, and drops one of the wrong shape', () => {
    fresh();
    writeFileSync(
      join(folder, HOOK_CACHE_FILE),
      JSON.stringify({
        format: 4,
        answers: {
          ok: answer,
          noHeadCommit: { ...answer, headCommit: null },
          changedAsText: { ...answer, changed: 'no' },
          noDisk: { ...answer, disk: undefined },
          aList: [answer],
        },
      }),
    );
    const cache = readHookCache(folder);
    expect(cache.get('answers', 'ok')).toEqual(answer);
    for (const key of ['noHeadCommit', 'changedAsText', 'noDisk', 'aList'])
      expect(cache.get('answers', key)).toBeUndefined();
  });

  it('keeps twice as many answers as other entries', () => {
    fresh();
    const cache = readHookCache(folder);
    for (let i = 0; i < 10; i++) cache.set('answers', `a${i}`, answer);
    for (let i = 0; i < 10; i++) cache.set('trees', `c${i}`, `t${i}`);
    cache.saveQuietly(3);
    const saved = JSON.parse(readFileSync(join(folder, HOOK_CACHE_FILE), 'utf8'));
    expect(Object.keys(saved.answers)).toEqual(['a4', 'a5', 'a6', 'a7', 'a8', 'a9']);
    expect(Object.keys(saved.trees)).toEqual(['c7', 'c8', 'c9']);
  });
});
