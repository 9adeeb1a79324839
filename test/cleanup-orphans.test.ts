import { describe, expect, it } from 'vitest';
import { describeOrphan, orphanReport, type OrphanFacts } from '../scripts/core/orphans.js';
import { ageInWords } from '../scripts/core/age.js';
import type { SessionEntry } from '../scripts/core/manifest-types.js';
import type { WorktreeRecord } from '../scripts/core/worktree-list.js';

const NOW = new Date('2026-01-15T10:00:00Z');

function entry(id: string, over: Partial<SessionEntry> = {}): SessionEntry {
  return {
    id,
    branch: `session/${id}`,
    worktree: `../p-sessions/${id}`,
    startedAt: '2026-01-13T10:00:00Z',
    sessionLog: null,
    goals: [],
    status: 'active',
    base: { branch: 'main', commit: 'a'.repeat(40) },
    ...over,
  };
}

function record(path: string, over: Partial<WorktreeRecord> = {}): WorktreeRecord {
  return {
    path,
    head: 'a'.repeat(40),
    branch: null,
    bare: false,
    detached: false,
    locked: false,
    lockedReason: null,
    prunable: false,
    prunableReason: null,
    ...over,
  };
}

function facts(
  sessions: SessionEntry[],
  over: Partial<OrphanFacts> & { missing?: string[]; dead?: number[] } = {},
): OrphanFacts {
  const { missing = [], dead = [], ...rest } = over;
  return {
    mainCheckout: '/r/p',
    sessionsDir: '/r/p-sessions',
    manifest: { version: 1, project: 'p', sessions },
    worktreeOf: (entry) => `/r/p-sessions/${entry.id}`,
    worktrees: [record('/r/p'), ...sessions.map((s) => record(`/r/p-sessions/${s.id}`))],
    folderExists: (path) => !missing.includes(path),
    liveness: (owner) =>
      !owner ? 'dead' : owner.host !== 'here' ? 'unknown' : dead.includes(owner.pid) ? 'dead' : 'alive',
    createdAt: () => new Date('2026-01-15T04:00:00Z'),
    now: NOW,
    ...rest,
  };
}

describe('orphanReport', () => {
  const cases: Array<
    [string, OrphanFacts, Array<Partial<{ id: string; kind: string; age: string | null; ageSeconds: number | null }>>]
  > = [
    ['healthy sessions: nothing', facts([entry('a'), entry('b')]), []],
    [
      'a missing folder: orphaned, with its age',
      facts([entry('a')], { missing: ['/r/p-sessions/a'] }),
      [{ id: 'a', kind: 'orphaned', age: '2 days', ageSeconds: 172_800 }],
    ],
    [
      'a start whose owner died',
      facts([entry('s', { status: 'starting', owner: { pid: 7, host: 'here' }, startedAt: '2026-01-15T09:00:00Z' })], {
        dead: [7],
      }),
      [{ id: 's', kind: 'interrupted-start', age: '1 hour' }],
    ],
    [
      'an end whose owner died',
      facts([entry('e', { status: 'ending', owner: { pid: 8, host: 'here' } })], { dead: [8] }),
      [{ id: 'e', kind: 'interrupted-end' }],
    ],
    [
      'a transient entry without an owner',
      facts([entry('x', { status: 'ending' })]),
      [{ id: 'x', kind: 'interrupted-end' }],
    ],
    [
      'a start still running: nothing',
      facts([entry('s', { status: 'starting', owner: { pid: 7, host: 'here' } })]),
      [],
    ],
    [
      'a start on another host: nothing (cannot tell)',
      facts([entry('s', { status: 'starting', owner: { pid: 7, host: 'there' } })], { dead: [7] }),
      [],
    ],
    [
      'an unregistered worktree, aged by its creation',
      facts([], { worktrees: [record('/r/p'), record('/r/p-sessions/lost')] }),
      [{ id: 'lost', kind: 'unregistered', age: '6 hours' }],
    ],
    [
      'worktrees elsewhere, nested or prunable: nothing',
      facts([], {
        worktrees: [
          record('/r/p'),
          record('/r/other/x'),
          record('/r/p-sessions/a/b'),
          record('/r/p-sessions/gone', { prunable: true }),
        ],
      }),
      [],
    ],
  ];
  it.each(cases)('%s', async (_label, input, expected) => {
    const report = orphanReport(input);
    expect(report).toHaveLength(expected.length);
    report.forEach((finding, i) => expect(finding).toMatchObject(expected[i]!));
  });

  it('describes a finding as the proposal asks: resume, clean up, or ignore', async () => {
    const [finding] = orphanReport(facts([entry('auth-refactor')], { missing: ['/r/p-sessions/auth-refactor'] }));
    expect(describeOrphan(finding!)).toBe(
      'Found an incomplete session "auth-refactor" (orphaned: its worktree folder is missing, from 2 days ago). Resume it, clean up (`session cleanup`), or ignore it.',
    );
  });

  it.each([
    [0, 'under a minute'],
    [59, 'under a minute'],
    [60, '1 minute'],
    [7_199, '1 hour'],
    [86_400, '1 day'],
    [3 * 86_400 + 5, '3 days'],
  ])('ageInWords(%d) is %s', async (seconds, text) => {
    expect(ageInWords(seconds)).toBe(text);
  });
});
