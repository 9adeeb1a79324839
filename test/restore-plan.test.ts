import { describe, expect, it } from 'vitest';
import {
  chooseRecord,
  parseRestoreTime,
  planRestore,
  restorableTip,
  savedWork,
  type RestoreFacts,
  type RestorePlan,
} from '../scripts/core/restore-plan.js';
import { parseHistory, parseHistoryRecord, type EndedSession } from '../scripts/core/history-records.js';
import type { RefusalError } from '../scripts/lib/errors.js';

const TIP = 'a'.repeat(40);
const BASE = 'b'.repeat(40);
const SNAP = 'c'.repeat(40);
const INDEX = 'd'.repeat(40);
const OTHER = 'e'.repeat(40);
const REF = 'refs/sessions/abandoned/x/20260115T100000Z';

function record(over: Partial<EndedSession> = {}): EndedSession {
  return {
    id: 'x',
    branch: 'session/x',
    strategy: 'abandon',
    head: TIP,
    base: { branch: 'main', commit: BASE },
    endedAt: '2026-01-15T10:00:00Z',
    savedAs: REF,
    ...over,
  };
}

function facts(over: Partial<RestoreFacts> = {}): RestoreFacts {
  return {
    name: 'x',
    record: record(),
    recordCount: 1,
    branchPrefix: 'session/',
    mainCheckout: '/r/p',
    worktreePath: '/r/p-sessions/x',
    registered: false,
    worktreePathExists: false,
    worktreeRecordExists: false,
    branchTip: null,
    branchHeldBy: null,
    savedTip: TIP,
    headExists: true,
    refs: new Map([[REF, TIP]]),
    snapshotParents: null,
    ...over,
  };
}

describe('history records read back', () => {
  it('keeps a well-formed record, drops malformed optional fields, and skips records without their core', () => {
    const good = {
      ...record(),
      goals: ['g'],
      port: { base: 3100, count: 10 },
      copiedFiles: ['.env'],
      sessionLog: 'docs/log.md',
      savedRefs: [{ what: 'tip', ref: REF }],
    };
    expect(parseHistoryRecord(good)).toEqual(good);
    expect(
      parseHistoryRecord({
        ...good,
        copiedFiles: ['../outside'],
        port: { base: 70000, count: 10 },
        savedRefs: [{ what: 'nested', ref: `${REF}-nested/1` }],
      }),
    ).toEqual({ ...record(), goals: ['g'], sessionLog: 'docs/log.md' });
    for (const broken of [
      { ...good, id: 'Bad Name' },
      { ...good, branch: 'a b' },
      { ...good, base: { branch: 'main', commit: 'xyz' } },
      { ...good, endedAt: 'yesterday' },
      null,
      [],
    ]) {
      expect(parseHistoryRecord(broken)).toBeNull();
    }
    expect(
      parseHistory(`${JSON.stringify(good)}\nnot json\n{"id":"x"}\n\n${JSON.stringify(record({ id: 'y' }))}\n`),
    ).toEqual({ records: [good, record({ id: 'y' })], skipped: 2 });
  });
});

