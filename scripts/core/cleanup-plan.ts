/**
 * What `session cleanup` will do, decided from gathered facts alone. Every action says why;
 * everything it will not touch is listed with the reason and the next step. The rules that
 * keep work safe live here: a branch is deleted only when its tip is already in its base, a
 * worktree is removed only when it holds no session work, a corrupt manifest is moved aside.
 */
import { isoSeconds, shortSha } from './format.js';
import { helper } from '../lib/invocation.js';
import type { SessionEntry, SessionOperation } from './manifest-types.js';
import type { Busy } from './busy.js';
import { commandLine } from '../lib/shell-words.js';
import { classifySession, type SessionState } from './session-state.js';
import { ENV_SESSION_FILE, parseEnvSessionPort } from './env-session.js';
import type { Leftovers } from './leftovers.js';
import type { OwnOperationState } from './interrupted-edits.js';
import { catchUpAdvice } from './land-plan.js';

/** One manifest entry and what git and the file system say about it. */
export interface EntryFacts {
  entry: SessionEntry;
  /** Absolute. */
  worktreePath: string;
  folderExists: boolean;
  /** git's record of a worktree at that path, if it has one. */
  gitRecord: { locked: boolean; prunable: boolean; branch: string | null } | null;
  branchTip: string | null;
  baseTip: string | null;
  /** The branch tip is already in the base branch; null when either is missing. */
  merged: boolean | null;
  /** Uncommitted session work (formatted status lines); null when the folder is missing or is not a worktree. */
  work: string[] | null;
  /** For an interrupted start: the files that start itself wrote (the session log stub), found untracked. */
  startLeftovers: string[];
  /** For starting/ending: whether the owner still runs; null when it runs on another host (not checkable). */
  ownerAlive: boolean | null;
  /** A session log found in the worktree, for an entry that has none yet. */
  foundSessionLog: string | null;
  /** Why the entry cannot be trusted; such an entry is reported and never acted on. */
  trustProblems: string[];
  /** An operation under way in the worktree. */
  busy: Busy | null;
  /** How far the rebase or merge the entry recorded got, when what git holds is provably that one. */
  operationState: OwnOperationState | null;
  /** The worktree's checkout never finished (no index yet, or an index.lock left by a killed checkout). */
  checkoutIncomplete: boolean;
  /**
   * git's record of the worktree still bears the marks of a `git worktree add` that never finished, on the entry's
   * branch (core/worktree-list.ts, unfinishedAddOn): nothing was put in the worktree after it, by start or restore.
   */
  addUnfinished: boolean;
  /**
   * What an interrupted end left of the worktree it was removing: the folder it had moved it to
   * (`.<id>.removing-<pid>`), and the folder it had moved its contents to while leaving the caller's
   * folder in place (`.<id>.removed-<pid>`); each with whether it still holds the worktree's .git.
   */
  aside: { path: string; hasGit: boolean } | null;
  hollowed: { path: string; hasGit: boolean } | null;
  /** The folder (the worktree's, or one of those two) an end or cleanup had marked as all saved before git removed it, its process gone since. */
  marked: string | null;
  /** The folder is a worktree whose record in git names another folder that is gone (a move cut short): the path that record names. */
  relinkFrom: string | null;
  /** git lock files a killed step of this session left in its worktree's git dir. */
  staleLocks: LockFileFacts[];
  /** The session log holds only a line or note a killed sync or keep wrote and never committed: what it was before. */
  logEdit: { path: string; digest: string; text: string } | null;
  /** The worktree's folder is there but holds nothing but empty folders and no .git: the end had removed it and left the folder for its caller's shell. */
  folderIsRemnant: boolean;
  /**
   * For an interrupted start: git's admin folders of its `git worktree add`, killed before git could list the
   * worktree (git/worktrees.ts, strandedAdds). They hold only the add's lock, which stops git pruning them.
   */
  strandedAdds: string[];
}

/** A git worktree inside the sessions folder that no manifest entry claims. */
export interface UnregisteredFacts {
  path: string;
  /** As the manifest stores it: relative to the main checkout. */
  storedPath: string;
  dirName: string;
  /** Short branch name, null when detached. */
  branch: string | null;
  head: string | null;
  folderExists: boolean;
  locked: boolean;
  prunable: boolean;
  /** On `<branchPrefix><dirName>` with a valid session name, directly inside the sessions folder. */
  looksLikeSession: boolean;
  /** Another manifest entry already uses this id. */
  idTaken: boolean;
  baseBranch: string | null;
  baseTip: string | null;
  mergeBase: string | null;
  merged: boolean | null;
  work: string[] | null;
  /** ISO time the worktree was created (its .git file's mtime). */
  createdAt: string;
  sessionLog: string | null;
  /** The worktree's .env.session, which still knows the session's port block. */
  envSession: string | null;
}

export interface LockFileFacts {
  path: string;
  mtimeMs: number;
  ino: number;
}

export interface StrayFileFacts {
  /** File name inside the sessions folder. */
  name: string;
  pid: number;
  ownerAlive: boolean;
}

export interface CleanupFacts {
  mainCheckout: string;
  sessionsDir: string;
  manifestPath: string;
  /** Null when the manifest is readable (or missing). */
  corruptManifest: { problem: string } | null;
  entries: EntryFacts[];
  unregistered: UnregisteredFacts[];
  /** git records anywhere that `git worktree prune` would remove. */
  prunable: { path: string; reason: string | null }[];
  /** Locked records outside the sessions folder whose folder is missing: not ours to unlock. */
  foreignLockedMissing: string[];
  /** Prunable records outside the sessions folder: never pruned, reported. */
  foreignPrunable: { path: string; reason: string | null }[];
  /** Prunable session records whose HEAD no ref reaches: pruning would lose those commits. */
  unreachablePrunable: { path: string; head: string }[];
  /** Folders directly in the sessions folder that are empty (but for empty folders), belong to no worktree or entry, and were left by an end (for the shell that stood in them) or by a removal cut short. */
  remnants: string[];
  /**
   * A land run whose process died holding the merge lock, as the lock records it: the landing
   * under way (its base, from, to, and what it did to the main checkout) and the main checkout's
   * HEAD it had detached; with where the main checkout and the base stand now.
   */
  interruptedLand: {
    checkout: string;
    lockFile: string;
    since: number;
    base: string | null;
    from: string | null;
    to: string | null;
    mainAction: 'fast-forward' | 'detach' | null;
    detached: { base: string; at: string } | null;
    /** The branch the checkout's HEAD is on (full ref), or null when detached. */
    headRef: string | null;
    head: string | null;
    baseTip: string | null;
    /** For a fast-forward whose base moved: whether the checkout's index is at the new commit already; null when not asked. */
    indexAtTo: boolean | null;
  } | null;
  /**
   * A start whose process died holding the merge lock, in the main checkout's part of its work (its status, its
   * stash or commit): since when, and the stash it made of the uncommitted changes, if it got that far.
   */
  interruptedStartStep: { checkout: string; since: number; stash: { commit: string; session: string } | null } | null;
  /** Scratch worktrees of land runs whose process is gone. */
  checkWorktrees: { path: string; registered: boolean; folderExists: boolean }[];
  /** A merge this pack ran in a checkout, left stopped by its dead process (the merge lock records it). */
  interruptedMerge: {
    checkout: string;
    theirs: string;
    lockFile: string;
    mergeHead: string | null;
    indexLock: boolean;
    headIsBefore: boolean;
    theirsInHead: boolean;
    since: number;
  } | null;
  strays: StrayFileFacts[];
  /** git lock files in the common git dir made while a step of ours ran whose process is gone. */
  staleRefLocks: LockFileFacts[];
  /** Folders in the sessions folder marked as all saved before their removal, which no entry claims, their process gone. */
  unclaimedRemovals: { folder: string; folderExists: boolean }[];
  /** What ended sessions left (kept branches, saved refs, setup logs); null when the manifest is unusable. */
  leftovers: Leftovers | null;
  now: Date;
}

