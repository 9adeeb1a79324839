/** Settled stat data (core/settled-stat.ts) and the answers kept under them (engine/hook/kept-answers.ts, answerToKeep). */
import { describe, expect, it } from 'vitest';
import { hasSettled, SETTLE_NS, settledFileKey, statKey, type StatFacts } from '../scripts/core/settled-stat.js';
import { diskKey, settledDiskKey, type DiskFacts } from '../scripts/core/path-change.js';
import { answerToKeep, type AnswerGrounds } from '../scripts/engine/hook/kept-answers.js';

const NOW = 1_000_000_000_000_000_000n;
const file = (ago: bigint, change: Partial<StatFacts> = {}): StatFacts => ({
  kind: 'file',
  dev: 1n,
  ino: 2n,
  size: 3n,
  mtimeNs: NOW - ago,
  ctimeNs: NOW - ago,
  ...change,
});
const disk = (ago: bigint, change: Partial<DiskFacts> = {}): DiskFacts => ({
  kind: 'file',
  executable: false,
  size: 3n,
  mtimeNs: NOW - ago,
  ctimeNs: NOW - ago,
  ino: 2n,
  uid: 0,
  gid: 0,
  ...change,
});
const OLD = 10n * SETTLE_NS;

describe('settled stat data', () => {
  it.each([
    [
      'older than the settling time by a nanosecond',
      { mtimeNs: NOW - SETTLE_NS - 1n, ctimeNs: NOW - SETTLE_NS - 1n },
      true,
    ],
    ['exactly the settling time old', { mtimeNs: NOW - SETTLE_NS, ctimeNs: NOW - SETTLE_NS - 1n }, false],
    ['an old modification time set back, changed just now', { mtimeNs: 0n, ctimeNs: NOW - 1n }, false],
    ['an old change time with a fresh modification time', { mtimeNs: NOW, ctimeNs: 0n }, false],
    ['times in the future', { mtimeNs: NOW + OLD, ctimeNs: NOW + OLD }, false],
  ])('%s: settled %s', (_, times, settled) => {
    expect(hasSettled(times, NOW)).toBe(settled);
  });

  it('only a plain, settled file has a key; every field changes it', () => {
    expect(settledFileKey(file(OLD), NOW)).toBe(statKey(file(OLD)));
    expect(settledFileKey(file(1n), NOW)).toBeNull();
    expect(settledFileKey(null, NOW)).toBeNull();
    for (const kind of ['symlink', 'folder', 'other'] as const)
      expect(settledFileKey(file(OLD, { kind }), NOW)).toBeNull();
    const keys = [
      file(OLD),
      file(OLD, { dev: 9n }),
      file(OLD, { ino: 9n }),
      file(OLD, { size: 9n }),
      file(OLD, { mtimeNs: 9n }),
      file(OLD, { ctimeNs: 9n }),
      null,
    ].map(statKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('disk facts: a missing path is settled, an unsettled file or an unreadable kind is not; every fact changes the key', () => {
    expect(settledDiskKey(disk(0n, { kind: 'missing' }), NOW)).toBe('missing');
    expect(settledDiskKey(disk(1n), NOW)).toBeNull();
    expect(settledDiskKey(disk(OLD, { kind: 'other' }), NOW)).toBeNull();
    expect(settledDiskKey(disk(OLD, { kind: 'folder' }), NOW)).toBe(diskKey(disk(OLD, { kind: 'folder' })));
    const keys = [
      disk(OLD),
      disk(OLD, { kind: 'symlink' }),
      disk(OLD, { executable: true }),
      disk(OLD, { size: 9n }),
      disk(OLD, { mtimeNs: 9n }),
      disk(OLD, { ctimeNs: 9n }),
      disk(OLD, { ino: 9n }),
      disk(OLD, { uid: 9 }),
      disk(OLD, { gid: 9 }),
      disk(OLD, { kind: 'missing' }),
    ].map(diskKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('answers to keep', () => {
  const grounds = (change: Partial<AnswerGrounds> = {}): AnswerGrounds => ({
    gitFile: file(OLD),
    gitDir: '/repo/.git/worktrees/api',
    index: file(OLD, { ino: 5n }),
    head: { stat: file(OLD, { ino: 6n }), facts: { branch: 'refs/heads/session/api', commit: 'c'.repeat(40) } },
    disk: disk(OLD),
    ...change,
  });

  it('keeps an answer whose every file has settled, with HEAD and its branch where HEAD was asked', () => {
    expect(answerToKeep(grounds(), true, NOW)).toEqual({
      gitFile: statKey(file(OLD)),
      gitDir: '/repo/.git/worktrees/api',
      index: statKey(file(OLD, { ino: 5n })),
      head: statKey(file(OLD, { ino: 6n })),
      headBranch: 'refs/heads/session/api',
      headCommit: 'c'.repeat(40),
      disk: diskKey(disk(OLD)),
      changed: true,
    });
    expect(answerToKeep(grounds({ head: null }), true, NOW)).toMatchObject({
      head: null,
      headBranch: null,
      headCommit: null,
    });
  });

  it.each<[string, Partial<AnswerGrounds>]>([
    ['a .git file written just now', { gitFile: file(1n) }],
    ['no .git file', { gitFile: null }],
    ['a .git folder', { gitFile: file(OLD, { kind: 'folder' }) }],
    ['an index written just now', { index: file(1n) }],
    ['a HEAD written just now', { head: { stat: file(1n), facts: { branch: null, commit: 'c'.repeat(40) } } }],
    ['a HEAD that could not be looked at', { head: { stat: null, facts: { branch: null, commit: 'c'.repeat(40) } } }],
    ['the file written just now', { disk: disk(1n) }],
    ['the file reached through a symlinked folder', { disk: disk(OLD, { kind: 'other' }) }],
  ])('keeps nothing for %s', (_, change) => {
    expect(answerToKeep(grounds(change), false, NOW)).toBeNull();
  });
});
