/**
 * The decisions `session restore` makes, pure: which history record to restore, where its
 * saved work is (named by the record, or found by the names an older end gave its refs),
 * and whether anything stands in the way. The facts are gathered in
 * engine/restore-facts.ts, the plan is carried out in engine/restore-session.ts.
 */
import { helper } from '../lib/invocation.js';
import { RefusalError, UsageError } from '../lib/errors.js';
import { commandLine } from '../lib/shell-words.js';
import type { EndedSession } from './history-records.js';
import type { IssueLink, PortBlock, PrLink, RestoredFrom } from './manifest-types.js';
import { goalsProblem } from './names.js';
import { refTimestamp } from './end-plan.js';

const short = (sha: string) => sha.slice(0, 12);

/** Which ignored files to copy from the main checkout again (the workspace's CopyChoice). */
export type RestoreCopy = { mode: 'auto' } | { mode: 'none' } | { mode: 'list'; paths: string[] };

/** `20260115T100000Z` or `2026-01-15T10:00:00Z` (seconds optional fraction) as a Date; null when neither. */
export function parseRestoreTime(text: string): Date | null {
  const compact = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-\d+)?$/.exec(text);
  const iso = compact ? `${compact[1]}-${compact[2]}-${compact[3]}T${compact[4]}:${compact[5]}:${compact[6]}Z` : text;
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?$/.test(iso)) return null;
  const date = new Date(iso.length === 10 ? `${iso}T23:59:59Z` : iso.endsWith('Z') ? iso : `${iso}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Every ref a record names as holding its work. */
export function refsNamedBy(record: EndedSession): string[] {
  return [
    ...new Set(
      [record.savedAs, record.savedWorktreeAs, ...(record.savedRefs ?? []).map((saved) => saved.ref)].filter(
        (ref): ref is string => typeof ref === 'string',
      ),
    ),
  ];
}

/**
 * The record to restore among one session's records (oldest first): the newest, or with `at`
 * the newest one that names that ref (or a ref below it), ended at that time, or else ended
 * before it. Null when none matches. A start or restore cleanup rolled back is no session to
 * restore: its record is passed over, so that a restore cut short runs again from what it restored.
 */
export function chooseRecord(records: readonly EndedSession[], at: string | undefined): EndedSession | null {
  const newestFirst = [...records].reverse().filter((record) => record.strategy !== 'cleanup-rollback-start');
  if (at === undefined) return newestFirst[0] ?? null;
  if (at.startsWith('refs/')) {
    // The ref itself, or one saved beside it (`<tip>-worktree`, `<tip>-nested/1/HEAD`), which an older record did not list.
    const beside = /^(?:-again\d+)?-(?:worktree|ignored|nested(?:\/.+)?)$|^\/.+$/;
    return (
      newestFirst.find((record) =>
        refsNamedBy(record).some((ref) => ref === at || (at.startsWith(ref) && beside.test(at.slice(ref.length)))),
      ) ?? null
    );
  }
  const when = parseRestoreTime(at);
  if (!when) return null;
  // `20260115T100000Z-2` names the second end in that second by its ref.
  const named = newestFirst.find((record) => record.savedAs?.endsWith(`/${at}`));
  if (named) return named;
  const exact = newestFirst.find(
    (record) => record.endedAt === at || refTimestamp(new Date(record.endedAt)) === at.replace(/-\d+$/, ''),
  );
  if (exact) return exact;
  return newestFirst.find((record) => new Date(record.endedAt).getTime() <= when.getTime()) ?? null;
}

export function atProblem(at: string): UsageError | null {
  if (at.startsWith('refs/') || parseRestoreTime(at)) return null;
  return new UsageError(
    `--at ${JSON.stringify(at)} is neither a time nor a ref`,
    'Pass the time the session ended (2026-01-15T10:00:00Z, or 20260115T100000Z as in its saved ref) or a ref under refs/sessions/.',
  );
}

/** Where an end saved work beside the tip: `<base>-worktree`, `<base>-ignored`, `<base>-nested/<n>`. */
export function savedRefBase(record: EndedSession): string {
  if (record.savedAs?.startsWith('refs/sessions/')) return record.savedAs;
  return `refs/sessions/saved/${record.id}/${refTimestamp(new Date(record.endedAt))}`;
}

/**
 * The ref of the last saving round with the given suffix: a worktree that changed while it was
 * saved is saved again as `<base>-again<k>-…`, and the last round holds the most. For
 * `-nested`, the folder the repositories were saved below.
 */
function lastRound(
  refs: ReadonlyMap<string, string>,
  base: string,
  suffix: '-worktree' | '-ignored' | '-nested',
): string | null {
  let best: { round: number; ref: string } | null = null;
  for (const ref of refs.keys()) {
    if (!ref.startsWith(base)) continue;
    const match = /^(-again(\d+))?(-worktree|-ignored|-nested)(\/.+)?$/.exec(ref.slice(base.length));
    if (!match || match[3] !== suffix || (suffix === '-nested') !== (match[4] !== undefined)) continue;
    const round = match[2] ? Number(match[2]) : 1;
    if (!best || round > best.round) best = { round, ref: `${base}${match[1] ?? ''}${suffix}` };
  }
  return best?.ref ?? null;
}

export interface NestedSaved {
  /** The prefix below which HEAD, heads/* and worktree were saved. */
  prefix: string;
  /** Its folder in the worktree; null for a record older than restore, which did not say. */
  path: string | null;
  head: boolean;
  worktree: boolean;
}

export interface SavedWork {
  /** The stash-shaped snapshot of the uncommitted work. */
  changes: string | null;
  ignored: string | null;
  nested: NestedSaved[];
  /** Refs the record names that no longer exist. */
  missing: string[];
}

/** What of the record's saved work still exists: as the record lists it, or found by name for an older record. */
export function savedWork(record: EndedSession, refs: ReadonlyMap<string, string>): SavedWork {
  const missing = refsNamedBy(record).filter(
    (ref) =>
      !ref.startsWith('refs/heads/') && !refs.has(ref) && ![...refs.keys()].some((name) => name.startsWith(`${ref}/`)),
  );
  const nestedAt = (prefix: string, path: string | null): NestedSaved => ({
    prefix,
    path,
    head: refs.has(`${prefix}/HEAD`),
    worktree: refs.has(`${prefix}/worktree`),
  });
  if (record.savedRefs) {
    const last = (what: string) =>
      [...record.savedRefs!].reverse().find((saved) => saved.what === what && refs.has(saved.ref))?.ref ?? null;
    const byPath = new Map<string, NestedSaved>();
    for (const saved of record.savedRefs) {
      if (saved.what !== 'nested' || ![...refs.keys()].some((name) => name.startsWith(`${saved.ref}/`))) continue;
      byPath.set(saved.path!, nestedAt(saved.ref, saved.path!));
    }
    return { changes: last('changes'), ignored: last('ignored'), nested: [...byPath.values()], missing };
  }
  const base = savedRefBase(record);
  const changes =
    lastRound(refs, base, '-worktree') ??
    (record.savedWorktreeAs && refs.has(record.savedWorktreeAs) ? record.savedWorktreeAs : null);
  const nestedRoot = lastRound(refs, base, '-nested');
  const nested = nestedRoot
    ? [
        ...new Set(
          [...refs.keys()]
            .filter((ref) => ref.startsWith(`${nestedRoot}/`))
            .map((ref) => ref.slice(nestedRoot.length + 1).split('/')[0]!),
        ),
      ]
        .sort((a, b) => Number(a) - Number(b))
        .map((n) => nestedAt(`${nestedRoot}/${n}`, null))
    : [];
  return { changes, ignored: lastRound(refs, base, '-ignored'), nested, missing };
}

/** Where the branch tip comes from: the saved ref, the kept branch as it is now, or the recorded head. */
export type TipSource = 'saved-ref' | 'branch' | 'head';

export interface RestoreFacts {
  name: string;
  record: EndedSession;
  /** How many records the history holds for the name. */
  recordCount: number;
  branchPrefix: string;
  mainCheckout: string;
  worktreePath: string;
  registered: boolean;
  worktreePathExists: boolean;
  /** git still has a record of a worktree at that path (its folder gone). */
  worktreeRecordExists: boolean;
  /** The branch's tip now; null when it does not exist. */
  branchTip: string | null;
  /** A checkout that holds the branch (checked out, or being rebased or bisected there). */
  branchHeldBy: string | null;
  /** The commit the record's savedAs names now; null when it is gone (or not a commit). */
  savedTip: string | null;
  /** The record's head is still a commit in the repository. */
  headExists: boolean;
  /** Every ref under refs/sessions/ of this session, name to commit. */
  refs: ReadonlyMap<string, string>;
  /** Parents of the uncommitted-work snapshot, when there is one. */
  snapshotParents: string[] | null;
}

export interface RestorePlan {
  name: string;
  branch: string;
  tip: string;
  tipSource: TipSource;
  /** Create the branch at the tip, or check it out as it is. */
  createBranch: boolean;
  worktreePath: string;
  changes: { ref: string; commit: string; staged: string } | null;
  ignored: { ref: string; commit: string } | null;
  nested: NestedSaved[];
  missing: string[];
  goals: string[];
  base: { branch: string; commit: string };
  port: PortBlock | null;
  copy: RestoreCopy;
  sessionLog: string | null | undefined;
  restoredFrom: RestoredFrom;
  /** The GitHub issue or pull request it was started from, recorded again. */
  issue: IssueLink | null;
  pr: PrLink | null;
  warnings: string[];
  notes: string[];
}

/** The tip a record restores to, or why there is none. */
export function restorableTip(
  facts: Pick<RestoreFacts, 'record' | 'branchTip' | 'savedTip' | 'headExists'>,
): { tip: string; source: TipSource } | { reason: string } {
  const { record } = facts;
  if (!record.savedAs) {
    const merged = record.mergeCommit ? ` (merge commit ${short(record.mergeCommit)})` : '';
    return {
      reason:
        record.strategy === 'merge' || record.strategy === 'land' || record.strategy === 'cleanup-merged'
          ? `its work was merged into ${record.base.branch}${merged}, and no ref kept its branch`
          : `no ref kept its work (it ended with ${record.strategy})`,
    };
  }
  if (record.savedAs === `refs/heads/${record.branch}`) {
    if (facts.branchTip) return { tip: facts.branchTip, source: 'branch' };
    if (record.head && facts.headExists) return { tip: record.head, source: 'head' };
    return { reason: `its branch ${record.branch} is gone, and so is the commit it was at` };
  }
  if (facts.savedTip) return { tip: facts.savedTip, source: 'saved-ref' };
  return { reason: `the ref it was saved as, ${record.savedAs}, is gone` };
}

export function planRestore(facts: RestoreFacts): RestorePlan | RefusalError {
  const { name, record } = facts;
  const cleanup = helper('cleanup');
  if (facts.registered) {
    return new RefusalError(
      'session-exists',
      `A session named "${name}" is registered, so there is nothing to restore it into; nothing was changed.`,
      `Resume it (${commandLine(['cd', facts.worktreePath])} && claude), or end it first with \`${helper(`end ${name} --strategy keep`)}\`.`,
    );
  }
  if (facts.worktreePathExists) {
    return new RefusalError(
      'worktree-path-exists',
      `The path ${facts.worktreePath} already exists, so the session's worktree cannot be made there; nothing was changed.`,
      `Look inside it and move it away if it is not needed, or run \`${cleanup}\` if it is left over from an old session; then run the same command again.`,
    );
  }
  if (facts.worktreeRecordExists) {
    return new RefusalError(
      'worktree-record-exists',
      `git still has a record of a worktree at ${facts.worktreePath}; nothing was changed.`,
      `Run \`${cleanup}\` to remove that record, then run the same command again.`,
    );
  }
  const older =
    facts.recordCount > 1
      ? ` Or pick an older end with --at (the time it ended, or one of its refs: ${commandLine(['git', 'for-each-ref', `refs/sessions/abandoned/${name}/`, `refs/sessions/saved/${name}/`])}).`
      : '';
  const found = restorableTip(facts);
  if ('reason' in found) {
    return new RefusalError(
      'nothing-to-restore',
      `Nothing of session "${name}" can be restored from its end at ${record.endedAt}: ${found.reason}; nothing was changed.`,
      `Start a new session instead: \`${helper(`start ${name}`)}\`.${older}`,
      { endedAt: record.endedAt, strategy: record.strategy },
    );
  }
  const { tip, source } = found;
  if (
    !record.branch.startsWith(facts.branchPrefix) ||
    record.branch === facts.branchPrefix ||
    record.branch === record.base.branch
  ) {
    return new RefusalError(
      'branch-prefix-mismatch',
      `The branch ${record.branch} of the ended session "${name}" does not start with the session prefix ${facts.branchPrefix} (or is its own base), so a session on it would not be trusted; nothing was changed.`,
      `Check the branch out by hand (${commandLine(['git', 'worktree', 'add', facts.worktreePath, record.branch])}), or set branchPrefix in .claude/flight-rules.json back to what it was.`,
    );
  }
  if (facts.branchTip && facts.branchTip !== tip) {
    const saved = source === 'saved-ref' ? record.savedAs! : `${record.branch} at ${short(tip)}`;
    return new RefusalError(
      'branch-moved',
      `The branch ${record.branch} exists at ${short(facts.branchTip)}, not at the saved tip ${short(tip)} (${saved}), so restoring the saved work onto it could mix two histories; nothing was changed.`,
      `To restore the saved session, first move that branch out of the way (${commandLine(['git', 'branch', '-m', record.branch, `${record.branch}-later`])}), then run \`${helper(`restore ${name}`)}\` again. To work on the branch as it is instead: ${commandLine(['git', 'worktree', 'add', facts.worktreePath, record.branch])}, then \`${helper('cleanup --yes')}\` registers it.`,
      { branch: record.branch, branchTip: facts.branchTip, savedTip: tip },
    );
  }
  if (facts.branchTip && facts.branchHeldBy) {
    return new RefusalError(
      'branch-checked-out-elsewhere',
      `The branch ${record.branch} is checked out in ${facts.branchHeldBy}, so it cannot be checked out in the session's worktree too; nothing was changed.`,
      `Switch that checkout to another branch (${commandLine(['git', '-C', facts.branchHeldBy, 'switch', '<branch>'])}), then run the same command again.`,
      { branch: record.branch, checkout: facts.branchHeldBy },
    );
  }
  const work = savedWork(record, facts.refs);
  let changes: RestorePlan['changes'] = null;
  if (work.changes) {
    const parents = facts.snapshotParents;
    if (!parents || parents.length !== 2 || parents[0] !== tip) {
      return new RefusalError(
        'saved-work-mismatch',
        `The saved uncommitted work ${work.changes} does not sit on the saved tip ${short(tip)}, so it cannot be put back as it was; nothing was changed.`,
        `Restore the branch by hand (${commandLine(['git', 'worktree', 'add', '-b', record.branch, facts.worktreePath, tip])}), then apply the work there: ${commandLine(['git', '-C', facts.worktreePath, 'stash', 'apply', work.changes])}.`,
      );
    }
    changes = { ref: work.changes, commit: facts.refs.get(work.changes)!, staged: parents[1]! };
  }
  const warnings: string[] = [];
  const notes: string[] = [];
  let goals = record.goals ?? [];
  const goalIssue = goalsProblem(goals);
  if (goalIssue) {
    warnings.push(`The recorded goals were not restored (${goalIssue}).`);
    goals = [];
  }
  if (record.goals === undefined)
    notes.push(
      'Its history record is older than restore, so its goals, port block and copied files were not recorded: goals are empty, the ports are new, and env files are copied as start copies them.',
    );
  if (source === 'branch' && record.head && record.head !== tip)
    notes.push(
      `The branch ${record.branch} moved since the session ended (it was at ${short(record.head)}); it is restored as it is now, at ${short(tip)}.`,
    );
  if (source === 'head')
    notes.push(
      `The kept branch ${record.branch} had been deleted; it is made again at ${short(tip)}, where the session left it.`,
    );
  for (const ref of work.missing) warnings.push(`The saved ref ${ref} is gone, so what it held is not restored.`);
  return {
    name,
    branch: record.branch,
    tip,
    tipSource: source,
    createBranch: facts.branchTip === null,
    worktreePath: facts.worktreePath,
    changes,
    ignored: work.ignored ? { ref: work.ignored, commit: facts.refs.get(work.ignored)! } : null,
    nested: work.nested,
    missing: work.missing,
    goals,
    base: record.base,
    port: record.port ?? null,
    copy:
      record.copiedFiles === undefined
        ? { mode: 'auto' }
        : record.copiedFiles.length === 0
          ? { mode: 'none' }
          : { mode: 'list', paths: record.copiedFiles },
    sessionLog: record.sessionLog,
    restoredFrom: {
      strategy: record.strategy,
      endedAt: record.endedAt,
      savedAs: source === 'head' ? record.head! : record.savedAs!,
    },
    issue: record.issue ?? null,
    pr: record.pr ?? null,
    warnings,
    notes,
  };
}

