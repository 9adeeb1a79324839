/**
 * The decisions `session end` makes from gathered facts, and the text it prints, kept pure so
 * they can be tested as tables: option rules, refusals, PR title and body, names of saved refs.
 */
import { blockList, compactTimestamp, oneLine, shortSha } from './format.js';
import { helper } from '../lib/invocation.js';
import { RefusalError, UsageError } from '../lib/errors.js';
import { formatStatusEntry, type StatusEntry } from './status-porcelain.js';
import type { MergePrediction } from './merge-tree.js';
import { commandLine } from '../lib/shell-words.js';
import { busyRefusal, type Busy } from './busy.js';

export const STRATEGIES = ['pr', 'merge', 'keep', 'abandon'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface EndOptions {
  name: string | undefined;
  strategy: Strategy;
  rebase: boolean;
  /** The remote to push to; `remoteGiven` tells a default from an explicit choice. */
  remote: string;
  remoteGiven: boolean;
  prTitle: string | undefined;
  prBodyFile: string | undefined;
  confirm: string | undefined;
}

export interface RawEndOptions {
  strategy?: string;
  rebase?: boolean;
  remote?: string;
  prTitle?: string;
  prBodyFile?: string;
  confirm?: string;
}

const STRATEGY_HINT =
  'Ask the user how to integrate the work, then pass --strategy pr (open a PR), merge (merge into the base), keep (keep the branch for later) or abandon (discard, saved under a ref).';

/** Flag rules that need no repository. The abandon confirmation is checked once the name is known. */
export function parseEndOptions(raw: RawEndOptions, name: string | undefined): EndOptions {
  if (raw.strategy === undefined)
    throw new UsageError('--strategy is required: pr, merge, keep or abandon', STRATEGY_HINT);
  const strategy = raw.strategy as Strategy;
  if (!STRATEGIES.includes(strategy))
    throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}; got "${raw.strategy}"`, STRATEGY_HINT);
  const misplaced = (flag: string, allowed: Strategy[]) =>
    new UsageError(
      `${flag} applies only to --strategy ${allowed.join(' or ')}, not ${strategy}`,
      `Drop ${flag}, or use --strategy ${allowed[0]}.`,
    );
  if (strategy !== 'pr' && raw.prTitle !== undefined) throw misplaced('--pr-title', ['pr']);
  if (strategy !== 'pr' && raw.prBodyFile !== undefined) throw misplaced('--pr-body-file', ['pr']);
  if (strategy !== 'abandon' && raw.confirm !== undefined) throw misplaced('--confirm', ['abandon']);
  if (strategy === 'abandon' && raw.rebase) throw misplaced('--rebase', ['merge', 'pr', 'keep']);
  if ((strategy === 'merge' || strategy === 'abandon') && raw.remote !== undefined)
    throw misplaced('--remote', ['pr', 'keep']);
  if (raw.prTitle !== undefined && raw.prTitle.trim() === '')
    throw new UsageError('--pr-title is empty', 'Pass a title, or leave --pr-title out to use the first goal.');
  return {
    name,
    strategy,
    rebase: raw.rebase === true,
    remote: raw.remote ?? 'origin',
    remoteGiven: raw.remote !== undefined,
    prTitle: raw.prTitle?.trim(),
    prBodyFile: raw.prBodyFile,
    confirm: raw.confirm,
  };
}

/**
 * Abandon discards the worktree, so the user must confirm it by typing the session's name. A
 * missing or different confirmation is a refusal, not a usage error: the next step is to ask the
 * user again, never to fix the flag and rerun, so the next step does not spell out the name.
 */
export function confirmProblem(options: EndOptions, name: string): RefusalError | null {
  if (options.strategy !== 'abandon' || options.confirm === name) return null;
  const got =
    options.confirm === undefined
      ? 'no --confirm was given'
      : `--confirm "${options.confirm}" does not match the session's name`;
  return new RefusalError(
    'confirmation-mismatch',
    `Abandoning "${name}" needs the user to type its name to confirm; ${got}. Nothing was discarded.`,
    `Ask the user to type the session's name to confirm the abandon, then run: ${helper(`end ${name} --strategy abandon --confirm`)} "<exactly what they typed>"`,
  );
}

