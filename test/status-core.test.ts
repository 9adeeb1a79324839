import { describe, expect, it } from 'vitest';
import { relativeAge } from '../scripts/core/age.js';
import { renderTable, truncate } from '../scripts/core/render-table.js';
import { attentionFor, classifySession, type AttentionFacts, type StateFacts } from '../scripts/core/session-state.js';
import { portOf } from '../scripts/core/status-report.js';
import type { SessionEntry } from '../scripts/core/manifest-types.js';
import { capped, preToolUseContext, sessionStartContext } from '../scripts/core/hook-messages.js';

const NOW = new Date('2026-01-15T10:00:00Z');
const BASE_COMMIT = 'a'.repeat(40);

function entry(overrides: Partial<SessionEntry> = {}): SessionEntry {
  return {
    id: 'auth',
    branch: 'session/auth',
    worktree: '../p-sessions/auth',
    startedAt: '2026-01-15T08:00:00Z',
    sessionLog: 'docs/session_logs/x_session.md',
    goals: ['Refactor auth'],
    status: 'active',
    base: { branch: 'main', commit: BASE_COMMIT },
    ...overrides,
  };
}

function facts(overrides: Partial<StateFacts> = {}): StateFacts {
  return {
    entry: entry(),
    folderExists: true,
    knownToGit: true,
    locked: false,
    prunable: false,
    ownerAlive: null,
    branchTip: 'b'.repeat(40),
    trustProblems: [],
    busy: null,
    ahead: 2,
    uncommitted: 0,
    ...overrides,
  };
}

describe('classifySession: exactly one state per session', () => {
  const owner = { pid: 4242, host: 'here' };
  it.each<[string, Partial<StateFacts>, string]>([
    ['a working session', {}, 'active'],
    ['a fresh session with no commits yet', { ahead: 0, branchTip: BASE_COMMIT }, 'active'],
    ['a session whose folder is gone', { folderExists: false }, 'orphaned'],
    ['a session git no longer lists', { knownToGit: false }, 'orphaned'],
    ['a session whose folder is gone, even when locked', { folderExists: false, locked: true }, 'orphaned'],
    ['a worktree the manifest does not list', { entry: null }, 'unregistered'],
    ['an unlisted worktree git calls prunable', { entry: null, prunable: true }, 'prunable'],
    ['a registered worktree git calls prunable', { prunable: true }, 'prunable'],
    ['a locked worktree', { locked: true }, 'locked'],
    ['a prunable and locked worktree', { prunable: true, locked: true }, 'prunable'],
    ['a branch whose commits are all in its base', { ahead: 0 }, 'merged'],
    ['a merged branch with uncommitted work', { ahead: 0, uncommitted: 2 }, 'active'],
    ['a merged branch whose changes could not be read', { ahead: 0, uncommitted: null }, 'active'],
    ['a missing branch', { ahead: null, branchTip: null }, 'active'],
    ['a start whose process died', { entry: entry({ status: 'starting', owner }), ownerAlive: false }, 'interrupted'],
    [
      'an end whose process died',
      { entry: entry({ status: 'ending', owner }), ownerAlive: false, folderExists: false },
      'interrupted',
    ],
    ['a start in progress', { entry: entry({ status: 'starting', owner }), ownerAlive: true }, 'starting'],
    ['an end in progress on another host', { entry: entry({ status: 'ending', owner }), ownerAlive: null }, 'ending'],
  ])('%s is %s', (_label, overrides, state) => {
    expect(classifySession(facts(overrides))).toBe(state);
  });
});

function attention(overrides: Partial<AttentionFacts> = {}): AttentionFacts {
  return {
    id: 'auth',
    state: 'active',
    entry: entry(),
    worktreePath: '/r/p-sessions/auth',
    worktreeExists: true,
    lockedReason: null,
    prunableReason: null,
    trustProblems: [],
    busy: null,
    setupOwner: null,
    manifestPath: '/r/p-sessions/.manifest.json',
    owner: null,
    branchExists: true,
    behind: 0,
    uncommitted: 0,
    lastCommitDate: '2026-01-15T09:00:00Z',
    mergeConflicts: [],
    overlaps: [],
    ...overrides,
  };
}

const settings = { staleAfterDays: 3, behindWarningCommits: 10 };
const codes = (overrides: Partial<AttentionFacts>, now = NOW) =>
  attentionFor(attention(overrides), settings, now).map((item) => item.code);