describe('which end is restored', () => {
  const first = record();
  const second = record({ endedAt: '2026-01-16T10:00:00Z', savedAs: `${REF}-2` });
  const third = record({ endedAt: '2026-01-17T10:00:00Z', savedAs: 'refs/sessions/abandoned/x/20260117T100000Z' });
  const all = [first, second, third];
  it.each([
    ['no --at: the newest', undefined, third],
    ['a tip ref', REF, first],
    ['a tip ref with a -n suffix, not its namesake', `${REF}-2`, second],
    ['a ref saved beside the tip', `${REF}-2-worktree`, second],
    ['a nested ref', `${REF}-nested/1/HEAD`, first],
    ['the exact end time', '2026-01-16T10:00:00Z', second],
    ['the time as a ref names it', '20260115T100000Z', first],
    ['the time and number as a ref names it', '20260115T100000Z-2', second],
    ['a time between ends: the newest before it', '2026-01-16T12:00:00Z', second],
    ['a day: the newest ended by its end', '2026-01-16', second],
    ['a time before every end', '2025-01-01T00:00:00Z', null],
    ['an unknown ref', 'refs/sessions/abandoned/y/1', null],
  ] as const)('%s', (_label, at, expected) => {
    expect(chooseRecord(all, at)).toBe(expected);
  });

  it('passes over a start or restore that cleanup rolled back', () => {
    const rolledBack = record({ endedAt: '2026-01-18T10:00:00Z', strategy: 'cleanup-rollback-start' });
    expect(chooseRecord([...all, rolledBack], undefined)).toBe(third);
    expect(chooseRecord([...all, rolledBack], '2026-01-18T10:00:00Z')).toBe(third);
    expect(chooseRecord([rolledBack], undefined)).toBeNull();
  });

  it('reads times in both forms, and nothing else', () => {
    expect(parseRestoreTime('20260115T100000Z')?.toISOString()).toBe('2026-01-15T10:00:00.000Z');
    expect(parseRestoreTime('2026-01-15T10:00:00Z')?.toISOString()).toBe('2026-01-15T10:00:00.000Z');
    expect(parseRestoreTime('last week')).toBeNull();
  });
});

describe('where the saved work is', () => {
  it('as a new record lists it, skipping refs that are gone', () => {
    const listed = record({
      savedRefs: [
        { what: 'tip', ref: REF },
        { what: 'changes', ref: `${REF}-worktree` },
        { what: 'ignored', ref: `${REF}-ignored` },
        { what: 'nested', ref: `${REF}-nested/1`, path: 'vendor/tool' },
      ],
    });
    const refs = new Map([
      [REF, TIP],
      [`${REF}-worktree`, SNAP],
      [`${REF}-nested/1/HEAD`, OTHER],
    ]);
    expect(savedWork(listed, refs)).toEqual({
      changes: `${REF}-worktree`,
      ignored: null,
      nested: [{ prefix: `${REF}-nested/1`, path: 'vendor/tool', head: true, worktree: false }],
      missing: [`${REF}-ignored`],
    });
  });

  it('found by name for an older record, taking the last saving round and never a -2 namesake', () => {
    const refs = new Map([
      [REF, TIP],
      [`${REF}-worktree`, SNAP],
      [`${REF}-again2-worktree`, OTHER],
      [`${REF}-ignored`, OTHER],
      [`${REF}-nested/1/HEAD`, OTHER],
      [`${REF}-nested/2/worktree`, OTHER],
      [`${REF}-2`, TIP],
      [`${REF}-2-worktree`, SNAP],
    ]);
    expect(savedWork(record({ savedWorktreeAs: `${REF}-worktree` }), refs)).toEqual({
      changes: `${REF}-again2-worktree`,
      ignored: `${REF}-ignored`,
      nested: [
        { prefix: `${REF}-nested/1`, path: null, head: true, worktree: false },
        { prefix: `${REF}-nested/2`, path: null, head: false, worktree: true },
      ],
      missing: [],
    });
  });

  it('for a clean end, beside refs/sessions/saved/<name>/<time>', () => {
    const kept = record({ strategy: 'keep', savedAs: 'refs/heads/session/x' });
    const refs = new Map([['refs/sessions/saved/x/20260115T100000Z-ignored', OTHER]]);
    expect(savedWork(kept, refs).ignored).toBe('refs/sessions/saved/x/20260115T100000Z-ignored');
  });
});