/** Where the base branch is checked out, as git lists it. */
export type BaseCheckout = { where: 'nowhere' } | { where: 'main' } | { where: 'other'; path: string };

export interface EndFacts {
  name: string;
  strategy: Strategy;
  rebase: boolean;
  mainCheckout: string;
  worktreePath: string;
  worktreeExists: boolean;
  worktreeLocked: boolean;
  /** The short branch the worktree has checked out; null when detached or unknown. */
  worktreeBranch: string | null;
  /** The commit of a detached HEAD that no ref holds (git/branches.ts, commitOnlyHeadHolds); null otherwise. */
  unheldHead?: string | null;
  branch: string;
  /** The session branch's tip, or null when the branch is gone. */
  tip: string | null;
  /** The session's own uncommitted work (pack files excluded). */
  work: StatusEntry[];
  baseBranch: string;
  baseStart: string;
  baseTip: string | null;
  /** Commits the base gained since the session started; null when the base is gone. */
  baseGained: number | null;
  /** Commits on the session branch that the base lacks. */
  sessionCommits: number | null;
  prediction: MergePrediction | null;
  remotes: string[];
  remote: string;
  remoteGiven: boolean;
  baseCheckout: BaseCheckout;
  /** Tracked changes in the main checkout, formatted as git prints them. */
  mainDirty: string[];
  /** The commit the main checkout's HEAD was at, as the worktree list read with these facts gave it. */
  mainHead: string | null;
  /** An operation under way in the session's worktree. */
  worktreeBusy: Busy | null;
  /** An operation under way in the main checkout, when a merge would run there. */
  mainBusy: Busy | null;
  /** Untracked or ignored files in the main checkout that the merge would write over. */
  overwrites: string[];
  /** The paths the predicted merge adds to the base; null when it was not predicted or the base is held nowhere it matters. */
  mergeAdds: string[] | null;
  /** With --rebase: untracked or ignored files in the session's worktree that the rebase onto the base would write over. */
  rebaseOverwrites: string[];
  /** Paths the merge would change below the sessions folder, when that folder is inside the repository. */
  sessionsPaths: string[];
  sessionsDirInRepo: string | null;
  /** Other worktrees that hold the session branch (checked out, or being rebased or bisected there). */
  branchHeldBy: string[];
}

const list = (items: string[]) => blockList(items);

export function uncommittedRefusal(name: string, worktreePath: string, work: StatusEntry[]): RefusalError {
  const files = work.map(formatStatusEntry);
  // git add passes over a file its index entry marks as unchanged or outside the sparse checkout; update-index clears one kind of mark per call.
  const unmark = (['assume-unchanged', 'skip-worktree'] as const)
    .map((kind) => {
      const marked = work.filter((entry) => entry.hiddenBy === kind).map((entry) => entry.path);
      if (marked.length === 0) return '';
      const many = marked.length > 20;
      const line = commandLine([
        'git',
        '-C',
        worktreePath,
        'update-index',
        `--no-${kind}`,
        '--',
        ...(many ? [] : marked),
      ]);
      return `${line}${many ? ` <the files listed above as marked ${kind}>` : ''} && `;
    })
    .join('');
  return new RefusalError(
    'uncommitted-work',
    `The session "${name}" has uncommitted or untracked changes in ${worktreePath}, and its worktree cannot be removed with them in it:\n${list(files)}`,
    `Commit the ones that belong to the session on its branch, by name (${unmark}${addCommand(worktreePath, work)} && ${commandLine(['git', '-C', worktreePath, 'commit', '-m', '<message>'])}), and move or delete the rest; then run the same command again. To discard them instead: ${helper(`end ${name} --strategy abandon --confirm ${name}`)} (they are saved under a ref first).`,
    { files },
  );
}

/**
 * The session branch is gone (deleted or renamed by hand). With its worktree still there, the work is at that
 * worktree's HEAD, and the branch made again there lets the session go on; without it, cleanup reconciles.
 */