export type HistoryStrategy = 'cleanup-orphan' | 'cleanup-merged' | 'cleanup-rollback-start' | 'land';
export type TransientStatus = 'starting' | 'ending' | 'syncing';

/** A `git worktree add` killed part way that git dies on (git/worktrees.ts, unreadableAdds). */
export interface UnreadableAddFacts {
  adminDir: string;
  /** Its worktree folder, while it holds nothing but the add's `.git` file; null otherwise. */
  folder: string | null;
}

export type CleanupAction =
  | { kind: 'remove-unreadable-add'; subject: string; reason: string; adminDir: string; folder: string | null }
  | { kind: 'remove-stray-file'; subject: string; reason: string; file: string }
  | { kind: 'rebuild-manifest'; subject: string; reason: string; aside: string; sessions: SessionEntry[] }
  | { kind: 'unlock-and-prune'; subject: string; reason: string; path: string }
  | { kind: 'prune-worktree-records'; subject: string; reason: string; paths: string[] }
  | {
      kind: 'restore-active';
      subject: string;
      reason: string;
      id: string;
      fromStatus: TransientStatus;
      ownerPid: number;
      sessionLog: string | null;
    }
  | {
      kind: 'move-back';
      subject: string;
      reason: string;
      id: string;
      aside: string;
      hollowed: string | null;
      path: string;
    }
  | { kind: 'finish-removal'; subject: string; reason: string; id: string | null; folder: string }
  | { kind: 'relink-worktree'; subject: string; reason: string; id: string; path: string }
  | { kind: 'remove-git-locks'; subject: string; reason: string; id: string | null; locks: LockFileFacts[] }
  | {
      kind: 'undo-log-edit';
      subject: string;
      reason: string;
      id: string;
      worktree: string;
      path: string;
      digest: string;
      text: string;
    }
  | { kind: 'remove-remnants'; subject: string; reason: string; paths: string[] }
  | {
      kind: 'back-out-operation';
      subject: string;
      reason: string;
      id: string;
      path: string;
      branch: string;
      operation: SessionOperation;
    }
  | {
      kind: 'finish-interrupted-merge';
      subject: string;
      reason: string;
      checkout: string;
      theirs: string;
      lockFile: string;
    }
  | {
      kind: 'finish-interrupted-land';
      subject: string;
      reason: string;
      checkout: string;
      lockFile: string;
      /** Bring the main checkout's index and files from `from` to `to`, where its branch already is. */
      fastForward: { base: string; from: string; to: string } | null;
      /** Put the main checkout's HEAD back on `base`, which did not move from the commit it was detached at. */
      reattach: { base: string; at: string } | null;
    }
  | { kind: 'remove-check-worktree'; subject: string; reason: string; path: string }
  | { kind: 'register'; subject: string; reason: string; entry: SessionEntry }
  | {
      kind: 'drop-entry';
      subject: string;
      reason: string;
      entry: SessionEntry;
      strategy: HistoryStrategy;
      /**
       * `checkoutOnly`: an interrupted start's worktree whose checkout never finished: nothing in
       * it was ever handed to anyone, so it goes forced. Otherwise it goes the safe way (moved aside,
       * its stock taken, refused if it holds work), with `allowedLeftovers` (start's own stub) let go.
       */
      removeWorktree: { path: string; checkoutOnly: boolean; allowedLeftovers: string[] } | null;
      /**
       * What a start's `git worktree add` killed before git could list the worktree left: its folder (empty, or
       * holding only empty folders; null when it was never made) and git's admin folders for it (EntryFacts.strandedAdds).
       */
      unfinishedAdd: { folder: string | null; adminDirs: string[] } | null;
      deleteBranch: { branch: string; tip: string; baseTip: string } | null;
      keepBranch: { branch: string; tip: string } | null;
    }
  | {
      kind: 'remove-worktree';
      subject: string;
      reason: string;
      path: string;
      branch: string;
      tip: string;
      baseTip: string;
    }
  | {
      kind: 'delete-merged-branch';
      subject: string;
      reason: string;
      session: string;
      branch: string;
      tip: string;
      base: string;
    }
  | {
      kind: 'prune-saved-refs';
      subject: string;
      reason: string;
      session: string;
      set: string;
      refs: Array<{ ref: string; commit: string }>;
      why: 'merged' | 'old';
      base: string | null;
    }
  | { kind: 'remove-setup-log'; subject: string; reason: string; session: string; file: string };

export interface KeptItem {
  subject: string;
  reason: string;
  next: string;
}

export interface CleanupPlan {
  actions: CleanupAction[];
  kept: KeptItem[];
}

/**
 * git's stale locks go first (an abort needs HEAD.lock gone); what was moved aside comes back,
 * or its marked removal is finished, before any record is pruned (the record may be that
 * worktree's); an operation is backed out before its session is handed back.
 */
export const ACTION_ORDER: CleanupAction['kind'][] = [
  'remove-unreadable-add',
  'remove-git-locks',
  'finish-interrupted-merge',
  'finish-interrupted-land',
  'remove-check-worktree',
  'remove-stray-file',
  'rebuild-manifest',
  'finish-removal',
  'move-back',
  'relink-worktree',
  'remove-remnants',
  'unlock-and-prune',
  'prune-worktree-records',
  'back-out-operation',
  'undo-log-edit',
  'restore-active',
  'register',
  'drop-entry',
  'remove-worktree',
  'delete-merged-branch',
  'prune-saved-refs',
  'remove-setup-log',
];