describe('attentionFor', () => {
  it.each<[string, Partial<AttentionFacts>, string[]]>([
    ['a healthy session', {}, []],
    ['conflicts with its base', { mergeConflicts: ['src/a.ts'] }, ['conflicts']],
    ['10 behind is within the limit', { behind: 10 }, []],
    ['11 behind', { behind: 11 }, ['behind']],
    ['started 4 days ago', { entry: entry({ startedAt: '2026-01-11T09:00:00Z' }) }, ['stale']],
    [
      'started 4 days ago but synced today',
      { entry: entry({ startedAt: '2026-01-11T09:00:00Z', lastSyncedAt: '2026-01-15T09:00:00Z' }) },
      [],
    ],
    [
      'dirty with no commit for 4 days',
      { entry: entry({ startedAt: '2026-01-11T09:00:00Z' }), uncommitted: 3, lastCommitDate: '2026-01-11T09:00:00Z' },
      ['stale', 'dirty-old'],
    ],
    ['dirty but recently committed', { uncommitted: 3 }, []],
    ['files shared with another session', { overlaps: [{ file: 'a', sessions: ['api'] }] }, ['overlap']],
    ['a missing branch', { branchExists: false }, ['branch-missing']],
    ['orphaned', { state: 'orphaned' }, ['orphaned']],
    [
      'interrupted',
      {
        state: 'interrupted',
        entry: entry({ status: 'starting', owner: { pid: 9, host: 'h' } }),
        owner: { pid: 9, host: 'h' },
      },
      ['interrupted'],
    ],
    ['merged', { state: 'merged' }, ['merged']],
    ['locked', { state: 'locked', lockedReason: 'on a USB disk' }, ['locked']],
    ['unregistered', { state: 'unregistered', entry: null }, ['unregistered']],
    ['prunable', { state: 'prunable' }, ['prunable']],
  ])('%s', (_label, overrides, expected) => expect(codes(overrides)).toEqual(expected));

  it('names the sync command, the conflicting files, the other session and cleanup', () => {
    const all = attentionFor(
      attention({ behind: 15, mergeConflicts: ['src/a.ts'], overlaps: [{ file: 'x', sessions: ['api'] }] }),
      settings,
      NOW,
    );
    expect(all.map((item) => `${item.message} | ${item.next}`)).toEqual([
      'would conflict with main in src/a.ts | Run `session sync auth` and resolve the conflicts in the session.',
      '15 commits behind main (over 10) | Run `session sync auth` to bring in main.',
      '1 file also changed by api: x | Run `session overlap auth` for predicted conflicts and a merge order.',
    ]);
    expect(attentionFor(attention({ state: 'interrupted' }), settings, NOW)[0]!.next).toContain('session cleanup');
  });
});

describe('relativeAge', () => {
  it.each([
    ['2026-01-15T10:00:00Z', 'just now'],
    ['2026-01-15T09:59:30Z', 'just now'],
    ['2026-01-15T09:55:00Z', '5m ago'],
    ['2026-01-15T08:00:00Z', '2h ago'],
    ['2026-01-14T09:00:00Z', '25h ago'],
    ['2026-01-12T10:00:00Z', '3d ago'],
    ['2025-01-15T10:00:00Z', '365d ago'],
    ['2026-01-16T10:00:00Z', 'just now'],
    ['not a date', '-'],
  ])('%s is %s', (from, expected) => expect(relativeAge(from, NOW)).toBe(expected));
});

describe('renderTable', () => {
  it('pads columns, right-aligns numbers, and trims trailing blanks', () => {
    const text = renderTable(
      [{ header: 'NAME' }, { header: 'N', align: 'right' }, { header: 'NOTE' }],
      [
        ['alpha', '3', ''],
        ['b', '12', 'x'],
      ],
    );
    expect(text).toBe(['NAME    N  NOTE', 'alpha   3', 'b      12  x'].join('\n'));
  });

  it('keeps each row on one line and counts symbols as one cell', () => {
    expect(
      renderTable(
        [{ header: 'A' }, { header: 'B' }],
        [
          ['line\nbreak', '✓'],
          ['→', 'x'],
        ],
      ),
    ).toBe(['A           B', 'line break  ✓', '→           x'].join('\n'));
  });

  it('truncates with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});

describe('portOf reads an optional port block defensively', () => {
  it.each<[unknown, unknown]>([
    [{ port: { base: 3100, count: 10 } }, { base: 3100, count: 10 }],
    [{}, null],
    [{ port: { base: '3100', count: 10 } }, null],
    [null, null],
  ])('%j -> %j', (input, expected) => expect(portOf(input)).toEqual(expected));
});

describe('hook messages', () => {
  const start = {
    id: 'auth',
    branch: 'session/auth',
    baseBranch: 'main',
    worktree: '/r/p-sessions/auth',
    goals: ['Refactor auth'],
    sessionLog: 'docs/session_logs/x_session.md',
    behind: 0,
    behindWarningCommits: 10,
    siblings: [{ id: 'api', goals: ['Endpoints'], status: 'active', worktree: '/r/p-sessions/api' }],
  };

  it('says which session, its goals, log, siblings and the end reminder', () => {
    const text = sessionStartContext(start);
    expect(text).toContain('parallel dev session "auth"');
    expect(text).toContain('- Refactor auth');
    expect(text).toContain('docs/session_logs/x_session.md');
    expect(text).toContain('- api: Endpoints');
    expect(text).toContain('/dev-session.end');
    expect(text).not.toContain('behind');
  });

  it('warns when far behind the base', () => {
    expect(sessionStartContext({ ...start, behind: 11 })).toContain('11 commits behind main');
  });

  it('stays under the output cap with many long goals', () => {
    const siblings = Array.from({ length: 50 }, (_, i) => ({
      id: `s${i}`,
      goals: ['g'.repeat(1500)],
      status: 'active',
      worktree: '/w',
    }));
    const text = sessionStartContext({ ...start, siblings });
    expect(text.length).toBeLessThan(10_000);
    expect(text).toContain('[... cut');
    expect(capped('short')).toBe('short');
  });

  it('names every other session changing the file', () => {
    expect(
      preToolUseContext('src/a.ts', 'auth', [
        { id: 'api', committed: true, uncommitted: false },
        { id: 'ui', committed: false, uncommitted: true },
      ]),
    ).toBe(
      'Warning: src/a.ts is also changed in parallel sessions "api" (in its commits), "ui" (uncommitted in its worktree). Editing it in parallel session "auth" too may cause a merge conflict later. Keep the change small, tell the user, and run `session overlap` to see predicted conflicts and a merge order.',
    );
  });
});