export function branchMissingRefusal(name: string, branch: string, worktreePath: string | null): RefusalError {
  return new RefusalError(
    'branch-missing',
    `The branch ${branch} of session "${name}" no longer exists; nothing was changed.`,
    worktreePath
      ? `Make the branch again at the worktree's HEAD, which holds its work: ${commandLine(['git', '-C', worktreePath, 'switch', '-c', branch])}; then run the same command again.`
      : `Run \`${helper('cleanup')}\` to reconcile the manifest with git.`,
  );
}

/**
 * A worktree on a detached HEAD whose commits no ref holds: removing it would lose them (its HEAD
 * and reflog go with it), so every removal refuses, abandon too, and says how to keep them.
 */
export function detachedWorkRefusal(worktreePath: string, commit: string, branch: string): RefusalError {
  return new RefusalError(
    'worktree-off-branch',
    `The worktree ${worktreePath} is on a detached HEAD at ${shortSha(commit)}, with commits no branch holds; removing the worktree would lose them, so nothing was changed.`,
    `Keep them on a branch first: ${commandLine(['git', '-C', worktreePath, 'branch', '<new-branch>', commit])}, or bring them onto the session branch (${commandLine(['git', '-C', worktreePath, 'switch', branch])} && ${commandLine(['git', '-C', worktreePath, 'merge', commit])}); then run the same command again.`,
    { commit },
  );
}

/** `git -C <worktree> add -- <each file>`: named, so nothing unlisted (a secret, a stray file) is staged. */
export function addCommand(worktreePath: string, work: StatusEntry[]): string {
  const paths = [...new Set(work.flatMap((entry) => (entry.from ? [entry.from, entry.path] : [entry.path])))];
  if (paths.length > 20) return `${commandLine(['git', '-C', worktreePath, 'add', '--'])} <the files listed above>`;
  return commandLine(['git', '-C', worktreePath, 'add', '--', ...paths]);
}

export function rebaseConflictRefusal(
  name: string,
  baseBranch: string,
  worktreePath: string,
  conflicts: string[],
): RefusalError {
  return new RefusalError(
    'rebase-conflicts',
    `Rebasing session/${name} onto ${baseBranch} conflicts; the rebase was aborted and the branch is exactly as before. Conflicting files:\n${list(conflicts)}`,
    `Resolve it inside the session: ${commandLine(['git', '-C', worktreePath, 'rebase', baseBranch])}, fix each conflicted file, ${commandLine(['git', '-C', worktreePath, 'add', '--'])} <file>, ${commandLine(['git', '-C', worktreePath, 'rebase', '--continue'])}; then end again. Or end without --rebase using --strategy pr or keep and resolve it later.`,
    { conflicts },
  );
}

/** What the checks of a session's worktree and branch read, before anything acts on them. */
export type WorktreeFacts = Pick<
  EndFacts,
  | 'name'
  | 'worktreePath'
  | 'worktreeExists'
  | 'worktreeLocked'
  | 'tip'
  | 'branch'
  | 'worktreeBusy'
  | 'branchHeldBy'
  | 'worktreeBranch'
  | 'unheldHead'
  | 'work'
>;

/**
 * The first reason a session's worktree cannot be removed and its branch brought in: gone,
 * locked, no branch, git busy there, the branch held elsewhere, off its branch, uncommitted
 * work. `keepsWork` (abandon) saves whatever the worktree holds, so only the first checks apply.
 */