/** The session an action works on, when it is one: a later action on it waits for the earlier ones to succeed. */
export function sessionOfAction(action: CleanupAction): string | null {
  switch (action.kind) {
    case 'move-back':
    case 'relink-worktree':
    case 'back-out-operation':
    case 'undo-log-edit':
    case 'restore-active':
      return action.id;
    case 'finish-removal':
    case 'remove-git-locks':
      return action.id;
    case 'drop-entry':
      return action.entry.id;
    default:
      return null;
  }
}

const short = shortSha;
const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** `.manifest.json.corrupt-20260115T100000Z`: sortable, and never the name of a live file. */
export function corruptAsideName(manifestPath: string, now: Date): string {
  return `${manifestPath}.corrupt-${isoSeconds(now).replace(/[-:]/g, '')}`;
}

/**
 * While git cannot list the worktrees, nothing else can be planned: an add git dies on goes first, and the rest of
 * the plan is made once git reads them again.
 */
export function planUnreadableAdds(adds: readonly UnreadableAddFacts[]): CleanupAction[] {
  return adds.map((add) => ({
    kind: 'remove-unreadable-add',
    subject: add.adminDir,
    reason: "a git worktree add killed part way left it half written, and git fails on it; it holds no one's work",
    adminDir: add.adminDir,
    folder: add.folder,
  }));
}

export function planCleanup(facts: CleanupFacts): CleanupPlan {
  const actions: CleanupAction[] = [];
  const kept: KeptItem[] = [];

  const merge = facts.interruptedMerge;
  if (merge) planInterruptedMerge(merge, actions, kept);
  const land = facts.interruptedLand ? planInterruptedLand(facts.interruptedLand, actions, kept) : null;
  const stashed = facts.interruptedStartStep?.stash;
  if (stashed) {
    // Left as it is: the main checkout may hold some of those changes still, or new ones since.
    kept.push({
      subject: `stash ${short(stashed.commit)}`,
      reason: `the interrupted start of "${stashed.session}" put the main checkout's uncommitted changes there and died before it said so`,
      next: `To have them back in the main checkout: ${commandLine(['git', '-C', facts.interruptedStartStep!.checkout, 'stash', 'pop'])} (if git refuses for files that hold those changes still, restore those files first: ${commandLine(['git', '-C', facts.interruptedStartStep!.checkout, 'restore', '--', '<file>...'])}).`,
    });
  }
  for (const check of facts.checkWorktrees) {
    actions.push({
      kind: 'remove-check-worktree',
      subject: check.path,
      reason: `the scratch worktree of a land run that is gone; it held only a candidate merge and what its check made`,
      path: check.path,
    });
  }
  if (facts.staleRefLocks.length > 0) {
    actions.push({
      kind: 'remove-git-locks',
      subject: 'the repository',
      reason: `git lock files a killed step of this pack left in the repository (${facts.staleRefLocks.map((lock) => lock.path).join(', ')}); removed once no git could still hold them`,
      id: null,
      locks: facts.staleRefLocks,
    });
  }
  for (const removal of facts.unclaimedRemovals) {
    actions.push({
      kind: 'finish-removal',
      subject: removal.folder,
      reason: `a removal cut short of a worktree that no session claims any more, after everything in it was saved or committed; the removal is finished`,
      id: null,
      folder: removal.folder,
    });
  }
  for (const stray of facts.strays) {
    // The dead merge's (or land's) lock goes with that merge, once it is backed out.
    if (
      stray.ownerAlive ||
      (merge && baseName(stray.name) === baseName(merge.lockFile)) ||
      (land && baseName(stray.name) === baseName(land))
    )
      continue;
    actions.push({
      kind: 'remove-stray-file',
      subject: stray.name,
      reason: `left by process ${stray.pid}, which is no longer running`,
      file: stray.name,
    });
  }

  if (facts.corruptManifest) {
    planRebuild(facts, actions, kept);
  } else {
    for (const entryFacts of facts.entries) planEntry(entryFacts, actions, kept);
    for (const worktree of facts.unregistered) planUnregistered(worktree, actions, kept);
  }

  const unlocked = new Set<string>();
  for (const worktree of facts.corruptManifest
    ? facts.unregistered
    : [...facts.unregistered, ...facts.entries.map(entryAsRecord)]) {
    if (worktree.locked && !worktree.folderExists && !unlocked.has(worktree.path)) {
      unlocked.add(worktree.path);
      actions.push({
        kind: 'unlock-and-prune',
        subject: worktree.path,
        reason: 'git keeps a locked record for it, but its folder is gone',
        path: worktree.path,
      });
    }
  }
  for (const path of facts.foreignLockedMissing) {
    kept.push({
      subject: path,
      reason:
        'locked in git and its folder is missing, but it lies outside the sessions folder, so the lock may be deliberate (e.g. removable media)',
      next: `If it is truly gone: ${commandLine(['git', 'worktree', 'unlock', path])} && ${commandLine(['git', 'worktree', 'remove', path])}`,
    });
  }
  for (const record of facts.foreignPrunable) {
    kept.push({
      subject: record.path,
      reason: `git's record of a worktree outside the sessions folder whose folder is gone${record.reason ? ` (${record.reason})` : ''}; cleanup leaves worktrees that are not sessions alone`,
      next: `If it was moved: ${commandLine(['git', 'worktree', 'repair', '<its new path>'])}. If it is truly gone and holds nothing you need: ${commandLine(['git', 'worktree', 'remove', record.path])}`,
    });
  }
  for (const record of facts.unreachablePrunable) {
    kept.push({
      subject: record.path,
      reason: `git's record of a session worktree whose folder is gone, but its HEAD ${short(record.head)} is on no branch or ref, so removing the record would lose those commits`,
      next: `Keep them on a branch first (${commandLine(['git', 'branch', '<name>', record.head])}), then run \`${helper('cleanup')}\` again.`,
    });
  }
  if (facts.remnants.length > 0) {
    actions.push({
      kind: 'remove-remnants',
      subject: facts.remnants.join(', '),
      reason:
        'empty folders an end left in the sessions folder (for the shell that stood in them); only empty folders are removed',
      paths: facts.remnants,
    });
  }
  if (facts.prunable.length > 0) {
    actions.push({
      kind: 'prune-worktree-records',
      subject: facts.prunable.map((record) => record.path).join(', '),
      reason: `git lists ${facts.prunable.length} session worktree record(s) whose folder is gone; each record is removed by itself (\`git worktree remove\`), and only those`,
      paths: facts.prunable.map((record) => record.path),
    });
  }

  if (facts.leftovers) planLeftovers(facts.leftovers, facts.sessionsDir, actions, kept);

  actions.sort((a, b) => ACTION_ORDER.indexOf(a.kind) - ACTION_ORDER.indexOf(b.kind));
  return { actions, kept };
}

