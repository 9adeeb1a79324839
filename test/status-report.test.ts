import { describe, expect, it } from 'vitest';
import { buildStatusReport, renderStatus, type ReportInput } from '../scripts/core/status-report.js';
import type { SessionFacts } from '../scripts/core/session-state.js';

const NOW = new Date('2026-01-15T10:00:00Z');

function facts(id: string, overrides: Partial<SessionFacts> = {}): SessionFacts {
  return {
    id,
    entry: {
      id,
      branch: `session/${id}`,
      worktree: `../p-sessions/${id}`,
      startedAt: '2026-01-15T08:00:00Z',
      sessionLog: `docs/session_logs/${id}_session.md`,
      goals: [`Goal ${id}`],
      status: 'active',
      base: { branch: 'main', commit: 'a'.repeat(40) },
    },
    worktreePath: `/r/p-sessions/${id}`,
    folderExists: true,
    knownToGit: true,
    locked: false,
    lockedReason: null,
    prunable: false,
    prunableReason: null,
    ownerAlive: null,
    branch: `session/${id}`,
    branchTip: 'b'.repeat(40),
    lastCommitDate: '2026-01-15T09:30:00Z',
    baseBranch: 'main',
    baseTip: 'c'.repeat(40),
    ahead: 1,
    behind: 0,
    uncommittedFiles: [],
    committedFiles: [],
    merge: { clean: true, conflicts: [] },
    mergeNote: null,
    problems: [],
    trustProblems: [],
    busy: null,
    setupOwner: null,
    agent: null,
    agentClient: null,
    state: 'active',
    ...overrides,
  };
}

function input(sessions: SessionFacts[], currentWorktree: string | null = '/r/p'): ReportInput {
  return {
    currentWorktree,
    sessions,
    main: { path: '/r/p', branch: 'main', clean: false, changes: 2, untracked: 0, busy: null, startStashes: [] },
    sessionsDir: '/r/p-sessions',
    manifestPath: '/r/p-sessions/.manifest.json',
    otherWorktrees: [{ path: '/r/p/.claude/worktrees/x', branch: 'worktree-x' }],
    problems: [],
    config: {
      staleAfterDays: 3,
      behindWarningCommits: 10,
      sessionMode: 'ask',
      savedRefsMaxAgeDays: 30,
      agentIdleMinutes: 30,
    },
    leftovers: null,
    now: NOW,
  };
}