export function worktreeRefusal(
  facts: WorktreeFacts,
  what: { keepsWork: boolean; mustNot: string },
): RefusalError | null {
  const { name } = facts;
  if (!facts.worktreeExists) {
    return new RefusalError(
      'worktree-missing',
      `The worktree ${facts.worktreePath} of session "${name}" is gone.`,
      `Run \`${helper('cleanup')}\` to reconcile the manifest with git; it keeps the branch.`,
    );
  }
  if (facts.worktreeLocked) {
    return new RefusalError(
      'worktree-locked',
      `The worktree ${facts.worktreePath} is locked (git worktree lock), so it must not be removed.`,
      `If nothing needs it any more: ${commandLine(['git', 'worktree', 'unlock', facts.worktreePath])}, then run the same command again.`,
    );
  }
  if (facts.tip === null)
    return branchMissingRefusal(name, facts.branch, facts.worktreeExists ? facts.worktreePath : null);
  if (facts.worktreeBusy) return busyRefusal(facts.worktreeBusy, `the worktree of session "${name}"`);
  if (facts.branchHeldBy.length > 0) {
    return new RefusalError(
      'branch-checked-out-elsewhere',
      `The session branch ${facts.branch} is checked out in ${facts.branchHeldBy.join(', ')}, not only in the session's worktree, so ${what.mustNot}; nothing was changed.`,
      `Switch that checkout to another branch (${commandLine(['git', '-C', facts.branchHeldBy[0]!, 'switch', '<branch>'])}), then run the same command again.`,
      { branch: facts.branch, checkouts: facts.branchHeldBy },
    );
  }
  if (facts.unheldHead) return detachedWorkRefusal(facts.worktreePath, facts.unheldHead, facts.branch);
  if (!what.keepsWork && facts.worktreeBranch !== facts.branch) {
    const on = facts.worktreeBranch ? `on ${facts.worktreeBranch}` : 'on a detached HEAD';
    return new RefusalError(
      'worktree-off-branch',
      `The worktree ${facts.worktreePath} is ${on}, not on the session branch ${facts.branch}.`,
      `Check the session branch out again (${commandLine(['cd', facts.worktreePath])} && git switch ${facts.branch}), then run the same command again.`,
    );
  }
  if (!what.keepsWork && facts.work.length > 0) return uncommittedRefusal(name, facts.worktreePath, facts.work);
  return null;
}

/**
 * Paths git refuses to put in any tree: a part named `.git` in any case, or as the NTFS and 8.3 rules git
 * applies everywhere read it (`.git.`, `.git `, `git~1`). Work at such a path cannot be saved under a ref.
 */
export function unstorablePaths(work: readonly StatusEntry[]): string[] {
  return work
    .map((entry) => entry.path)
    .filter((path) => path.split('/').some((part) => /^\.git[. ]*$/i.test(part) || /^git~1$/i.test(part)));
}

/** The first reason the planned end cannot go ahead; null when it can. Checked before anything changes. */
export function endRefusal(facts: EndFacts): RefusalError | null {
  const { name, strategy } = facts;
  const worktree = worktreeRefusal(facts, {
    keepsWork: strategy === 'abandon',
    mustNot: `ending the session must not ${strategy === 'abandon' ? 'delete it' : 'move or remove it'}`,
  });
  if (worktree) return worktree;
  if (strategy === 'abandon') {
    const unstorable = unstorablePaths(facts.work);
    if (unstorable.length > 0)
      return new RefusalError(
        'unsaved-work',
        `git cannot store these paths in a commit (a part of them is named like .git), so abandon cannot save them; nothing was changed:\n${list(unstorable)}`,
        `Rename them, or move them out of ${facts.worktreePath}, then run the same command again.`,
        { paths: unstorable },
      );
  }
  if (strategy === 'pr' || (strategy === 'keep' && facts.remoteGiven)) {
    if (facts.remotes.length === 0) {
      return new RefusalError(
        'no-remote',
        'The repository has no remote, so there is nowhere to push the session branch.',
        `Add one (git remote add origin URL) and run the same command again, or use --strategy keep or merge.`,
      );
    }
    if (!facts.remotes.includes(facts.remote)) {
      return new RefusalError(
        'unknown-remote',
        `There is no remote named "${facts.remote}" (remotes: ${facts.remotes.join(', ')}).`,
        `Pass --remote with one of: ${facts.remotes.join(', ')}.`,
      );
    }
  }
  if (strategy === 'pr' && facts.sessionCommits === 0) {
    return new RefusalError(
      'nothing-to-propose',
      `The session branch ${facts.branch} has no commits that ${facts.baseBranch} lacks, so there is nothing to open a PR for.`,
      `Commit the work first, or end with --strategy merge (nothing to merge; it just cleans up) or --strategy abandon --confirm ${name}.`,
    );
  }
  if (facts.rebase && facts.rebaseOverwrites.length > 0)
    return incomingOverwriteRefusal(
      {
        doing: `Rebasing ${facts.branch} onto ${facts.baseBranch}`,
        baseBranch: facts.baseBranch,
        worktree: facts.worktreePath,
        again: 'run the same command again',
      },
      facts.rebaseOverwrites,
    );
  if ((strategy === 'merge' || strategy === 'pr') && facts.sessionsPaths.length > 0)
    return sessionsPathsRefusal(facts.branch, facts.sessionsDirInRepo!, facts.sessionsPaths);
  if (strategy === 'merge') return mergeRefusal(facts);
  return null;
}