/**
 * What ended sessions left: a kept branch goes only when its base holds every commit (and it
 * is listed as kept otherwise); a set of saved refs when its base holds all of them or it is
 * older than the configured age; a setup log of a session that is gone. Nothing of a session
 * that is registered or has a folder is touched.
 */
function planLeftovers(leftovers: Leftovers, sessionsDir: string, actions: CleanupAction[], kept: KeptItem[]): void {
  for (const branch of leftovers.branches) {
    if (branch.merged === true && branch.base) {
      actions.push({
        kind: 'delete-merged-branch',
        subject: branch.branch,
        reason: `no session uses it any more${branch.endedAs ? ` (it ended with ${branch.endedAs})` : ''}, and ${branch.base} holds every commit of it`,
        session: branch.session,
        branch: branch.branch,
        tip: branch.tip,
        base: branch.base,
      });
      continue;
    }
    const why =
      branch.merged === null
        ? `its base ${branch.base ?? '(unknown)'} cannot be compared with`
        : `it holds commits ${branch.base} lacks`;
    kept.push({
      subject: branch.branch,
      reason: `a branch no session uses any more${branch.upstream ? `, pushed to ${branch.upstream}` : ', not pushed'}; ${why}, so it is not deleted`,
      next: branch.restore
        ? `To work on it again: \`${branch.restore}\`. To finish it: merge it into ${branch.base ?? 'its base'} (or open a PR), then cleanup deletes it.`
        : `To work on it again: ${commandLine(['git', 'worktree', 'add', `${sessionsDir}/${branch.session}`, branch.branch])}, then \`${helper('cleanup --yes')}\` registers it. To finish it: merge it (or open a PR), then cleanup deletes it.`,
    });
  }
  for (const session of leftovers.savedRefs) {
    for (const set of session.sets) {
      if (!set.prune) continue;
      actions.push({
        kind: 'prune-saved-refs',
        subject: set.base,
        reason:
          set.prune === 'merged'
            ? `saved when "${session.session}" ended (${set.age}); ${session.base} holds every commit of it`
            : `saved when "${session.session}" ended, ${set.age}, more than ${leftovers.maxAgeDays} days ago`,
        session: session.session,
        set: set.base,
        refs: set.refs,
        why: set.prune,
        base: session.base,
      });
    }
  }
  for (const log of leftovers.setupLogs) {
    actions.push({
      kind: 'remove-setup-log',
      subject: log.file,
      reason: `${log.file.endsWith('.heard') ? 'the land-notice marker' : log.file.endsWith('.check.log') ? 'the land-check log' : 'the setup log'} of "${log.session}", which is no longer a session`,
      session: log.session,
      file: log.file,
    });
  }
}

function entryAsRecord(facts: EntryFacts) {
  return { path: facts.worktreePath, locked: facts.gitRecord?.locked ?? false, folderExists: facts.folderExists };
}

const STEP: Record<TransientStatus, string> = { starting: 'start', ending: 'end', syncing: 'sync' };
const stepOf = (entry: SessionEntry) =>
  entry.landing && entry.status === 'ending'
    ? 'land'
    : entry.restoredFrom && entry.status === 'starting'
      ? 'restore'
      : STEP[entry.status as TransientStatus];

function planInterruptedMerge(
  merge: NonNullable<CleanupFacts['interruptedMerge']>,
  actions: CleanupAction[],
  kept: KeptItem[],
): void {
  // Stopped before its commit (HEAD where it was), or killed after it (the commit made, MERGE_HEAD not yet removed).
  const ours = merge.mergeHead === merge.theirs && (merge.headIsBefore || merge.theirsInHead);
  if (merge.mergeHead !== null && !ours) {
    kept.push({
      subject: merge.checkout,
      reason: `a merge of ${short(merge.mergeHead)} is in progress there, which is not the one this pack's dead process was making (${short(merge.theirs)})`,
      next: `Finish or abort it yourself (${commandLine(['git', '-C', merge.checkout, 'merge', '--abort'])}), then run \`${helper('cleanup')}\` again.`,
    });
    return;
  }
  const what = [
    ours
      ? merge.theirsInHead
        ? `the state of a merge of ${short(merge.theirs)} that had committed`
        : `a stopped merge of ${short(merge.theirs)}`
      : null,
    merge.indexLock ? 'an index.lock' : null,
  ]
    .filter(Boolean)
    .join(' and ');
  actions.push({
    kind: 'finish-interrupted-merge',
    subject: merge.checkout,
    reason: `a merge into it was interrupted (its process is gone)${what ? `, leaving ${what}` : ''}; it is backed out, so the checkout is as before the merge`,
    checkout: merge.checkout,
    theirs: merge.theirs,
    lockFile: merge.lockFile,
  });
}

/**
 * What a dead land run left of the main checkout: a fast-forward whose branch moved but whose
 * files had not all come along is finished; a HEAD it detached for a base that then did not
 * move is put back on the base; one detached for a base that did move stays, with the command
 * that brings it up. Returns the lock file when an action takes care of it.
 */
function planInterruptedLand(
  land: NonNullable<CleanupFacts['interruptedLand']>,
  actions: CleanupAction[],
  kept: KeptItem[],
): string | null {
  const onBase = land.base !== null && land.headRef === `refs/heads/${land.base}`;
  const fastForward =
    land.mainAction === 'fast-forward' &&
    land.from &&
    land.to &&
    onBase &&
    land.baseTip === land.to &&
    land.indexAtTo === false
      ? { base: land.base!, from: land.from, to: land.to }
      : null;
  const detachedHere = land.detached !== null && land.headRef === null && land.head === land.detached.at;
  const reattach = detachedHere && land.baseTip === land.detached!.at ? land.detached : null;
  if (detachedHere && !reattach) {
    kept.push({
      subject: land.checkout,
      reason: `a land run left its HEAD detached at ${short(land.detached!.at)}, the old ${land.detached!.base}, with its files and changes as they were, and ${land.detached!.base} has moved on since`,
      next: catchUpAdvice(land.checkout, land.detached!.base, land.detached!.at),
    });
  }
  if (!fastForward && !reattach) return null;
  actions.push({
    kind: 'finish-interrupted-land',
    subject: land.checkout,
    reason: fastForward
      ? `a land run was interrupted after it moved ${fastForward.base} to ${short(fastForward.to)} and before the main checkout's files had all come along; the fast-forward is finished`
      : `a land run was interrupted after it detached the main checkout's HEAD and before ${reattach!.base} moved; the checkout goes back on ${reattach!.base}, where it was`,
    checkout: land.checkout,
    lockFile: land.lockFile,
    fastForward,
    reattach,
  });
  return land.lockFile;
}

