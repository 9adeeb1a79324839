import { describe, expect, it } from 'vitest';
import {
  fileOverlaps,
  overlapsOf,
  sessionPairs,
  suggestMergeOrder,
  type MergeCandidate,
  type PredictedPair,
} from '../scripts/core/overlap.js';

const sessions = [
  { id: 'beta', committed: ['src/a.ts', 'src/b.ts'], uncommitted: ['README.md'] },
  { id: 'alpha', committed: ['src/a.ts'], uncommitted: ['src/c.ts'] },
  { id: 'gamma', committed: ['docs/x.md'], uncommitted: ['src/c.ts', 'src/b.ts'] },
];

describe('fileOverlaps', () => {
  it('lists files two or more sessions change, sorted, with how each changes them', () => {
    expect(fileOverlaps(sessions)).toEqual([
      {
        file: 'src/a.ts',
        sessions: [
          { id: 'alpha', committed: true, uncommitted: false },
          { id: 'beta', committed: true, uncommitted: false },
        ],
      },
      {
        file: 'src/b.ts',
        sessions: [
          { id: 'beta', committed: true, uncommitted: false },
          { id: 'gamma', committed: false, uncommitted: true },
        ],
      },
      {
        file: 'src/c.ts',
        sessions: [
          { id: 'alpha', committed: false, uncommitted: true },
          { id: 'gamma', committed: false, uncommitted: true },
        ],
      },
    ]);
  });

  it('is empty for disjoint sessions and for one session', () => {
    expect(
      fileOverlaps([
        { id: 'a', committed: ['x'], uncommitted: [] },
        { id: 'b', committed: ['y'], uncommitted: [] },
      ]),
    ).toEqual([]);
    expect(fileOverlaps([{ id: 'a', committed: ['x'], uncommitted: ['x'] }])).toEqual([]);
  });

  it('gives one session its shared files and the other sessions', () => {
    expect(overlapsOf('gamma', fileOverlaps(sessions))).toEqual([
      { file: 'src/b.ts', sessions: ['beta'] },
      { file: 'src/c.ts', sessions: ['alpha'] },
    ]);
  });
});

describe('sessionPairs', () => {
  it('makes every pair once, by name, with shared files and shared committed files', () => {
    expect(sessionPairs(sessions)).toEqual([
      { a: 'alpha', b: 'beta', sharedFiles: ['src/a.ts'], sharedCommitted: ['src/a.ts'] },
      { a: 'alpha', b: 'gamma', sharedFiles: ['src/c.ts'], sharedCommitted: [] },
      { a: 'beta', b: 'gamma', sharedFiles: ['src/b.ts'], sharedCommitted: [] },
    ]);
  });
});

const conflict = (a: string, b: string): PredictedPair => ({
  a,
  b,
  sharedFiles: ['f'],
  sharedCommitted: ['f'],
  prediction: 'conflict',
  conflicts: ['f'],
  method: 'merge-tree',
});
const candidate = (id: string, changedFiles = 1, conflictsWithBase = false): MergeCandidate => ({
  id,
  changedFiles,
  conflictsWithBase,
});
const order = (candidates: MergeCandidate[], pairs: PredictedPair[]) =>
  suggestMergeOrder(candidates, pairs).map((step) => step.id);

describe('suggestMergeOrder', () => {
  it.each<[string, MergeCandidate[], PredictedPair[], string[]]>([
    ['no sessions', [], [], []],
    [
      'no conflicts: smallest change first, then by name',
      [candidate('c', 5), candidate('b', 1), candidate('a', 1)],
      [],
      ['a', 'b', 'c'],
    ],
    [
      'conflict-free sessions before conflicting ones',
      [candidate('a'), candidate('b'), candidate('z', 9)],
      [conflict('a', 'b')],
      ['z', 'a', 'b'],
    ],
    [
      'of two conflicting, the smaller change first',
      [candidate('a', 5), candidate('b', 2), candidate('c', 9)],
      [conflict('a', 'b')],
      ['c', 'b', 'a'],
    ],
    [
      'a hub that conflicts with two goes after them',
      [candidate('hub'), candidate('x'), candidate('y')],
      [conflict('hub', 'x'), conflict('hub', 'y')],
      ['x', 'y', 'hub'],
    ],
    ['a base conflict goes later among equals', [candidate('a', 1, true), candidate('b', 1)], [], ['b', 'a']],
  ])('%s', (_label, candidates, pairs, expected) => expect(order(candidates, pairs)).toEqual(expected));

  it('says for each step which open sessions it conflicts with', () => {
    const steps = suggestMergeOrder([candidate('a', 1), candidate('b', 2), candidate('c', 3)], [conflict('a', 'b')]);
    expect(steps).toEqual([
      { id: 'c', conflictsWith: [], reason: 'no predicted conflict with the sessions still open' },
      {
        id: 'a',
        conflictsWith: ['b'],
        reason: 'conflicts with b; after it merges, sync that session and resolve there',
      },
      { id: 'b', conflictsWith: [], reason: 'no predicted conflict with the sessions still open' },
    ]);
  });

  it('ignores clean and unknown predictions', () => {
    const clean = { ...conflict('a', 'b'), prediction: 'clean' as const };
    const unknown = { ...conflict('a', 'b'), prediction: 'unknown' as const };
    expect(order([candidate('b', 1), candidate('a', 2)], [clean, unknown])).toEqual(['b', 'a']);
  });
});