function mergeRefusal(facts: EndFacts): RefusalError | null {
  const { name, baseBranch } = facts;
  if (facts.baseTip === null) {
    return new RefusalError(
      'base-missing',
      `The base branch ${baseBranch} no longer exists, so there is nothing to merge into.`,
      `Recreate it (${commandLine(['git', 'branch', baseBranch])} <commit>) or end with --strategy pr or keep.`,
    );
  }
  if (facts.baseCheckout.where === 'other') {
    return new RefusalError(
      'base-checked-out-elsewhere',
      `The base branch ${baseBranch} is checked out in ${facts.baseCheckout.path}, and merging must not change another worktree under its feet.`,
      `Merge from that checkout (${commandLine(['cd', facts.baseCheckout.path])} && git merge --no-ff ${facts.branch}), or switch it to another branch and run the same command again.`,
    );
  }
  if (facts.mainBusy) return busyRefusal(facts.mainBusy, 'the main checkout, where the merge would run,');
  if (facts.baseCheckout.where === 'main' && facts.mainDirty.length > 0) {
    return new RefusalError(
      'main-dirty',
      `The main checkout ${facts.mainCheckout} has ${baseBranch} checked out with uncommitted changes, and the merge would run there:\n${list(facts.mainDirty)}`,
      `Ask the user to commit or stash them in ${facts.mainCheckout}, then run the same command again.`,
      { tracked: facts.mainDirty },
    );
  }
  if (facts.prediction && !facts.prediction.clean && !facts.rebase)
    return mergeConflictRefusal(name, baseBranch, facts.worktreePath, facts.prediction.conflicts);
  if (facts.overwrites.length > 0) return overwriteRefusal(facts.branch, facts.mainCheckout, facts.overwrites);
  return null;
}

/** The merge would write over files git does not track in the main checkout (an ignored .env). */
export function overwriteRefusal(branch: string, mainCheckout: string, paths: string[]): RefusalError {
  return new RefusalError(
    'would-overwrite',
    `Merging ${branch} would write over ${paths.length} untracked or ignored file(s) in the main checkout ${mainCheckout}, which have no copy anywhere else; nothing was changed:\n${list(paths)}`,
    `Move them aside in the main checkout (or, if the branch should not track them, remove them from the branch: ${commandLine(['git', 'rm', '--cached', '--', paths[0]!])} in the session and commit), then run the same command again.`,
    { paths },
  );
}

/**
 * Bringing the base into a session (a sync, or `end --rebase`) would write over files git does not track in the
 * session's worktree: the base now has files where the user keeps an ignored .env or an untracked config. Git
 * would replace them with the base's version, and the abort of a conflict would then remove them.
 */
export function incomingOverwriteRefusal(
  what: { doing: string; baseBranch: string; worktree: string; again: string },
  paths: string[],
): RefusalError {
  return new RefusalError(
    'would-overwrite',
    `${what.doing} would write over ${paths.length} untracked or ignored file(s) in the worktree ${what.worktree} with the files ${what.baseBranch} now has at those paths (or, for a rebase, that the session's own commits it replays held there), and git would keep no copy of them; nothing was changed:\n${list(paths)}`,
    `Move them out of the worktree to a place of your own (a copy left inside it under another name would count as uncommitted work), then ${what.again}; afterwards compare them with the versions that came in and put back what should stay.`,
    { paths },
  );
}

/** The branch adds or changes files below a sessions folder inside the repository: other sessions' worktrees. */
export function sessionsPathsRefusal(branch: string, sessionsDirInRepo: string, paths: string[]): RefusalError {
  return new RefusalError(
    'branch-writes-sessions',
    `${branch} would change files below the sessions folder ${sessionsDirInRepo}/, where other sessions' worktrees live; nothing was changed:\n${list(paths)}`,
    `Remove them from the branch (${commandLine(['git', 'rm', '-r', '--cached', '--', `${sessionsDirInRepo}/`])} in the session, then commit), then run the same command again.`,
    { paths },
  );
}