/** The entry's state by the one session-health classifier (session-state.ts) that status and start use too. */
export function entryState(facts: EntryFacts): SessionState {
  return classifySession({
    entry: facts.entry,
    folderExists: facts.folderExists,
    knownToGit: facts.gitRecord !== null,
    locked: facts.gitRecord?.locked ?? false,
    prunable: facts.gitRecord?.prunable ?? false,
    ownerAlive: facts.entry.status === 'active' ? null : facts.ownerAlive,
    branchTip: facts.branchTip,
    ahead: facts.merged === true ? 0 : facts.merged === false ? 1 : null,
    uncommitted: facts.work?.length ?? null,
    trustProblems: facts.trustProblems,
    busy: facts.busy,
  });
}

function planEntry(facts: EntryFacts, actions: CleanupAction[], kept: KeptItem[]): void {
  const { entry } = facts;
  const state = entryState(facts);
  switch (state) {
    case 'untrusted':
      kept.push({
        subject: entry.id,
        reason: `its manifest entry disagrees with git or the layout (${facts.trustProblems.join('; ')}), so cleanup does not act on it`,
        next: `Fix or remove that entry in the manifest by hand; \`${helper('status')}\` shows what git knows.`,
      });
      return;
    case 'starting':
    case 'ending':
    case 'syncing': {
      const who = entry.owner ? `process ${entry.owner.pid} on ${entry.owner.host}` : 'an unknown process';
      kept.push({
        subject: entry.id,
        reason: `its ${stepOf(entry)} is in progress (${who})`,
        next: `Wait for it to finish, then run \`${helper('cleanup')}\` again.`,
      });
      return;
    }
    default:
      break;
  }
  if (state === 'interrupted' && facts.staleLocks.length > 0) {
    actions.push({
      kind: 'remove-git-locks',
      subject: entry.id,
      reason: `git lock files its killed ${stepOf(entry)} left (${facts.staleLocks.map((lock) => lock.path).join(', ')}); removed once no git could still hold them`,
      id: entry.id,
      locks: facts.staleLocks,
    });
  }
  // A removal of its worktree that was cut short comes first, whoever ran it (an end, or a cleanup).
  if (facts.marked || facts.aside || facts.hollowed) return planCutRemoval(facts, state, actions, kept);
  if (facts.relinkFrom) {
    actions.push({
      kind: 'relink-worktree',
      subject: entry.id,
      reason: `its worktree is back at ${facts.worktreePath}, but git's record still names ${facts.relinkFrom} (a move was cut short); git is told where it is`,
      id: entry.id,
      path: facts.worktreePath,
    });
    if (state === 'interrupted')
      actions.push(
        restoreActive(facts, `${interruptedStep(entry)} and its worktree is still there, so it goes back to active`),
      );
    return;
  }
  switch (state) {
    case 'interrupted':
      return entry.status === 'starting'
        ? planInterruptedStart(facts, actions, kept)
        : planInterruptedStep(facts, actions, kept);
    case 'orphaned':
    case 'prunable':
      if (!facts.folderExists)
        return planDrop(facts, actions, kept, `orphaned: its worktree folder ${facts.worktreePath} is missing`);
      kept.push({
        subject: entry.id,
        reason: `its folder ${facts.worktreePath} exists but git does not list it as a worktree`,
        next: `Look inside it; if it is a moved worktree run ${commandLine(['git', 'worktree', 'repair', facts.worktreePath])}.`,
      });
      return;
    default:
      break;
  }
  if (facts.busy) return; // the user's own operation: status reports it, cleanup leaves it alone
  const tip = facts.branchTip;
  if (!tip || !facts.baseTip || !facts.merged || tip === entry.base.commit) return; // live work, nothing to do
  if (state === 'locked') {
    kept.push({
      subject: entry.id,
      reason: `its branch ${entry.branch} is merged into ${entry.base.branch}, but its worktree is locked in git`,
      next: `If the lock is no longer needed: ${commandLine(['git', 'worktree', 'unlock', facts.worktreePath])}, then run \`${helper('cleanup')}\` again.`,
    });
    return;
  }
  if (facts.work === null || facts.work.length > 0) {
    kept.push({
      subject: entry.id,
      reason: `its branch ${entry.branch} is merged into ${entry.base.branch}, but its worktree has uncommitted changes: ${(facts.work ?? ['(unreadable)']).join(', ')}`,
      next: `Commit or discard them in ${facts.worktreePath}, then run \`${helper('cleanup')}\` again, or end it with \`${helper(`end ${entry.id} --strategy merge`)}\` once they are committed.`,
    });
    return;
  }
  actions.push({
    kind: 'drop-entry',
    subject: entry.id,
    reason: `its branch ${entry.branch} (${short(tip)}) is already merged into ${entry.base.branch} and its worktree is clean`,
    entry,
    strategy: 'cleanup-merged',
    removeWorktree: { path: facts.worktreePath, checkoutOnly: false, allowedLeftovers: [] },
    unfinishedAdd: null,
    deleteBranch: { branch: entry.branch, tip, baseTip: facts.baseTip },
    keepBranch: null,
  });
}

/** A session a land was ending when it died, whose base holds it: its history says it landed. */
function landedStrategy(facts: EntryFacts): HistoryStrategy | undefined {
  return facts.entry.landing && facts.merged === true ? 'land' : undefined;
}

/** "its end was interrupted (process 42 is gone)", or for an active entry, what cut its removal short. */
function interruptedStep(entry: SessionEntry): string {
  return entry.status === 'active'
    ? 'a removal of its worktree was cut short (its process is gone)'
    : `its ${stepOf(entry)} was interrupted (process ${entry.owner?.pid} is gone)`;
}

function restoreActive(facts: EntryFacts, reason: string): CleanupAction {
  const { entry } = facts;
  return {
    kind: 'restore-active',
    subject: entry.id,
    reason,
    id: entry.id,
    fromStatus: entry.status as TransientStatus,
    ownerPid: entry.owner?.pid ?? 0,
    sessionLog: entry.status === 'starting' ? (entry.sessionLog ?? facts.foundSessionLog) : null,
  };
}

/**
 * A removal of the worktree that its process (an end, or a cleanup) did not finish. Marked as
 * all saved: git's removal is finished and the entry goes. Not marked: the folder moved aside
 * goes back, and the session is handed back. Only empty folders are ever removed beside.
 */