describe('planRestore', () => {
  const refused = (f: RestoreFacts) => {
    const plan = planRestore(f);
    return plan instanceof Error ? (plan as RefusalError).code : null;
  };
  it.each([
    ['a registered session', 'session-exists', facts({ registered: true })],
    ['a folder where the worktree goes', 'worktree-path-exists', facts({ worktreePathExists: true })],
    ['a stale worktree record there', 'worktree-record-exists', facts({ worktreeRecordExists: true })],
    [
      'a merge record',
      'nothing-to-restore',
      facts({ record: record({ strategy: 'merge', savedAs: undefined, mergeCommit: OTHER }) }),
    ],
    ['a pruned tip ref', 'nothing-to-restore', facts({ savedTip: null })],
    [
      'a kept branch deleted, its commit gone too',
      'nothing-to-restore',
      facts({
        record: record({ strategy: 'keep', savedAs: 'refs/heads/session/x' }),
        savedTip: null,
        headExists: false,
      }),
    ],
    ['the branch elsewhere', 'branch-moved', facts({ branchTip: OTHER })],
    [
      'the branch at the tip but checked out elsewhere',
      'branch-checked-out-elsewhere',
      facts({ branchTip: TIP, branchHeldBy: '/r/p' }),
    ],
    ['a branch outside the prefix', 'branch-prefix-mismatch', facts({ record: record({ branch: 'feature/x' }) })],
    [
      'a snapshot not on the tip',
      'saved-work-mismatch',
      facts({
        record: record({ savedWorktreeAs: `${REF}-worktree` }),
        refs: new Map([
          [REF, TIP],
          [`${REF}-worktree`, SNAP],
        ]),
        snapshotParents: [OTHER, INDEX],
      }),
    ],
    ['nothing in the way', null, facts()],
    ['the branch already at the tip', null, facts({ branchTip: TIP })],
  ] as const)('%s: %s', (_label, code, f) => {
    expect(refused(f)).toBe(code);
  });

  it('plans the branch, the work, the goals, the port and the env files from the record', () => {
    const plan = planRestore(
      facts({
        record: record({
          goals: ['Fix it'],
          port: { base: 3140, count: 10 },
          copiedFiles: ['.env'],
          sessionLog: 'docs/log.md',
          savedWorktreeAs: `${REF}-worktree`,
        }),
        refs: new Map([
          [REF, TIP],
          [`${REF}-worktree`, SNAP],
        ]),
        snapshotParents: [TIP, INDEX],
      }),
    ) as RestorePlan;
    expect(plan).toMatchObject({
      branch: 'session/x',
      tip: TIP,
      tipSource: 'saved-ref',
      createBranch: true,
      changes: { ref: `${REF}-worktree`, commit: SNAP, staged: INDEX },
      ignored: null,
      goals: ['Fix it'],
      port: { base: 3140, count: 10 },
      copy: { mode: 'list', paths: ['.env'] },
      sessionLog: 'docs/log.md',
      restoredFrom: { strategy: 'abandon', endedAt: '2026-01-15T10:00:00Z', savedAs: REF },
      warnings: [],
      notes: [],
    });
  });

  it('an older record: no goals, auto copy, and a note that says so; bad goals are dropped with a warning', () => {
    const old = planRestore(facts()) as RestorePlan;
    expect(old.goals).toEqual([]);
    expect(old.copy).toEqual({ mode: 'auto' });
    expect(old.notes.join(' ')).toContain('older than restore');
    const bad = planRestore(facts({ record: record({ goals: ['\u202eevil'], copiedFiles: [] }) })) as RestorePlan;
    expect(bad.goals).toEqual([]);
    expect(bad.copy).toEqual({ mode: 'none' });
    expect(bad.warnings.join(' ')).toContain('goals were not restored');
  });

  it.each([
    ['an abandon: the saved ref', { savedTip: TIP }, { tip: TIP, source: 'saved-ref' }],
    [
      'a keep: the branch as it is now',
      { record: record({ strategy: 'keep', savedAs: 'refs/heads/session/x' }), branchTip: OTHER, savedTip: OTHER },
      { tip: OTHER, source: 'branch' },
    ],
    [
      'a keep whose branch was deleted: the recorded head',
      { record: record({ strategy: 'keep', savedAs: 'refs/heads/session/x' }), branchTip: null, savedTip: null },
      { tip: TIP, source: 'head' },
    ],
  ] as const)('the tip of %s', (_label, over, expected) => {
    expect(restorableTip({ ...facts(), ...over })).toEqual(expected);
  });
});