export function mergeConflictRefusal(
  name: string,
  baseBranch: string,
  worktreePath: string,
  conflicts: string[],
): RefusalError {
  return new RefusalError(
    'merge-conflicts',
    `Merging session/${name} into ${baseBranch} would conflict; nothing was changed. Conflicting files:\n${list(conflicts)}`,
    `Bring ${baseBranch} into the session and resolve the conflicts there first (/parallel.sync in the session, or ${commandLine(['git', '-C', worktreePath, 'merge', baseBranch])}, fix each file, ${commandLine(['git', '-C', worktreePath, 'add', '--'])} <file>, ${commandLine(['git', '-C', worktreePath, 'commit', '--no-edit'])}), then end again; or end with --strategy pr or keep and resolve it in review.`,
    { conflicts },
  );
}

/** Facts every strategy reports: how far the base moved, and whether a merge would conflict. */
export function factLines(
  facts: Pick<EndFacts, 'baseBranch' | 'baseStart' | 'baseGained' | 'sessionCommits' | 'prediction' | 'baseTip'>,
): string[] {
  if (facts.baseTip === null) return [`! The base branch ${facts.baseBranch} no longer exists; no merge prediction.`];
  const gained =
    facts.baseGained === 0
      ? `- ${facts.baseBranch} has not moved since the session branched from it or last synced (${shortSha(facts.baseStart)})`
      : `${facts.baseGained! > 0 ? '!' : '-'} ${facts.baseBranch} gained ${facts.baseGained} commit(s) since the session branched from it or last synced (${shortSha(facts.baseStart)})`;
  const own = `- The session has ${facts.sessionCommits} commit(s) ${facts.baseBranch} lacks`;
  const prediction =
    facts.prediction === null
      ? '- Merge prediction unavailable (needs git 2.38 or newer)'
      : facts.prediction.clean
        ? `- Merging into ${facts.baseBranch} would not conflict`
        : `! Merging into ${facts.baseBranch} would conflict in ${facts.prediction.conflicts.length} file(s): ${facts.prediction.conflicts.join(', ')}`;
  return [gained, own, prediction];
}

export function mergeMessage(name: string, goals: string[]): string {
  const goal = goals.map(oneLine).find(Boolean);
  return goal ? `Merge session ${name}: ${goal}` : `Merge session ${name}`;
}

export function prTitle(name: string, goals: string[], given: string | undefined): string {
  if (given) return given;
  return goals.map(oneLine).find(Boolean) ?? name;
}

const PLACEHOLDER = /^_Written at \/dev-session\.end\._$/;