describe('buildStatusReport and renderStatus', () => {
  it.each([
    ['/r/p', { session: null, mainCheckout: true }, '- You are in the main checkout.'],
    ['/r/p-sessions/web', { session: 'web', mainCheckout: false }, '- You are in session "web" (its worktree).'],
    [null, { session: null, mainCheckout: false }, null],
  ] as const)('says where it runs from %s', (currentWorktree, here, line) => {
    const report = buildStatusReport(input([facts('web')], currentWorktree));
    expect(report.here).toEqual(here);
    const text = renderStatus(report, { cwd: '/r/p' });
    if (line) expect(text).toContain(line);
    else expect(text).not.toContain('You are in');
  });

  it.each([
    [[], []],
    [
      [{ ref: 'stash@{0}', commit: 'a'.repeat(40), session: 'web' }],
      [
        '- stash@{0} (aaaaaaaaaaaa) holds the uncommitted changes the start of "web" set aside here; put them back with: git -C /r/p stash pop \'stash@{0}\'',
      ],
    ],
    [
      [
        { ref: 'stash@{0}', commit: 'b'.repeat(40), session: 'api' },
        { ref: 'stash@{2}', commit: 'c'.repeat(40), session: 'web' },
      ],
      [
        '- stash@{0} (bbbbbbbbbbbb) holds the uncommitted changes the start of "api" set aside here; put them back with: git -C /r/p stash pop \'stash@{0}\'',
        '- stash@{2} (cccccccccccc) holds the uncommitted changes the start of "web" set aside here; put them back with: git -C /r/p stash pop \'stash@{2}\'',
      ],
    ],
  ])('names each stash a start made of the main checkout, under its line (%j)', (startStashes, lines) => {
    const base = input([facts('web')]);
    const text = renderStatus(buildStatusReport({ ...base, main: { ...base.main!, startStashes } }), { cwd: '/r/p' });
    const after = text.split('\n');
    const at = after.findIndex((line) => line.startsWith('Main checkout: /r/p on main'));
    expect(after.slice(at + 1).filter((line) => line.includes('stash'))).toEqual(lines);
  });

  it('sorts by id, shows ports, degrades merge prediction with a note, and counts overlaps among live sessions only', () => {
    const withPort = facts('web', { committedFiles: ['a.ts'] });
    (withPort.entry as any).port = { base: 3100, count: 10 };
    const sessions = [
      withPort,
      facts('api', {
        committedFiles: ['a.ts'],
        merge: null,
        mergeNote: 'conflict prediction needs git 2.38 or newer (merge-tree --write-tree)',
        behind: 3,
      }),
      facts('gone', { folderExists: false, state: 'orphaned', committedFiles: ['a.ts'] }),
      facts('crash', {
        state: 'interrupted',
        entry: { ...facts('crash').entry!, status: 'starting', owner: { pid: 7, host: 'h' } },
        ownerAlive: false,
      }),
    ];
    const report = buildStatusReport(input(sessions));
    expect(report.sessions.map((s) => [s.id, s.state, s.overlaps])).toEqual([
      ['api', 'active', [{ file: 'a.ts', sessions: ['web'] }]],
      ['crash', 'interrupted', []],
      ['gone', 'orphaned', []],
      ['web', 'active', [{ file: 'a.ts', sessions: ['api'] }]],
    ]);
    expect(report.next[0]).toContain('session cleanup');
    expect(renderStatus(report, { cwd: '/r/p' })).toMatchInlineSnapshot(`
      "! 4 parallel sessions, 4 needing attention (sessions folder: /r/p-sessions)
      - You are in the main checkout.

      SESSION  STATE        BASE  AHEAD/BEHIND  DIRTY  LAST COMMIT  STARTED  MERGE  OVERLAPS  PORT       GOALS
      api      active       main  +1/-3             0  30m ago      2h ago   ?      1 (web)   -          Goal api
      crash    interrupted  main  +1/-0             0  30m ago      2h ago   clean  -         -          Goal crash
      gone     orphaned     main  +1/-0             0  30m ago      2h ago   clean  -         -          Goal gone
      web      active       main  +1/-0             0  30m ago      2h ago   clean  1 (api)   3100-3109  Goal web

      SESSION  BRANCH         WORKTREE                      SESSION LOG
      api      session/api    /r/p-sessions/api             docs/session_logs/api_session.md
      crash    session/crash  /r/p-sessions/crash           docs/session_logs/crash_session.md
      gone     session/gone   /r/p-sessions/gone (missing)  docs/session_logs/gone_session.md
      web      session/web    /r/p-sessions/web             docs/session_logs/web_session.md

      Needs attention:
      ! api: 1 file also changed by web: a.ts. Run \`session overlap api\` for predicted conflicts and a merge order.
      ! crash: an interrupted start left this entry (owner pid 7 is gone). Run \`session cleanup\` to see the plan, then \`session cleanup --yes\`. It finishes or rolls back the interrupted step.
      ! gone: the worktree /r/p-sessions/gone is gone (its branch remains). Run \`session cleanup\` to see the plan, then \`session cleanup --yes\`.
      ! web: 1 file also changed by api: a.ts. Run \`session overlap web\` for predicted conflicts and a merge order.
      - Merge predictions skipped: conflict prediction needs git 2.38 or newer (merge-tree --write-tree).

      To work in a session, open a new terminal and run:
        api: cd /r/p-sessions/api && claude
        web: cd /r/p-sessions/web && claude
      - Other worktree (not a session): .claude/worktrees/x on worktree-x

      Main checkout: /r/p on main, dirty: 2 changed files

      Next:
        - \`session cleanup\` shows how it would resolve the orphaned, interrupted, merged or unregistered sessions; \`session cleanup --yes\` does it.
        - \`session overlap\` predicts conflicts between sessions and suggests a merge order."
    `);
  });
});
