/** The land queue's pure rules as tables: selection, order, the main checkout's fate, the notices and their text. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  landNoticeContext,
  landNoticeKey,
  landOrder,
  landSessionRefusal,
  mainAction,
  nextNotice,
  readyState,
  selectSessions,
  type LandSessionFacts,
} from '../scripts/core/land-plan.js';
import { ACTION_ORDER } from '../scripts/core/cleanup-plan.js';
import type { LandNotice, SessionEntry } from '../scripts/core/manifest-types.js';
import type { PredictedPair } from '../scripts/core/overlap.js';
import { RefusalError } from '../scripts/lib/errors.js';
import { ROOT } from './helpers/gitdir.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

function entry(id: string, over: Partial<SessionEntry> = {}): SessionEntry {
  return {
    id,
    branch: `session/${id}`,
    worktree: `../p-sessions/${id}`,
    startedAt: '2026-01-10T10:00:00Z',
    sessionLog: null,
    goals: [],
    status: 'active',
    base: { branch: 'main', commit: A },
    ...over,
  };
}

describe('which sessions a land takes', () => {
  const ready = { at: '2026-01-15T09:00:00Z', tip: B };
  it.each<[string, SessionEntry[], string[], Record<string, string>, string[] | string, string[]]>([
    ['the named ones, ready or not', [entry('x'), entry('y', { ready })], ['x'], { x: B, y: B }, ['x'], []],
    [
      'every ready one whose branch is still at the marked tip',
      [entry('x', { ready }), entry('y'), entry('z', { ready })],
      [],
      { x: B, y: B, z: B },
      ['x', 'z'],
      [],
    ],
    [
      'not one whose branch moved since it was marked',
      [entry('x', { ready }), entry('y', { ready })],
      [],
      { x: B, y: C },
      ['x'],
      ['y'],
    ],
    [
      'not one that is busy',
      [entry('x', { ready }), entry('y', { ready, status: 'syncing' })],
      [],
      { x: B, y: B },
      ['x'],
      ['y'],
    ],
    ['none ready: a refusal naming the moved marks', [entry('x', { ready })], [], { x: C }, 'nothing-to-land', ['x']],
    ['nothing at all: a refusal', [entry('x')], [], { x: B }, 'nothing-to-land', []],
  ])('%s', (_label, entries, named, tips, chosen, notSelected) => {
    const result = selectSessions(entries, named, new Map(Object.entries(tips)));
    if (typeof chosen === 'string') {
      expect(result).toBeInstanceOf(RefusalError);
      expect((result as RefusalError).code).toBe(chosen);
      expect(((result as RefusalError).details.notSelected as Array<{ id: string }>).map((item) => item.id)).toEqual(
        notSelected,
      );
      return;
    }
    expect(result).not.toBeInstanceOf(RefusalError);
    expect((result as { chosen: string[] }).chosen).toEqual(chosen);
    expect((result as { notSelected: Array<{ id: string }> }).notSelected.map((item) => item.id)).toEqual(notSelected);
  });

  it('a mark counts while the branch is at its tip', () => {
    expect([readyState(undefined, B), readyState({ at: '', tip: B }, B), readyState({ at: '', tip: B }, C)]).toEqual([
      null,
      'current',
      'moved',
    ]);
  });
});

describe('the land order', () => {
  const pair = (a: string, b: string, prediction: PredictedPair['prediction']): PredictedPair => ({
    a,
    b,
    sharedFiles: ['f'],
    sharedCommitted: ['f'],
    prediction,
    conflicts: prediction === 'conflict' ? ['f'] : [],
    method: 'merge-tree',
  });
  it.each<[string, Array<[string, number, boolean]>, PredictedPair[], string[]]>([
    [
      'by name when nothing tells them apart',
      [
        ['b', 1, false],
        ['a', 1, false],
      ],
      [],
      ['a', 'b'],
    ],
    [
      'smaller changes first',
      [
        ['a', 3, false],
        ['b', 1, false],
      ],
      [],
      ['b', 'a'],
    ],
    [
      'a session that conflicts with the base now goes after every one that does not',
      [
        ['a', 1, true],
        ['b', 5, false],
        ['c', 2, false],
      ],
      [pair('b', 'c', 'conflict')],
      ['c', 'b', 'a'],
    ],
    [
      'among the clean ones, fewest conflicts with the others first',
      [
        ['a', 1, false],
        ['b', 1, false],
        ['c', 9, false],
      ],
      [pair('a', 'b', 'conflict')],
      ['c', 'a', 'b'],
    ],
  ])('%s', (_label, candidates, pairs, order) => {
    expect(
      landOrder(
        candidates.map(([id, changedFiles, conflictsWithBase]) => ({ id, changedFiles, conflictsWithBase })),
        pairs,
      ).map((step) => step.id),
    ).toEqual(order);
  });
});

describe('the main checkout', () => {
  it.each<[string, { holdsBase: boolean; dirty: string[]; inTheWay: string[] }, string]>([
    ['not on the base: nothing', { holdsBase: false, dirty: [' M x'], inTheWay: [] }, 'none'],
    ['clean on the base: fast-forwarded', { holdsBase: true, dirty: [], inTheWay: [] }, 'fast-forward'],
    ['dirty on the base: left as it is, detached', { holdsBase: true, dirty: [' M x'], inTheWay: [] }, 'detach'],
    [
      'untracked files in the way: left as it is, detached',
      { holdsBase: true, dirty: [], inTheWay: ['new.txt'] },
      'detach',
    ],
  ])('%s', (_label, facts, action) => {
    expect(mainAction(facts)).toBe(action);
  });
});

describe('the notices', () => {
  const landing = (id: string, from: string, to: string, gained = 2) => ({
    id,
    commit: to,
    base: 'main',
    from,
    to,
    gained,
  });
  const first = nextNotice(
    undefined,
    landing('one', A, B),
    { caughtUpWithFrom: true, behind: 2, conflicts: ['z.js', 'a.js'] },
    '2026-01-15T10:00:00Z',
  );

  it('starts with the landing, the files sorted', () => {
    expect(first).toEqual({
      base: 'main',
      from: A,
      to: B,
      landed: [{ id: 'one', commit: B }],
      gained: 2,
      behind: 2,
      conflicts: ['a.js', 'z.js'],
      at: '2026-01-15T10:00:00Z',
    });
  });

  it('adds a landing that continues where the last ended, for a session that has not caught up', () => {
    const second = nextNotice(
      first,
      landing('two', B, C, 3),
      { caughtUpWithFrom: false, behind: 5, conflicts: [] },
      '2026-01-15T10:01:00Z',
    );
    expect(second).toMatchObject({
      from: A,
      to: C,
      landed: [{ id: 'one' }, { id: 'two' }],
      gained: 5,
      behind: 5,
      conflicts: [],
    });
    expect(landNoticeKey(second)).not.toBe(landNoticeKey(first));
  });

  it('starts again for a session that caught up since, or after a base moved by someone else', () => {
    expect(
      nextNotice(first, landing('two', B, C), { caughtUpWithFrom: true, behind: 2, conflicts: [] }, 'x').landed.map(
        (l) => l.id,
      ),
    ).toEqual(['two']);
    expect(
      nextNotice(first, landing('two', C, A), { caughtUpWithFrom: false, behind: 2, conflicts: [] }, 'x').landed.map(
        (l) => l.id,
      ),
    ).toEqual(['two']);
  });

  it('tells what landed, how far the base moved, which files conflict and how to sync', () => {
    expect(landNoticeContext('beta', first, { ready: true })).toBe(
      'Parallel session "beta": Session "one" landed in main (merge bbbbbbbbbbbb); main moved by 2 commits, and this session is now 2 behind it. ' +
        'Merging this session into main would now conflict in a.js, z.js. Tell the user, and sync before changing those files further: ' +
        '/parallel.sync here, or `session sync beta`, then resolve the conflicts in this worktree. ' +
        'Syncing moves its branch, so mark it ready again afterwards (`session ready beta`).',
    );
    expect(landNoticeContext('beta', { ...first, conflicts: [] }, { ready: false })).toBe(
      'Parallel session "beta": Session "one" landed in main (merge bbbbbbbbbbbb); main moved by 2 commits, and this session is now 2 behind it. ' +
        'This session still merges cleanly into main; sync when convenient: /parallel.sync here, or `session sync beta`.',
    );
  });
});

describe('a session the queue cannot take', () => {
  const facts = (over: Partial<LandSessionFacts> = {}): LandSessionFacts => ({
    id: 'x',
    name: 'x',
    goals: [],
    status: 'active',
    branch: 'session/x',
    worktreePath: '/s/x',
    worktreeExists: true,
    worktreeLocked: false,
    worktreeBranch: 'session/x',
    tip: B,
    work: [],
    worktreeBusy: null,
    branchHeldBy: [],
    baseBranch: 'main',
    baseTip: A,
    cannotPredict: false,
    sessionsPaths: [],
    sessionsDirInRepo: null,
    ...over,
  });
  it.each<[string, Partial<LandSessionFacts>, string | null]>([
    ['a ready one', {}, null],
    ['its worktree gone', { worktreeExists: false }, 'worktree-missing'],
    ['its worktree locked', { worktreeLocked: true }, 'worktree-locked'],
    ['its branch gone', { tip: null }, 'branch-missing'],
    ['its branch checked out elsewhere', { branchHeldBy: ['/elsewhere'] }, 'branch-checked-out-elsewhere'],
    ['its worktree off its branch', { worktreeBranch: null }, 'worktree-off-branch'],
    ['uncommitted work', { work: [{ code: ' M', path: 'a.js' }] }, 'uncommitted-work'],
    ['its base gone', { baseTip: null }, 'base-missing'],
    ['git too old to build the merge', { cannotPredict: true }, 'git-too-old'],
    [
      'changes below a sessions folder inside the repository',
      { sessionsPaths: ['sessions/x/a'], sessionsDirInRepo: 'sessions' },
      'branch-writes-sessions',
    ],
  ])('%s', (_label, over, code) => {
    const refusal = landSessionRefusal(facts(over));
    expect(refusal?.code ?? null).toBe(code);
    // A refusal about one session says the queue can go on without it.
    if (refusal && code !== 'git-too-old') expect(refusal.next).toContain('leave "x" out');
  });
});

it('the cleanup output schema lists every action cleanup can take', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/output/cleanup.schema.json'), 'utf8'));
  expect(schema.properties.actions.items.properties.kind.enum).toEqual(ACTION_ORDER);
});

it('the notice types match the manifest schema', () => {
  const notice: LandNotice = {
    base: 'main',
    from: A,
    to: B,
    landed: [],
    gained: 0,
    behind: 0,
    conflicts: [],
    at: '2026-01-15T10:00:00Z',
  };
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/manifest.schema.json'), 'utf8'));
  expect(Object.keys(schema.definitions.session.properties.landNotice.properties).sort()).toEqual(
    Object.keys(notice).sort(),
  );
});
