import { describe, expect, it } from 'vitest';
import {
  findLeftovers,
  prunableCounts,
  savedRefGroup,
  type LeftoverFacts,
  type RefRow,
} from '../scripts/core/leftovers.js';
import { planCleanup, type CleanupFacts } from '../scripts/core/cleanup-plan.js';
import { buildStatusReport, renderStatus } from '../scripts/core/status-report.js';
import type { EndedSession } from '../scripts/core/history-records.js';

const NOW = new Date('2026-03-01T10:00:00Z');
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const row = (ref: string, commit = A, upstream: string | null = null, date = '2026-02-27T10:00:00Z'): RefRow => ({
  ref,
  commit,
  date,
  upstream,
});
const ended = (id: string, over: Partial<EndedSession> = {}): EndedSession => ({
  id,
  branch: `session/${id}`,
  strategy: 'abandon',
  head: A,
  base: { branch: 'main', commit: B },
  endedAt: '2026-01-15T10:00:00Z',
  ...over,
});

function facts(over: Partial<LeftoverFacts> = {}): LeftoverFacts {
  return {
    branchPrefix: 'session/',
    defaultBase: 'main',
    refs: [],
    registered: [],
    held: new Set(['refs/heads/main']),
    folderNames: new Set(),
    setupLogs: [],
    history: new Map(),
    mergedInto: new Map([['main', new Set<string>()]]),
    now: NOW,
    maxAgeDays: 30,
    ...over,
  };
}

describe('saved refs are grouped by the end that saved them', () => {
  it.each([
    ['refs/sessions/abandoned/x/20260115T100000Z', 'refs/sessions/abandoned/x/20260115T100000Z'],
    ['refs/sessions/abandoned/x/20260115T100000Z-worktree', 'refs/sessions/abandoned/x/20260115T100000Z'],
    ['refs/sessions/abandoned/x/20260115T100000Z-2-worktree', 'refs/sessions/abandoned/x/20260115T100000Z-2'],
    ['refs/sessions/abandoned/x/20260115T100000Z-again2-ignored', 'refs/sessions/abandoned/x/20260115T100000Z'],
    ['refs/sessions/abandoned/x/20260115T100000Z-nested/1/heads/main', 'refs/sessions/abandoned/x/20260115T100000Z'],
    ['refs/sessions/saved/x/20260115T100000Z-ignored', 'refs/sessions/saved/x/20260115T100000Z'],
    ['refs/sessions/odd/name', 'refs/sessions/odd/name'],
  ])('%s', (ref, base) => {
    expect(savedRefGroup(ref)?.base).toBe(base);
  });
});

