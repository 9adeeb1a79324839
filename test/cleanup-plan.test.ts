import { describe, expect, it } from 'vitest';
import {
  corruptAsideName,
  planCleanup,
  sessionOfAction,
  type CleanupFacts,
  type EntryFacts,
  type UnregisteredFacts,
} from '../scripts/core/cleanup-plan.js';
import type { SessionEntry } from '../scripts/core/manifest-types.js';

const BASE = 'b'.repeat(40);
const TIP = 'c'.repeat(40);
const MAIN_TIP = 'd'.repeat(40);
const NOW = new Date('2026-01-15T10:00:00Z');

function entry(id: string, over: Partial<SessionEntry> = {}): SessionEntry {
  return {
    id,
    branch: `session/${id}`,
    worktree: `../p-sessions/${id}`,
    startedAt: '2026-01-10T10:00:00Z',
    sessionLog: null,
    goals: [],
    status: 'active',
    base: { branch: 'main', commit: BASE },
    ...over,
  };
}

function facts(id: string, over: Partial<EntryFacts> = {}, entryOver: Partial<SessionEntry> = {}): EntryFacts {
  return {
    entry: entry(id, entryOver),
    worktreePath: `/r/p-sessions/${id}`,
    folderExists: true,
    gitRecord: { locked: false, prunable: false, branch: `session/${id}` },
    branchTip: TIP,
    baseTip: MAIN_TIP,
    merged: false,
    work: [],
    startLeftovers: [],
    ownerAlive: true,
    foundSessionLog: null,
    trustProblems: [],
    busy: null,
    operationState: null,
    checkoutIncomplete: false,
    addUnfinished: false,
    aside: null,
    hollowed: null,
    marked: null,
    relinkFrom: null,
    staleLocks: [],
    logEdit: null,
    folderIsRemnant: false,
    strandedAdds: [],
    ...over,
  };
}

function unregistered(dirName: string, over: Partial<UnregisteredFacts> = {}): UnregisteredFacts {
  return {
    path: `/r/p-sessions/${dirName}`,
    storedPath: `../p-sessions/${dirName}`,
    dirName,
    branch: `session/${dirName}`,
    head: TIP,
    folderExists: true,
    locked: false,
    prunable: false,
    looksLikeSession: true,
    idTaken: false,
    baseBranch: 'main',
    baseTip: MAIN_TIP,
    mergeBase: BASE,
    merged: false,
    work: [],
    createdAt: '2026-01-12T09:00:00Z',
    sessionLog: null,
    envSession: null,
    ...over,
  };
}

function world(over: Partial<CleanupFacts> = {}): CleanupFacts {
  return {
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
    leftovers: null,
    now: NOW,
    ...over,
  };
}

const dead = { owner: { pid: 4242, host: 'here' } };

/** A land run that died holding the merge lock, its record and the state it left. */
function land(
  over: Partial<NonNullable<CleanupFacts['interruptedLand']>> = {},
): NonNullable<CleanupFacts['interruptedLand']> {
  return {
    checkout: '/r/p',
    lockFile: 'flight-rules-merge.lock',
    since: Date.parse('2026-01-15T09:59:00Z'),
    base: 'main',
    from: BASE,
    to: MAIN_TIP,
    mainAction: 'fast-forward',
    detached: null,
    headRef: 'refs/heads/main',
    head: MAIN_TIP,
    baseTip: MAIN_TIP,
    indexAtTo: false,
    ...over,
  };
}