function planCutRemoval(facts: EntryFacts, state: SessionState, actions: CleanupAction[], kept: KeptItem[]): void {
  const { entry } = facts;
  const dead = interruptedStep(entry);
  const leftovers = (except: string | null) =>
    [facts.aside?.path, facts.hollowed?.path, facts.folderIsRemnant ? facts.worktreePath : null].filter(
      (path): path is string => Boolean(path) && path !== except,
    );
  if (facts.marked) {
    actions.push({
      kind: 'finish-removal',
      subject: entry.id,
      reason: `${dead} while git removed ${facts.marked}, after everything in it was saved or committed; the removal is finished`,
      id: entry.id,
      folder: facts.marked,
    });
    const empty = leftovers(facts.marked);
    if (empty.length > 0)
      actions.push({
        kind: 'remove-remnants',
        subject: entry.id,
        reason: `the empty folders that removal of "${entry.id}" left (only empty folders are removed)`,
        paths: empty,
      });
    return planDrop(
      facts,
      actions,
      kept,
      `${dead} while removing its worktree`,
      entry.status === 'starting' ? 'cleanup-rollback-start' : (landedStrategy(facts) ?? 'cleanup-orphan'),
    );
  }
  const recoverable = facts.aside !== null && (facts.aside.hasGit || facts.hollowed?.hasGit === true);
  if (recoverable && (!facts.folderExists || facts.folderIsRemnant)) {
    actions.push({
      kind: 'move-back',
      subject: entry.id,
      reason: `${dead} after it moved the worktree aside to ${facts.aside!.path}${facts.hollowed?.hasGit ? ` (its files to ${facts.hollowed.path})` : ''}; it goes back to ${facts.worktreePath}`,
      id: entry.id,
      aside: facts.aside!.path,
      hollowed: facts.hollowed ? facts.hollowed.path : null,
      path: facts.worktreePath,
    });
    if (state === 'interrupted' && entry.landing && facts.merged === true) {
      // Its base holds it: the landing was done, and its end goes on, from the worktree put back, the safe way again.
      return planDrop(
        facts,
        actions,
        kept,
        `its land was interrupted (process ${entry.owner?.pid} is gone) after ${entry.landing.base} took it in; once its worktree is back, its end is finished`,
        'land',
        {
          path: facts.worktreePath,
          checkoutOnly: false,
          allowedLeftovers: [],
        },
      );
    }
    if (state === 'interrupted')
      actions.push(restoreActive(facts, `${dead} and its worktree is back, so it goes back to active`));
    return;
  }
  if (recoverable) {
    kept.push({
      subject: entry.id,
      reason: `${dead}: its worktree was moved aside to ${facts.aside!.path}, but ${facts.worktreePath} holds files again`,
      next: `Look at both folders and keep what you need in one of them, then run \`${helper('cleanup')}\` again.`,
    });
    return;
  }
  // Neither holds a worktree any more: git's removal had finished, and only empty folders can be left.
  const empty = leftovers(null);
  if (empty.length > 0)
    actions.push({
      kind: 'remove-remnants',
      subject: entry.id,
      reason: `what an interrupted removal of "${entry.id}"'s worktree left (everything in it was saved or committed first); only empty folders are removed`,
      paths: empty,
    });
  if (!facts.folderExists || facts.folderIsRemnant)
    return planDrop(facts, actions, kept, `${dead} after its worktree was removed`, landedStrategy(facts));
}

/** An end or sync whose process died with the worktree in place: back out its own operation, undo its log line, hand the session back. */
function planInterruptedStep(facts: EntryFacts, actions: CleanupAction[], kept: KeptItem[]): void {
  const { entry } = facts;
  const dead = interruptedStep(entry);
  if (!facts.folderExists)
    return planDrop(facts, actions, kept, `${dead} after its worktree was removed`, landedStrategy(facts));
  if (
    entry.landing &&
    facts.merged === true &&
    facts.gitRecord &&
    facts.work?.length === 0 &&
    !facts.busy &&
    !entry.operation
  ) {
    // The base holds it: the landing was done, only its end was cut short. That end is finished.
    return planDrop(
      facts,
      actions,
      kept,
      `its land was interrupted (process ${entry.owner?.pid} is gone) after ${entry.landing.base} took it in; its end is finished`,
      'land',
      {
        path: facts.worktreePath,
        checkoutOnly: false,
        allowedLeftovers: [],
      },
    );
  }
  if (entry.operation && facts.busy && !facts.operationState) {
    kept.push({
      subject: entry.id,
      reason: `${dead}, and ${facts.busy.what} in its worktree, which is not the ${entry.operation.kind} it started`,
      next: `Finish or abort it yourself (${facts.busy.abort.join('; ')}), then run \`${helper('cleanup')}\` again.`,
    });
    return;
  }
  if (entry.operation && facts.operationState) {
    const what = {
      stopped: `that ${entry.operation.kind} is aborted, which puts ${entry.branch} back at ${short(entry.operation.before)}`,
      unbegun: `it had not begun, so only its state files go and ${entry.branch} stays at ${short(entry.operation.before)}`,
      'half-checkout': `the files it had begun to write are put back, and ${entry.branch} stays at ${short(entry.operation.before)}`,
      committed: 'it had been committed, so only the merge state it left is forgotten',
    }[facts.operationState];
    actions.push({
      kind: 'back-out-operation',
      subject: entry.id,
      reason: `${dead} in the middle of its ${entry.operation.kind}; ${what}`,
      id: entry.id,
      path: facts.worktreePath,
      branch: entry.branch,
      operation: entry.operation,
    });
  }
  if (facts.logEdit) {
    actions.push({
      kind: 'undo-log-edit',
      subject: entry.id,
      reason: `${dead} after it wrote its line into the session log ${facts.logEdit.path} and before it committed it; the log goes back to what it was`,
      id: entry.id,
      worktree: facts.worktreePath,
      path: facts.logEdit.path,
      digest: facts.logEdit.digest,
      text: facts.logEdit.text,
    });
  }
  actions.push(restoreActive(facts, `${dead} and its worktree is still there, so it goes back to active`));
}

/**
 * Drop the entry (removing its worktree first when asked); delete the branch only when its
 * tip is in the current base, else keep it and say how to finish it.
 */