describe('findLeftovers', () => {
  it('lists kept and pushed branches no session uses, with merged and upstream, and never one in use', () => {
    const found = findLeftovers(
      facts({
        refs: [
          row('refs/heads/main', B),
          row('refs/heads/session/kept', A),
          row('refs/heads/session/pushed', C, 'refs/remotes/origin/session/pushed'),
          row('refs/heads/session/live', A),
          row('refs/heads/session/checked-out', A),
          row('refs/heads/session/unregistered-worktree', A),
          row('refs/heads/feature', A),
          row('refs/heads/session/not/a-session', A),
        ],
        registered: [{ id: 'live', branch: 'session/live' }],
        held: new Set(['refs/heads/main', 'refs/heads/session/checked-out']),
        folderNames: new Set(['unregistered-worktree']),
        mergedInto: new Map([['main', new Set(['refs/heads/session/pushed'])]]),
        history: new Map([['kept', ended('kept', { strategy: 'keep', savedAs: 'refs/heads/session/kept' })]]),
      }),
    );
    expect(found.branches.map((b) => [b.branch, b.merged, b.upstream, b.endedAs, b.restore])).toEqual([
      ['session/kept', false, null, 'keep', 'session restore kept'],
      ['session/pushed', true, 'origin/session/pushed', null, null],
    ]);
  });

  it('groups saved refs per session and end, with their age, and says which may be pruned', () => {
    const found = findLeftovers(
      facts({
        refs: [
          row('refs/heads/main', B),
          row('refs/sessions/abandoned/old/20260101T100000Z', A),
          row('refs/sessions/abandoned/old/20260101T100000Z-worktree', C),
          row('refs/sessions/abandoned/old/20260225T100000Z', A),
          row('refs/sessions/abandoned/merged/20260226T100000Z', B),
          row('refs/sessions/abandoned/live/20260101T100000Z', A),
          row('refs/sessions/saved/fresh/20260228T100000Z-ignored', C),
        ],
        registered: [{ id: 'live', branch: 'session/live' }],
        mergedInto: new Map([['main', new Set(['refs/sessions/abandoned/merged/20260226T100000Z'])]]),
      }),
    );
    expect(
      found.savedRefs.map((s) => [
        s.session,
        s.inUse,
        s.refCount,
        s.sets.map((set) => [set.base.split('/').pop(), set.age, set.prune]),
      ]),
    ).toEqual([
      ['fresh', false, 1, [['20260228T100000Z', '24h ago', null]]],
      ['live', true, 1, [['20260101T100000Z', '59d ago', null]]],
      ['merged', false, 1, [['20260226T100000Z', '3d ago', 'merged']]],
      [
        'old',
        false,
        3,
        [
          ['20260101T100000Z', '59d ago', 'old'],
          ['20260225T100000Z', '4d ago', null],
        ],
      ],
    ]);
    expect(prunableCounts(found)).toEqual({ savedRefSets: 2, setupLogs: 0, branches: 0 });
  });

  it('lists setup logs of sessions that are gone, and the ended sessions restore can bring back', () => {
    const found = findLeftovers(
      facts({
        refs: [
          row('refs/heads/main', B),
          row('refs/sessions/abandoned/gone/20260115T100000Z', A),
          row('refs/heads/session/moved', C),
        ],
        registered: [{ id: 'live', branch: 'session/live' }],
        setupLogs: ['gone.setup.log', 'live.setup.log'],
        history: new Map([
          ['gone', ended('gone', { savedAs: 'refs/sessions/abandoned/gone/20260115T100000Z' })],
          ['pruned', ended('pruned', { savedAs: 'refs/sessions/abandoned/pruned/20260115T100000Z' })],
          ['merged', ended('merged', { strategy: 'merge' })],
          ['moved', ended('moved', { savedAs: 'refs/sessions/abandoned/moved/20260115T100000Z' })],
          ['live', ended('live', { savedAs: 'refs/heads/session/live' })],
        ]),
      }),
    );
    expect(found.setupLogs).toEqual([{ session: 'gone', file: 'gone.setup.log' }]);
    expect(found.restorable.map((r) => [r.session, r.command])).toEqual([['gone', 'session restore gone']]);
  });
});

describe('cleanup plans the leftovers', () => {
  const leftovers = findLeftovers(
    facts({
      refs: [
        row('refs/heads/main', B),
        row('refs/heads/session/done', B),
        row('refs/heads/session/unmerged', A, 'refs/remotes/origin/session/unmerged'),
        row('refs/sessions/abandoned/old/20260101T100000Z', A),
        row('refs/sessions/abandoned/old/20260101T100000Z-worktree', C),
        row('refs/sessions/abandoned/young/20260228T100000Z', A),
      ],
      setupLogs: ['old.setup.log'],
      mergedInto: new Map([['main', new Set(['refs/heads/session/done'])]]),
    }),
  );
  const world: CleanupFacts = {
    mainCheckout: '/r/p',
    sessionsDir: '/r/p-sessions',
    manifestPath: '/r/p-sessions/.manifest.json',
    corruptManifest: null,
    entries: [],
    unregistered: [],
    prunable: [],
    foreignLockedMissing: [],
    foreignPrunable: [],
    unreachablePrunable: [],
    interruptedMerge: null,
    interruptedLand: null,
    interruptedStartStep: null,
    checkWorktrees: [],
    remnants: [],
    strays: [],
    staleRefLocks: [],
    unclaimedRemovals: [],
    leftovers,
    now: NOW,
  };

  it('deletes a merged kept branch, prunes old saved refs and gone setup logs, and keeps an unmerged branch', () => {
    const plan = planCleanup(world);
    expect(plan.actions.map((a) => [a.kind, a.subject])).toEqual([
      ['delete-merged-branch', 'session/done'],
      ['prune-saved-refs', 'refs/sessions/abandoned/old/20260101T100000Z'],
      ['remove-setup-log', 'old.setup.log'],
    ]);
    expect(plan.actions[1]).toMatchObject({
      why: 'old',
      refs: [
        { ref: 'refs/sessions/abandoned/old/20260101T100000Z' },
        { ref: 'refs/sessions/abandoned/old/20260101T100000Z-worktree' },
      ],
    });
    expect(plan.kept).toEqual([expect.objectContaining({ subject: 'session/unmerged' })]);
    expect(plan.kept[0]!.reason).toContain('holds commits main lacks');
  });

  it('plans nothing for leftovers when the manifest is unusable', () => {
    expect(planCleanup({ ...world, leftovers: null }).actions).toEqual([]);
  });
});