/** The commands that bring a nested repository back into its folder, as one line; null when its folder is not known. */
export function nestedRestoreCommand(mainCheckout: string, worktreePath: string, nested: NestedSaved): string | null {
  const folder = nested.path === null ? null : `${worktreePath}/${nested.path}`;
  if (!folder) return null;
  return [
    commandLine(['git', 'init', '-q', folder]),
    commandLine(['git', '-C', folder, 'fetch', '-q', mainCheckout, `+${nested.prefix}/*:refs/saved/*`]),
    ...(nested.head ? [commandLine(['git', '-C', folder, 'checkout', '-q', 'refs/saved/HEAD'])] : []),
    ...(nested.worktree ? [commandLine(['git', '-C', folder, 'stash', 'apply', '-q', 'refs/saved/worktree'])] : []),
  ].join(' && ');
}

/** The same for a nested repository whose folder an older record did not name: `<folder>` is to be filled in. */
export function nestedRestoreTemplate(mainCheckout: string, nested: NestedSaved): string {
  return [
    `git init -q <folder>`,
    `git -C <folder> fetch -q ${commandLine([mainCheckout, `+${nested.prefix}/*:refs/saved/*`])}`,
    ...(nested.head ? ['git -C <folder> checkout -q refs/saved/HEAD'] : []),
    ...(nested.worktree ? ['git -C <folder> stash apply -q refs/saved/worktree'] : []),
  ].join(' && ');
}