/** [label, facts, expected action kinds with their essentials, expected kept subjects] */
const cases: Array<[string, CleanupFacts, unknown[], string[]]> = [
  ['a live session with work: nothing', world({ entries: [facts('live')] }), [], []],
  [
    'a fresh session at its base commit (trivially "in" main): nothing',
    world({ entries: [facts('fresh', { branchTip: BASE, merged: true })] }),
    [],
    [],
  ],
  [
    'an orphan whose branch is merged: drop entry, delete branch',
    world({ entries: [facts('gone', { folderExists: false, gitRecord: null, merged: true })] }),
    [
      {
        kind: 'drop-entry',
        strategy: 'cleanup-orphan',
        deleteBranch: { branch: 'session/gone', tip: TIP },
        keepBranch: null,
        removeWorktree: null,
      },
    ],
    [],
  ],
  [
    'an orphan with unmerged commits: drop entry, KEEP branch and say so',
    world({ entries: [facts('gone', { folderExists: false, gitRecord: null, merged: false })] }),
    [
      {
        kind: 'drop-entry',
        strategy: 'cleanup-orphan',
        deleteBranch: null,
        keepBranch: { branch: 'session/gone', tip: TIP },
      },
    ],
    ['session/gone'],
  ],
  [
    'an orphan whose base branch is gone: branch kept',
    world({ entries: [facts('gone', { folderExists: false, gitRecord: null, baseTip: null, merged: null })] }),
    [{ kind: 'drop-entry', deleteBranch: null, keepBranch: { branch: 'session/gone' } }],
    ['session/gone'],
  ],
  [
    'an orphan whose branch is gone too: drop entry only',
    world({ entries: [facts('gone', { folderExists: false, gitRecord: null, branchTip: null, merged: null })] }),
    [{ kind: 'drop-entry', deleteBranch: null, keepBranch: null }],
    [],
  ],
  [
    'a merged session with a clean worktree: remove it',
    world({ entries: [facts('done', { merged: true })] }),
    [
      {
        kind: 'drop-entry',
        strategy: 'cleanup-merged',
        removeWorktree: { path: '/r/p-sessions/done', checkoutOnly: false },
        deleteBranch: { branch: 'session/done', tip: TIP, baseTip: MAIN_TIP },
      },
    ],
    [],
  ],
  [
    'a merged session with uncommitted changes: kept',
    world({ entries: [facts('done', { merged: true, work: [' M src/a.js'] })] }),
    [],
    ['done'],
  ],
  [
    'a merged session whose worktree is locked: kept',
    world({
      entries: [facts('done', { merged: true, gitRecord: { locked: true, prunable: false, branch: 'session/done' } })],
    }),
    [],
    ['done'],
  ],
  [
    'an unregistered merged clean but locked worktree: registered, not removed',
    world({ unregistered: [unregistered('old', { merged: true, locked: true })] }),
    [{ kind: 'register' }],
    [],
  ],
  ['a folder that git does not know: kept', world({ entries: [facts('odd', { gitRecord: null })] }), [], ['odd']],
  [
    'an interrupted start, untouched, stub only: rolled back, letting its stub go',
    world({
      entries: [
        facts(
          'half',
          { branchTip: BASE, merged: true, ownerAlive: false, startLeftovers: ['docs/session_logs/x_half_session.md'] },
          { status: 'starting', ...dead },
        ),
      ],
    }),
    [
      {
        kind: 'drop-entry',
        strategy: 'cleanup-rollback-start',
        removeWorktree: { checkoutOnly: false, allowedLeftovers: ['docs/session_logs/x_half_session.md'] },
        deleteBranch: { tip: BASE, baseTip: MAIN_TIP },
      },
    ],
    [],
  ],
  [
    'an interrupted start whose base branch is gone: rolled back, but its branch kept',
    world({
      entries: [
        facts(
          'half',
          { branchTip: BASE, baseTip: null, merged: null, ownerAlive: false },
          { status: 'starting', ...dead },
        ),
      ],
    }),
    [
      {
        kind: 'drop-entry',
        strategy: 'cleanup-rollback-start',
        removeWorktree: { checkoutOnly: false },
        deleteBranch: null,
        keepBranch: { branch: 'session/half', tip: BASE },
      },
    ],
    ['session/half'],
  ],
  [
    'an interrupted start before the worktree existed: rolled back',
    world({
      entries: [
        facts(
          'half',
          { folderExists: false, gitRecord: null, branchTip: null, merged: null, ownerAlive: false, work: null },
          { status: 'starting', ...dead },
        ),
      ],
    }),
    [
      {
        kind: 'drop-entry',
        strategy: 'cleanup-rollback-start',
        removeWorktree: null,
        unfinishedAdd: null,
        deleteBranch: null,
      },
    ],
    [],
  ],
  [
    'an interrupted start whose git worktree add died before git listed it: its empty folder and git record go',
    world({
      entries: [
        facts(
          'half',
          {
            folderIsRemnant: true,
            gitRecord: null,
            branchTip: null,
            merged: null,
            ownerAlive: false,
            work: null,
            strandedAdds: ['/r/p/.git/worktrees/half'],
          },
          { status: 'starting', ...dead },
        ),
      ],
    }),
    [
      {
        kind: 'drop-entry',
        strategy: 'cleanup-rollback-start',
        removeWorktree: null,
        unfinishedAdd: { folder: '/r/p-sessions/half', adminDirs: ['/r/p/.git/worktrees/half'] },
        deleteBranch: null,
        keepBranch: null,
      },
    ],
    [],
  ],
  [
    'an interrupted start whose add died before it made the folder: git record goes',
    world({
      entries: [
        facts(
          'half',
          {
            folderExists: false,
            gitRecord: null,
            branchTip: null,
            merged: null,
            ownerAlive: false,
            work: null,
            strandedAdds: ['/r/p/.git/worktrees/half1'],
          },
          { status: 'starting', ...dead },
        ),
      ],
    }),
    [
      {
        kind: 'drop-entry',
        strategy: 'cleanup-rollback-start',
        unfinishedAdd: { folder: null, adminDirs: ['/r/p/.git/worktrees/half1'] },
      },
    ],
    [],
  ],
  [
    'an interrupted start with an empty folder git does not know, its branch moved: folder goes, branch kept',
    world({
      entries: [
        facts(
          'half',
          { folderIsRemnant: true, gitRecord: null, ownerAlive: false, work: null },
          { status: 'starting', ...dead },
        ),
      ],
    }),
    [
      {
        kind: 'drop-entry',
        strategy: 'cleanup-orphan',
        unfinishedAdd: { folder: '/r/p-sessions/half', adminDirs: [] },
        keepBranch: { branch: 'session/half', tip: TIP },
      },
    ],
    ['session/half'],
  ],
  [
    'an interrupted start whose folder git does not know holds files: kept',
    world({
      entries: [
        facts(
          'half',
          { gitRecord: null, branchTip: null, merged: null, ownerAlive: false, work: null },
          { status: 'starting', ...dead },
        ),
      ],
    }),
    [],
    ['half'],
  ],
  [
    'an interrupted start with work in it: promoted to active',
    world({
      entries: [
        facts(
          'half',
          {
            branchTip: BASE,
            ownerAlive: false,
            work: ['?? notes.txt'],
            foundSessionLog: 'docs/session_logs/x_half_session.md',
          },
          { status: 'starting', ...dead },
        ),
      ],
    }),
    [
      {
        kind: 'restore-active',
        fromStatus: 'starting',
        ownerPid: 4242,
        sessionLog: 'docs/session_logs/x_half_session.md',
      },
    ],
    [],
  ],
  [
    'an interrupted start whose branch moved: promoted to active',
    world({ entries: [facts('half', { ownerAlive: false }, { status: 'starting', ...dead })] }),
    [{ kind: 'restore-active', fromStatus: 'starting' }],
    [],
  ],
  [
    'a start still running: kept',
    world({ entries: [facts('busy', { ownerAlive: true }, { status: 'starting', ...dead })] }),
    [],
    ['busy'],
  ],
  [
    'a start on another host: kept',
    world({ entries: [facts('busy', { ownerAlive: null }, { status: 'starting', ...dead })] }),
    [],
    ['busy'],
  ],
  [
    'an interrupted end with its worktree: back to active',
    world({ entries: [facts('ending', { ownerAlive: false }, { status: 'ending', ...dead })] }),
    [{ kind: 'restore-active', fromStatus: 'ending', ownerPid: 4242 }],
    [],
  ],
  [
    'an interrupted end without its worktree: an orphan',
    world({
      entries: [
        facts(
          'ending',
          { ownerAlive: false, folderExists: false, gitRecord: null, merged: true },
          { status: 'ending', ...dead },
        ),
      ],
    }),
    [{ kind: 'drop-entry', strategy: 'cleanup-orphan', deleteBranch: { branch: 'session/ending' } }],
    [],
  ],
  [
    'an interrupted land whose base holds the session: its end is finished, recorded as landed',
    world({
      entries: [
        facts(
          'landing',
          { ownerAlive: false, merged: true },
          { status: 'ending', ...dead, landing: { base: 'main', from: BASE, at: '2026-01-15T09:59:00Z' } },
        ),
      ],
    }),
    [
      {
        kind: 'drop-entry',
        strategy: 'land',
        removeWorktree: { path: '/r/p-sessions/landing', checkoutOnly: false },
        deleteBranch: { branch: 'session/landing', tip: TIP, baseTip: MAIN_TIP },
      },
    ],
    [],
  ],
  [
    'an interrupted land before its base moved: forgotten, back to active',
    world({
      entries: [
        facts(
          'landing',
          { ownerAlive: false, merged: false },
          { status: 'ending', ...dead, landing: { base: 'main', from: BASE, at: '2026-01-15T09:59:00Z' } },
        ),
      ],
    }),
    [{ kind: 'restore-active', fromStatus: 'ending', ownerPid: 4242 }],
    [],
  ],
  [
    'an interrupted land whose base holds it, but with something written in its worktree since: back to active, for its owner',
    world({
      entries: [
        facts(
          'landing',
          { ownerAlive: false, merged: true, work: ['?? late.txt'] },
          { status: 'ending', ...dead, landing: { base: 'main', from: BASE, at: '2026-01-15T09:59:00Z' } },
        ),
      ],
    }),
    [{ kind: 'restore-active', fromStatus: 'ending' }],
    [],
  ],
  [
    'an interrupted land after its worktree was removed: dropped, recorded as landed',
    world({
      entries: [
        facts(
          'landing',
          { ownerAlive: false, merged: true, folderExists: false, gitRecord: null },
          { status: 'ending', ...dead, landing: { base: 'main', from: BASE, at: '2026-01-15T09:59:00Z' } },
        ),
      ],
    }),
    [{ kind: 'drop-entry', strategy: 'land', removeWorktree: null, deleteBranch: { branch: 'session/landing' } }],
    [],
  ],
  [
    'a dead land run cut short in a fast-forward of the main checkout: finished, its lock with it',
    world({
      interruptedLand: land({ mainAction: 'fast-forward', indexAtTo: false }),
      strays: [{ name: '/r/p/.git/flight-rules-merge.lock', pid: 4242, ownerAlive: false }],
    }),
    [{ kind: 'finish-interrupted-land', fastForward: { base: 'main', from: BASE, to: MAIN_TIP }, reattach: null }],
    [],
  ],
  [
    'a dead land run whose fast-forward had finished: only its stale lock goes',
    world({
      interruptedLand: land({ mainAction: 'fast-forward', indexAtTo: true }),
      strays: [{ name: '/r/p/.git/flight-rules-merge.lock', pid: 4242, ownerAlive: false }],
    }),
    [{ kind: 'remove-stray-file', file: '/r/p/.git/flight-rules-merge.lock' }],
    [],
  ],
  [
    'a dead land run that detached the main checkout before the base moved: put back on the base',
    world({
      interruptedLand: land({
        mainAction: 'detach',
        headRef: null,
        head: BASE,
        baseTip: BASE,
        detached: { base: 'main', at: BASE },
        indexAtTo: null,
      }),
    }),
    [{ kind: 'finish-interrupted-land', fastForward: null, reattach: { base: 'main', at: BASE } }],
    [],
  ],
  [
    'a dead land run that detached the main checkout and moved the base: left detached, with the command that brings it up',
    world({
      interruptedLand: land({
        mainAction: null,
        from: null,
        to: null,
        headRef: null,
        head: BASE,
        baseTip: MAIN_TIP,
        detached: { base: 'main', at: BASE },
        indexAtTo: null,
      }),
    }),
    [],
    ['/r/p'],
  ],
  [
    'the scratch worktree of a land run that is gone: removed',
    world({ checkWorktrees: [{ path: '/r/p-sessions/.land-check-4242', registered: true, folderExists: true }] }),
    [{ kind: 'remove-check-worktree', path: '/r/p-sessions/.land-check-4242' }],
    [],
  ],
  [
    'an orphan locked in git: unlock-and-prune, then drop',
    world({
      entries: [
        facts('locked', {
          folderExists: false,
          gitRecord: { locked: true, prunable: false, branch: 'session/locked' },
        }),
      ],
    }),
    [
      { kind: 'unlock-and-prune', path: '/r/p-sessions/locked' },
      { kind: 'drop-entry', keepBranch: { branch: 'session/locked' } },
    ],
    ['session/locked'],
  ],
  [
    'prunable records: one prune',
    world({
      prunable: [
        { path: '/r/p-sessions/x', reason: 'gitdir file points to non-existent location' },
        { path: '/elsewhere/y', reason: null },
      ],
    }),
    [{ kind: 'prune-worktree-records', paths: ['/r/p-sessions/x', '/elsewhere/y'] }],
    [],
  ],
  [
    'a locked missing record outside the sessions folder: kept',
    world({ foreignLockedMissing: ['/mnt/usb/wt'] }),
    [],
    ['/mnt/usb/wt'],
  ],
  [
    'an unregistered session worktree: registered',
    world({ unregistered: [unregistered('lost', { sessionLog: 'docs/session_logs/20260112_0900_lost_session.md' })] }),
    [
      {
        kind: 'register',
        entry: {
          id: 'lost',
          branch: 'session/lost',
          worktree: '../p-sessions/lost',
          startedAt: '2026-01-12T09:00:00Z',
          sessionLog: 'docs/session_logs/20260112_0900_lost_session.md',
          goals: [],
          status: 'active',
          base: { branch: 'main', commit: BASE },
        },
      },
    ],
    [],
  ],
  [
    'an unregistered merged clean worktree: removed',
    world({ unregistered: [unregistered('old', { merged: true })] }),
    [{ kind: 'remove-worktree', path: '/r/p-sessions/old', branch: 'session/old', tip: TIP, baseTip: MAIN_TIP }],
    [],
  ],
  [
    'an unregistered merged but dirty worktree: registered, not removed',
    world({ unregistered: [unregistered('old', { merged: true, work: ['?? wip.txt'] })] }),
    [{ kind: 'register' }],
    [],
  ],
  [
    'an unregistered worktree that is not a session: kept',
    world({ unregistered: [unregistered('tool', { looksLikeSession: false, branch: 'feature/x' })] }),
    [],
    ['/r/p-sessions/tool'],
  ],
  [
    'an unregistered worktree whose id is taken: kept',
    world({ unregistered: [unregistered('dup', { idTaken: true })] }),
    [],
    ['/r/p-sessions/dup'],
  ],
  [
    'an unregistered worktree with no base: kept',
    world({ unregistered: [unregistered('nobase', { mergeBase: null })] }),
    [],
    ['/r/p-sessions/nobase'],
  ],
  [
    'an unregistered locked record with its folder gone: unlock-and-prune',
    world({ unregistered: [unregistered('gone', { folderExists: false, locked: true })] }),
    [{ kind: 'unlock-and-prune', path: '/r/p-sessions/gone' }],
    [],
  ],
  [
    'an end killed after moving the worktree aside: moved back (before any prune), then active',
    world({
      entries: [
        facts(
          't8',
          {
            ownerAlive: false,
            folderExists: false,
            gitRecord: null,
            aside: { path: '/r/p-sessions/.t8.removing-7', hasGit: true },
          },
          { status: 'ending', ...dead },
        ),
      ],
    }),
    [
      { kind: 'move-back', id: 't8', aside: '/r/p-sessions/.t8.removing-7', path: '/r/p-sessions/t8' },
      { kind: 'restore-active', id: 't8', fromStatus: 'ending' },
    ],
    [],
  ],
  [
    'a cleanup killed after moving an active session aside: moved back, still active',
    world({
      entries: [
        facts('t1', {
          folderExists: false,
          gitRecord: null,
          aside: { path: '/r/p-sessions/.t1.removing-7', hasGit: true },
        }),
      ],
    }),
    [{ kind: 'move-back', id: 't1' }],
    [],
  ],
  [
    'a removal killed after its mark: finished, never moved back; the entry goes, its unmerged branch kept',
    world({
      entries: [
        facts(
          't5',
          {
            ownerAlive: false,
            folderExists: false,
            gitRecord: null,
            aside: { path: '/r/p-sessions/.t5.removing-7', hasGit: false },
            marked: '/r/p-sessions/.t5.removing-7',
          },
          { status: 'ending', ...dead },
        ),
      ],
    }),
    [
      { kind: 'finish-removal', id: 't5', folder: '/r/p-sessions/.t5.removing-7' },
      { kind: 'drop-entry', keepBranch: { branch: 'session/t5' } },
    ],
    ['session/t5'],
  ],
  [
    'a caller-folder removal killed after its mark: the doomed folder finished, the empty folders left removed',
    world({
      entries: [
        facts(
          't6',
          {
            ownerAlive: false,
            folderExists: false,
            gitRecord: null,
            merged: true,
            aside: { path: '/r/p-sessions/.t6.removing-7', hasGit: false },
            hollowed: { path: '/r/p-sessions/.t6.removed-7', hasGit: true },
            marked: '/r/p-sessions/.t6.removed-7',
          },
          { status: 'ending', ...dead },
        ),
      ],
    }),
    [
      { kind: 'finish-removal', folder: '/r/p-sessions/.t6.removed-7' },
      { kind: 'remove-remnants', paths: ['/r/p-sessions/.t6.removing-7'] },
      { kind: 'drop-entry', deleteBranch: { branch: 'session/t6' } },
    ],
    [],
  ],
  [
    'moved aside, but the folder holds files again: kept, nothing moved',
    world({
      entries: [
        facts(
          't7',
          { ownerAlive: false, gitRecord: null, aside: { path: '/r/p-sessions/.t7.removing-7', hasGit: true } },
          { status: 'ending', ...dead },
        ),
      ],
    }),
    [],
    ['t7'],
  ],
  [
    'a move back cut short before git heard of it: relinked, then active',
    world({
      entries: [
        facts(
          't9',
          { ownerAlive: false, gitRecord: null, relinkFrom: '/r/p-sessions/.t9.removing-7' },
          { status: 'ending', ...dead },
        ),
      ],
    }),
    [
      { kind: 'relink-worktree', path: '/r/p-sessions/t9' },
      { kind: 'restore-active', id: 't9' },
    ],
    [],
  ],
  [
    'a sync killed with git holding locks: the locks go first, then the stopped rebase, then the log, then active',
    world({
      entries: [
        facts(
          's1',
          {
            ownerAlive: false,
            operationState: 'stopped',
            staleLocks: [{ path: '/r/p/.git/worktrees/s1/index.lock', mtimeMs: 1, ino: 2 }],
            logEdit: { path: 'docs/session_logs/x_s1_session.md', digest: 'd', text: 'before' },
          },
          {
            status: 'syncing',
            ...dead,
            operation: { kind: 'rebase', before: TIP, onto: MAIN_TIP, at: '2026-01-15T09:59:00.000Z' },
          },
        ),
      ],
    }),
    [
      { kind: 'remove-git-locks', id: 's1' },
      { kind: 'back-out-operation', id: 's1' },
      { kind: 'undo-log-edit', id: 's1', text: 'before' },
      { kind: 'restore-active', id: 's1' },
    ],
    [],
  ],
  [
    'a sync killed as its merge wrote files: those files go back, then active',
    world({
      entries: [
        facts(
          's2',
          { ownerAlive: false, operationState: 'half-checkout', work: [' M src/a.js'] },
          {
            status: 'syncing',
            ...dead,
            operation: { kind: 'merge', before: TIP, onto: MAIN_TIP, at: '2026-01-15T09:59:00.000Z' },
          },
        ),
      ],
    }),
    [
      { kind: 'back-out-operation', id: 's2' },
      { kind: 'restore-active', id: 's2' },
    ],
    [],
  ],
  [
    "a sync killed with someone else's operation in its worktree: kept",
    world({
      entries: [
        facts(
          's3',
          {
            ownerAlive: false,
            busy: {
              operation: 'merge',
              checkout: '/r/p-sessions/s3',
              what: 'a merge is in progress',
              finish: ['x'],
              abort: ['git merge --abort'],
            },
          },
          {
            status: 'syncing',
            ...dead,
            operation: { kind: 'merge', before: TIP, onto: MAIN_TIP, at: '2026-01-15T09:59:00.000Z' },
          },
        ),
      ],
    }),
    [],
    ['s3'],
  ],
  [
    'git lock files a dead step left in the repository: removed first',
    world({ staleRefLocks: [{ path: '/r/p/.git/packed-refs.lock', mtimeMs: 1, ino: 2 }] }),
    [{ kind: 'remove-git-locks', id: null }],
    [],
  ],
  [
    'a marked removal no entry claims: finished',
    world({ unclaimedRemovals: [{ folder: '/r/p-sessions/.old.removing-9', folderExists: true }] }),
    [{ kind: 'finish-removal', id: null, folder: '/r/p-sessions/.old.removing-9' }],
    [],
  ],
  [
    "the dead merge's own lock is not also a stray file",
    world({
      interruptedMerge: {
        checkout: '/r/p',
        theirs: TIP,
        lockFile: 'flight-rules-merge.lock',
        mergeHead: null,
        indexLock: true,
        headIsBefore: true,
        theirsInHead: false,
        since: 0,
      },
      strays: [{ name: '/r/p/.git/flight-rules-merge.lock', pid: 9, ownerAlive: false }],
    }),
    [{ kind: 'finish-interrupted-merge' }],
    [],
  ],
  [
    "stray files: only dead owners' are removed",
    world({
      strays: [
        { name: '.manifest.json.11.ab.tmp', pid: 11, ownerAlive: false },
        { name: '.manifest.json.lock.12.cd.stale', pid: 12, ownerAlive: true },
      ],
    }),
    [{ kind: 'remove-stray-file', file: '.manifest.json.11.ab.tmp' }],
    [],
  ],
];