function planDrop(
  facts: EntryFacts,
  actions: CleanupAction[],
  kept: KeptItem[],
  reason: string,
  strategy: HistoryStrategy = 'cleanup-orphan',
  removeWorktree: Extract<CleanupAction, { kind: 'drop-entry' }>['removeWorktree'] = null,
  unfinishedAdd: Extract<CleanupAction, { kind: 'drop-entry' }>['unfinishedAdd'] = null,
): void {
  const { entry } = facts;
  const tip = facts.branchTip;
  const canDelete = tip !== null && facts.baseTip !== null && facts.merged === true;
  const keepBranch = tip !== null && !canDelete ? { branch: entry.branch, tip } : null;
  actions.push({
    kind: 'drop-entry',
    subject: entry.id,
    reason: `${reason}; ${tip === null ? `its branch ${entry.branch} no longer exists` : canDelete ? `its branch ${entry.branch} holds nothing ${entry.base.branch} lacks` : `its branch ${entry.branch} is kept`}`,
    entry,
    strategy,
    removeWorktree,
    unfinishedAdd,
    deleteBranch: canDelete ? { branch: entry.branch, tip: tip!, baseTip: facts.baseTip! } : null,
    keepBranch,
  });
  if (keepBranch) {
    const baseNote =
      facts.baseTip === null
        ? `its base ${entry.base.branch} no longer exists`
        : `it holds commits ${entry.base.branch} lacks`;
    kept.push({
      subject: entry.branch,
      reason: `branch of "${entry.id}" at ${short(keepBranch.tip)}: ${baseNote}, so it is not deleted`,
      next: `To resume it: ${commandLine(['git', 'worktree', 'add', facts.worktreePath, entry.branch])}, then \`${helper('cleanup --yes')}\` registers it again. To finish it: merge it into ${entry.base.branch} (or open a PR), then ${commandLine(['git', 'branch', '-d', entry.branch])}.`,
    });
  }
}

function planInterruptedStart(facts: EntryFacts, actions: CleanupAction[], kept: KeptItem[]): void {
  const { entry } = facts;
  const dead = `its ${stepOf(entry)} was interrupted (process ${entry.owner?.pid} is gone)`;
  const tip = facts.branchTip;
  const untouchedBranch = tip === null || tip === entry.base.commit;
  // A folder that holds nothing, which git does not list, is no one's work: the add was killed before the worktree
  // was one (git/worktrees.ts, strandedAdds), or before it made the folder at all.
  const empty = facts.folderIsRemnant && !facts.gitRecord;
  const restoreCutShort = `${dead} before it had put the work back: rolled back, and the saved refs it restores from are kept`;
  if (!facts.folderExists || empty) {
    const unfinishedAdd =
      empty || facts.strandedAdds.length > 0
        ? { folder: empty ? facts.worktreePath : null, adminDirs: facts.strandedAdds }
        : null;
    if (entry.restoredFrom)
      return planDrop(facts, actions, kept, restoreCutShort, 'cleanup-rollback-start', null, unfinishedAdd);
    if (!untouchedBranch)
      return planDrop(
        facts,
        actions,
        kept,
        `${dead} and its worktree folder is ${empty ? 'empty' : 'missing'}`,
        undefined,
        null,
        unfinishedAdd,
      );
    return planDrop(
      facts,
      actions,
      kept,
      `${dead} before any work: rolled back`,
      'cleanup-rollback-start',
      null,
      unfinishedAdd,
    );
  }
  if (entry.restoredFrom && facts.gitRecord) {
    // Nothing but the restore itself has been in this worktree, and it never said it was done: what it was putting
    // back is in the saved refs it restores from, which it never removes, and the branch is kept (planDrop). So a
    // restore cut short anywhere before it marked the session active is rolled back, and runs again.
    return planDrop(facts, actions, kept, restoreCutShort, 'cleanup-rollback-start', {
      path: facts.worktreePath,
      checkoutOnly: true,
      allowedLeftovers: [],
    });
  }
  if ((facts.addUnfinished || facts.checkoutIncomplete) && untouchedBranch && facts.gitRecord) {
    // Start never reported this worktree to anyone, and its checkout never finished: what git
    // status shows there (every file deleted, or half the files untracked) is no one's work.
    return planDrop(
      facts,
      actions,
      kept,
      `${dead} before its checkout finished: rolled back`,
      'cleanup-rollback-start',
      {
        path: facts.worktreePath,
        checkoutOnly: true,
        allowedLeftovers: [],
      },
    );
  }
  const work = facts.work;
  if (work !== null && work.length === 0 && untouchedBranch && facts.gitRecord) {
    const leftovers =
      facts.startLeftovers.length > 0
        ? ` (only the session log stub start wrote: ${facts.startLeftovers.join(', ')})`
        : '';
    return planDrop(
      facts,
      actions,
      kept,
      `${dead} and its worktree holds no session work${leftovers}: rolled back`,
      'cleanup-rollback-start',
      {
        path: facts.worktreePath,
        checkoutOnly: false,
        allowedLeftovers: facts.startLeftovers,
      },
    );
  }
  const why = !facts.gitRecord
    ? 'its folder is not a git worktree'
    : work === null
      ? 'its worktree could not be read'
      : work.length > 0
        ? `its worktree has work: ${work.join(', ')}`
        : `its branch moved to ${short(tip!)}`;
  if (!facts.gitRecord) {
    kept.push({
      subject: entry.id,
      reason: `${dead}, but ${why}`,
      next: `Look inside ${facts.worktreePath} and move anything you need, then remove the folder and run \`${helper('cleanup')}\` again.`,
    });
    return;
  }
  actions.push({
    kind: 'restore-active',
    subject: entry.id,
    reason: `${dead}, but ${why}, so it is kept as an active session`,
    id: entry.id,
    fromStatus: 'starting',
    ownerPid: entry.owner?.pid ?? 0,
    sessionLog: entry.sessionLog ?? facts.foundSessionLog,
  });
}

function planUnregistered(worktree: UnregisteredFacts, actions: CleanupAction[], kept: KeptItem[]): void {
  if (!worktree.folderExists) return; // prune or unlock-and-prune handle it
  if (!worktree.looksLikeSession) {
    kept.push({
      subject: worktree.path,
      reason: `a git worktree in the sessions folder that is not a session (${worktree.branch ? `branch ${worktree.branch}` : 'detached HEAD'}); left alone`,
      next: `If it is not needed: ${commandLine(['git', 'worktree', 'remove', worktree.path])}`,
    });
    return;
  }
  if (worktree.idTaken) {
    kept.push({
      subject: worktree.path,
      reason: `another registered session is already called "${worktree.dirName}"`,
      next: `Run \`${helper('status')}\` and decide which one to keep.`,
    });
    return;
  }
  const clean = worktree.work !== null && worktree.work.length === 0;
  if (worktree.merged && clean && !worktree.locked && worktree.head && worktree.baseTip && worktree.branch) {
    actions.push({
      kind: 'remove-worktree',
      subject: worktree.dirName,
      reason: `an unregistered session worktree whose branch ${worktree.branch} is already in ${worktree.baseBranch} and whose worktree is clean`,
      path: worktree.path,
      branch: worktree.branch,
      tip: worktree.head,
      baseTip: worktree.baseTip,
    });
    return;
  }
  const entry = rebuiltEntry(worktree);
  if (!entry) {
    kept.push({
      subject: worktree.path,
      reason:
        'an unregistered session worktree, but its base cannot be worked out (the main checkout is detached or shares no history)',
      next: `Check out the base branch in the main checkout, then run \`${helper('cleanup')}\` again.`,
    });
    return;
  }
  actions.push({
    kind: 'register',
    subject: worktree.dirName,
    reason: `a session worktree on ${worktree.branch} that the manifest lost; it is registered again (goals unknown)`,
    entry,
  });
}