describe('status shows the leftovers', () => {
  it('instead of only "No parallel sessions"', () => {
    const leftovers = findLeftovers(
      facts({
        refs: [
          row('refs/heads/main', B),
          row('refs/heads/session/kept', A, 'refs/remotes/origin/session/kept'),
          row('refs/sessions/abandoned/gone/20260101T100000Z', A),
        ],
        setupLogs: ['gone.setup.log'],
        history: new Map([
          [
            'gone',
            ended('gone', {
              savedAs: 'refs/sessions/abandoned/gone/20260101T100000Z',
              endedAt: '2026-01-01T10:00:00Z',
            }),
          ],
        ]),
      }),
    );
    const report = buildStatusReport({
      sessions: [],
      main: { path: '/r/p', branch: 'main', clean: true, changes: 0, untracked: 0, busy: null, startStashes: [] },
      sessionsDir: '/r/p-sessions',
      manifestPath: '/r/p-sessions/.manifest.json',
      otherWorktrees: [],
      problems: [],
      leftovers,
      config: {
        staleAfterDays: 3,
        behindWarningCommits: 10,
        sessionMode: 'ask',
        savedRefsMaxAgeDays: 30,
        agentIdleMinutes: 30,
      },
      now: NOW,
      currentWorktree: '/r/p',
    });
    expect(report.leftovers?.prunable).toEqual({ savedRefSets: 1, setupLogs: 1, branches: 0 });
    expect(renderStatus(report, { cwd: '/r/p' })).toMatchInlineSnapshot(`
      "- No parallel sessions (sessions folder: /r/p-sessions). Ended sessions left branches, saved refs or logs: see Leftovers below.
      - You are in the main checkout.

      Leftovers of ended sessions (kept, not lost; cleanup prunes only what is merged or older than 30 days, and only with --yes):

        BRANCH        MERGED     UPSTREAM             LAST COMMIT  ENDED AS
        session/kept  no (main)  origin/session/kept  2d ago       -

        SAVED REFS OF  ENDS  REFS  NEWEST   OLDEST   PRUNABLE
        gone              1     1  59d ago  59d ago  1 old
        (under refs/sessions/; list them with: git for-each-ref refs/sessions/)

        Files of ended sessions (setup and check logs, notice markers): gone.setup.log (1 file)

        Restore an ended session (branch, worktree, uncommitted work, goals, ports):
          gone (abandon at 2026-01-01T10:00:00Z): session restore gone

      Main checkout: /r/p on main, clean

      Next:
        - \`session cleanup\` shows which leftovers of ended sessions it would prune (merged, or saved over 30 days ago); \`session cleanup --yes\` prunes them.
        - \`session start <name>\` (or /dev-session.start) creates a parallel session, or \`session restore <name>\` brings back an ended one (listed above)."
    `);
  });
});