describe('planCleanup', () => {
  it.each(cases)('%s', (_label, input, expectedActions, expectedKept) => {
    const plan = planCleanup(input);
    expect(plan.actions).toHaveLength(expectedActions.length);
    plan.actions.forEach((action, i) => expect(action).toMatchObject(expectedActions[i] as object));
    expect(plan.kept.map((item) => item.subject)).toEqual(expectedKept);
    for (const action of plan.actions) expect(action.reason.length).toBeGreaterThan(10);
    for (const item of plan.kept) expect(item.next.length).toBeGreaterThan(10);
  });

  it('never plans to delete a branch that is not already in its base', () => {
    const inputs = cases.map(([, input]) => input);
    for (const input of inputs) {
      for (const action of planCleanup(input).actions) {
        if (action.kind !== 'drop-entry' || !action.deleteBranch) continue;
        const source = input.entries.find((f) => f.entry.id === action.entry.id)!;
        expect(source.merged).toBe(true);
        expect(action.deleteBranch).toMatchObject({ tip: source.branchTip, baseTip: source.baseTip });
      }
    }
  });

  it('says how to finish a kept branch', () => {
    const plan = planCleanup(world({ entries: [facts('gone', { folderExists: false, gitRecord: null })] }));
    expect(plan.kept[0]!.reason).toContain('holds commits main lacks');
    expect(plan.kept[0]!.next).toContain('git branch -d session/gone');
    expect(plan.kept[0]!.next).toContain('git worktree add /r/p-sessions/gone session/gone');
  });

  it.each([
    [{}, 'its start is in progress (process 7 on vm)'],
    [
      { restoredFrom: { strategy: 'abandon', endedAt: '2026-01-15T10:00:00Z', savedAs: 'refs/sessions/x' } },
      'its restore is in progress (process 7 on vm)',
    ],
  ])('says which step is still running: %j', (over, reason) => {
    const owner = { pid: 7, host: 'vm' };
    const plan = planCleanup(
      world({ entries: [facts('busy', { ownerAlive: true }, { status: 'starting', owner, ...over })] }),
    );
    expect(plan.kept.map((item) => item.reason)).toEqual([reason]);
  });

  it.each([
    [{ commit: 'a'.repeat(40), session: 'cut' }, ['stash aaaaaaaaaaaa']],
    [null, []],
  ])("names the stash of a start killed in the main checkout's part, and only that: %j", (stash, subjects) => {
    const plan = planCleanup(world({ interruptedStartStep: { checkout: '/r/p', since: 0, stash } }));
    expect(plan.kept.map((item) => item.subject)).toEqual(subjects);
    expect(plan.actions).toEqual([]);
    if (stash) expect(plan.kept[0]!.next).toContain('git -C /r/p stash pop');
  });

  it('orders actions: strays, rebuild, unlock, prune, restore, register, drops, removals', () => {
    const plan = planCleanup(
      world({
        entries: [
          facts('gone', {
            folderExists: false,
            gitRecord: { locked: true, prunable: false, branch: null },
            merged: true,
          }),
          facts('ending', { ownerAlive: false }, { status: 'ending', ...dead }),
        ],
        unregistered: [unregistered('lost'), unregistered('old', { merged: true })],
        prunable: [{ path: '/r/p-sessions/z', reason: null }],
        strays: [{ name: '.manifest.json.lock.9.ab.tmp', pid: 9, ownerAlive: false }],
      }),
    );
    expect(plan.actions.map((a) => a.kind)).toEqual([
      'remove-stray-file',
      'unlock-and-prune',
      'prune-worktree-records',
      'restore-active',
      'register',
      'drop-entry',
      'remove-worktree',
    ]);
  });

  it("a session's steps are ordered so that each stands on the one before", () => {
    const plan = planCleanup(
      world({
        entries: [
          facts(
            't8',
            {
              ownerAlive: false,
              folderExists: false,
              gitRecord: null,
              aside: { path: '/r/p-sessions/.t8.removing-7', hasGit: true },
            },
            { status: 'ending', ...dead },
          ),
        ],
        prunable: [{ path: '/r/p-sessions/other', reason: null }],
      }),
    );
    expect(plan.actions.map((a) => [a.kind, sessionOfAction(a)])).toEqual([
      ['move-back', 't8'],
      ['prune-worktree-records', null],
      ['restore-active', 't8'],
    ]);
  });

  it('rebuilds a corrupt manifest from the session-like worktrees only', () => {
    const plan = planCleanup(
      world({
        corruptManifest: { problem: 'it is not valid JSON' },
        entries: [],
        unregistered: [
          unregistered('one'),
          unregistered('two', { sessionLog: 'docs/session_logs/y_two_session.md' }),
          unregistered('tool', { looksLikeSession: false, branch: 'feature/x' }),
          unregistered('gone', { folderExists: false }),
        ],
      }),
    );
    const rebuild = plan.actions.find((a) => a.kind === 'rebuild-manifest');
    if (rebuild?.kind !== 'rebuild-manifest') throw new Error('no rebuild planned');
    expect(rebuild.aside).toBe('/r/p-sessions/.manifest.json.corrupt-20260115T100000Z');
    expect(rebuild.sessions.map((s) => [s.id, s.sessionLog, s.base.commit])).toEqual([
      ['one', null, BASE],
      ['two', 'docs/session_logs/y_two_session.md', BASE],
    ]);
    expect(plan.kept.map((k) => k.subject)).toEqual(['/r/p-sessions/tool']);
  });

  it('names the aside file after the time, sortably', () => {
    expect(corruptAsideName('/x/.manifest.json', new Date('2026-03-04T05:06:07.890Z'))).toBe(
      '/x/.manifest.json.corrupt-20260304T050607Z',
    );
  });
});