/** A manifest entry for a worktree that looks like a session; null when its base is unknown. */
export function rebuiltEntry(worktree: UnregisteredFacts): SessionEntry | null {
  if (!worktree.branch || !worktree.baseBranch || !worktree.mergeBase) return null;
  return {
    id: worktree.dirName,
    branch: worktree.branch,
    worktree: worktree.storedPath,
    startedAt: worktree.createdAt,
    sessionLog: worktree.sessionLog,
    goals: [],
    status: 'active',
    base: { branch: worktree.baseBranch, commit: worktree.mergeBase },
    ...(worktree.envSession === null ? {} : recoveredWorkspace(worktree.envSession)),
  };
}

function recoveredWorkspace(envSession: string): Pick<SessionEntry, 'packFiles' | 'port'> {
  const port = parseEnvSessionPort(envSession);
  return { packFiles: [ENV_SESSION_FILE], ...(port ? { port } : {}) };
}

function planRebuild(facts: CleanupFacts, actions: CleanupAction[], kept: KeptItem[]): void {
  const sessions: SessionEntry[] = [];
  for (const worktree of facts.unregistered) {
    if (!worktree.folderExists) continue;
    if (!worktree.looksLikeSession) {
      kept.push({
        subject: worktree.path,
        reason: `not a session worktree (${worktree.branch ? `branch ${worktree.branch}` : 'detached HEAD'}), so the rebuilt manifest leaves it out`,
        next: `If it is not needed: ${commandLine(['git', 'worktree', 'remove', worktree.path])}`,
      });
      continue;
    }
    const entry = rebuiltEntry(worktree);
    if (entry) sessions.push(entry);
    else
      kept.push({
        subject: worktree.path,
        reason: 'its base cannot be worked out, so the rebuilt manifest leaves it out',
        next: `Check out the base branch in the main checkout, then run \`${helper('cleanup --yes')}\` again.`,
      });
  }
  actions.push({
    kind: 'rebuild-manifest',
    subject: facts.manifestPath,
    reason: `the manifest is unusable (${facts.corruptManifest!.problem}); it is moved aside, never deleted, and rebuilt from \`git worktree list\` with ${sessions.length} session(s): ${sessions.map((s) => s.id).join(', ') || 'none'} (goals unknown, started = when each worktree was created, base = the main checkout's branch at its merge-base)`,
    aside: corruptAsideName(facts.manifestPath, facts.now),
    sessions,
  });
}

/** One line per action, for the plan and the report. */
export function describeAction(action: CleanupAction): string {
  switch (action.kind) {
    case 'remove-unreadable-add':
      return `remove ${action.adminDir}${action.folder ? ` and ${action.folder}, which holds only its .git file` : ''} (${action.reason})`;
    case 'remove-stray-file':
      return `remove stray file ${action.file} (${action.reason})`;
    case 'rebuild-manifest':
      return `rebuild the manifest: ${action.reason}; the bad file goes to ${action.aside}`;
    case 'unlock-and-prune':
      return `unlock and prune git's record of ${action.path} (${action.reason})`;
    case 'prune-worktree-records':
      return `prune git's records of ${action.subject} (${action.reason})`;
    case 'restore-active':
      return `mark "${action.id}" active again (${action.reason})`;
    case 'move-back':
      return `move "${action.id}"'s worktree back from ${action.aside} to ${action.path} (${action.reason})`;
    case 'finish-removal':
      return `finish removing ${action.folder} (${action.reason})`;
    case 'relink-worktree':
      return `tell git that "${action.id}"'s worktree is at ${action.path} (${action.reason})`;
    case 'remove-git-locks':
      return `remove ${action.locks.map((lock) => lock.path).join(', ')} (${action.reason})`;
    case 'undo-log-edit':
      return `put "${action.id}"'s session log ${action.path} back as it was (${action.reason})`;
    case 'remove-remnants':
      return `remove ${action.paths.join(', ')} (${action.reason})`;
    case 'back-out-operation':
      return `abort the stopped ${action.operation.kind} in "${action.id}"'s worktree (${action.reason})`;
    case 'finish-interrupted-merge':
      return `back out the interrupted merge in ${action.checkout} (${action.reason})`;
    case 'finish-interrupted-land':
      return `${action.fastForward ? `finish fast-forwarding ${action.checkout} to ${short(action.fastForward.to)}` : `put ${action.checkout} back on ${action.reattach!.base}`} (${action.reason})`;
    case 'remove-check-worktree':
      return `remove ${action.path} (${action.reason})`;
    case 'register':
      return `register "${action.entry.id}" in the manifest (${action.reason})`;
    case 'drop-entry': {
      const steps = [
        action.removeWorktree ? `remove its worktree ${action.removeWorktree.path}` : null,
        action.unfinishedAdd?.folder ? `remove its empty folder ${action.unfinishedAdd.folder}` : null,
        action.unfinishedAdd && action.unfinishedAdd.adminDirs.length > 0
          ? `remove what its killed git worktree add left in ${action.unfinishedAdd.adminDirs.join(', ')}`
          : null,
        action.deleteBranch
          ? `delete branch ${action.deleteBranch.branch} (${short(action.deleteBranch.tip)}, already in its base)`
          : null,
        action.keepBranch ? `keep branch ${action.keepBranch.branch} (${short(action.keepBranch.tip)})` : null,
        'drop its manifest entry',
      ].filter(Boolean);
      return `"${action.entry.id}": ${steps.join(', ')} (${action.reason})`;
    }
    case 'remove-worktree':
      return `"${action.subject}": remove worktree ${action.path} and delete branch ${action.branch} (${short(action.tip)}) (${action.reason})`;
    case 'delete-merged-branch':
      return `delete branch ${action.branch} (${short(action.tip)}) (${action.reason})`;
    case 'prune-saved-refs':
      return `delete ${action.refs.length} saved ref(s) ${action.set}${action.refs.length > 1 ? '[-…]' : ''} (${action.reason})`;
    case 'remove-setup-log':
      return `remove ${action.file} (${action.reason})`;
  }
}