/** The body of the log's "## Summary" section, or null when it is missing or still the stub's placeholder. */
export function summarySection(log: string): string | null {
  const lines = log.split(/\r?\n/);
  const start = lines.findIndex((line) => /^##\s+Summary\s*$/.test(line));
  if (start === -1) return null;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => /^#{1,2}\s/.test(line));
  const body = (end === -1 ? rest : rest.slice(0, end)).join('\n').trim();
  if (body === '' || PLACEHOLDER.test(body)) return null;
  return body;
}

export function defaultPrBody(name: string, goals: string[], branch: string): string {
  const goalLines = goals.length > 0 ? ['', 'Goals:', ...goals.map((g) => `- ${oneLine(g)}`)] : [];
  return [`Work from the parallel dev session "${name}" (branch ${branch}).`, ...goalLines, ''].join('\n');
}

/** True when the log already carries the note, from an earlier keep that stopped before the end. */
export function hasMergePendingNote(log: string): boolean {
  return /^## Merge pending\s*$/m.test(log);
}

/** The text added to the session log when the branch is kept for a later merge. */
export function mergePendingNote(branch: string, baseBranch: string, when: string): string {
  return `\n## Merge pending\n\nEnded on ${when} with the branch ${branch} kept for later; it is not merged into ${baseBranch} yet.\n`;
}

/** `20260115T100000Z`: sortable, and safe in a ref name. */
export function refTimestamp(date: Date): string {
  return compactTimestamp(date);
}

export function abandonedRef(name: string, date: Date, attempt = 1): string {
  return `refs/sessions/abandoned/${name}/${refTimestamp(date)}${attempt > 1 ? `-${attempt}` : ''}`;
}

/** `x_session.md`, then `x_session-2.md`, ... : the first name `exists` says is free. */
export function freeFileName(fileName: string, exists: (name: string) => boolean): string {
  if (!exists(fileName)) return fileName;
  const dot = fileName.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [fileName.slice(0, dot), fileName.slice(dot)] : [fileName, ''];
  for (let n = 2; ; n++) {
    const candidate = `${stem}-${n}${ext}`;
    if (!exists(candidate)) return candidate;
  }
}

export { commandLine, shellQuote } from '../lib/shell-words.js';

export interface StepLine {
  id: string;
  text: string;
}

export interface EndRendering {
  name: string;
  facts: string[];
  steps: StepLine[];
  warnings: string[];
  notes: string[];
  worktreePath: string;
  next: string[];
  /** The caller's folder was left, empty, for its shell. */
  leftForCaller?: boolean;
}

export function renderEnd(view: EndRendering): string {
  return [
    ...view.facts,
    ...view.steps.map((step) => `✓ ${step.text}`),
    ...view.warnings.map((warning) => `! ${warning}`),
    ...view.notes.map((note) => `- ${note}`),
    view.leftForCaller
      ? `✓ Session "${view.name}" ended. Its worktree is removed; ${view.worktreePath} is left empty for the shell standing in it, and goes when that shell exits. Run nothing more there.`
      : `- Session "${view.name}" ended. Its worktree ${view.worktreePath} is gone; a shell that was in it must leave it.`,
    '',
    `Next: ${view.next[0]}`,
    ...view.next.slice(1).map((line) => `  then: ${line}`),
  ].join('\n');
}

/**
 * Where the base branch is held: the main checkout is git's first worktree. `branch` is the
 * branch a worktree holds, counting one a rebase or bisect there will move or return to.
 */
export function classifyBaseCheckout(
  worktrees: Array<{ path: string; branch: string | null }>,
  baseBranch: string,
): BaseCheckout {
  const index = worktrees.findIndex((worktree) => worktree.branch === `refs/heads/${baseBranch}`);
  if (index === -1) return { where: 'nowhere' };
  return index === 0 ? { where: 'main' } : { where: 'other', path: worktrees[index]!.path };
}

export type PushFailure = 'rejected' | 'access' | 'network' | 'other';

/** What kind of failure a push's stderr describes, so the next step fits it. */
export function classifyPushFailure(stderr: string): PushFailure {
  if (/\[rejected\]|non-fast-forward|fetch first|\(stale info\)/i.test(stderr)) return 'rejected';
  if (/could not resolve host|network is unreachable|connection (timed out|refused)|operation timed out/i.test(stderr))
    return 'network';
  if (
    /permission denied|authentication failed|could not read from remote|repository not found|access denied|403|401/i.test(
      stderr,
    )
  )
    return 'access';
  return 'other';
}

/** The next step after a failed push, for the kind of failure it was. */
export function pushFailureNext(kind: PushFailure, remote: string, branch: string): string {
  switch (kind) {
    case 'rejected':
      return `${remote} has commits on ${branch} that the local branch lacks (the push was rejected as non-fast-forward, e.g. after a rebase of a pushed branch). Bring them in first (${commandLine(['git', 'pull', '--no-rebase', remote, branch])} in the session), or, if the local branch is meant to replace them, ${commandLine(['git', 'push', '--force-with-lease', remote, branch])}; then run the same command again.`;
    case 'access':
      return `Fix access to ${remote} (try: ${commandLine(['git', 'push', '--set-upstream', remote, branch])}), then run the same command again.`;
    case 'network':
      return `${remote} could not be reached; run the same command again when the network is back.`;
    case 'other':
      return `Fix the problem git reports above (try: ${commandLine(['git', 'push', '--set-upstream', remote, branch])}), then run the same command again.`;
  }
}
