/**
 * Gathers what status, overlap and the hooks need to know about every session, reading only.
 * Git is the source of truth for worktrees; the manifest adds what git cannot know. Calls run
 * in parallel, bounded by lib/limit.ts (one more than the cores), and batch where git allows: one for-each-ref
 * for every branch tip and date, the worktree list that findProject already read, and one
 * comparison of every session tip with its base (branch-batch.ts) for what no earlier run kept.
 * A git failure on one session is recorded on that session and never stops the others.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { checkWorktreePid, isDirectlyInside } from '../../core/paths.js';
import { limiter, type Limit } from '../../lib/limit.js';
import { liveness } from '../../lib/process.js';
import { checkoutBusySync } from '../../git/checkout-state.js';
import { trustProblemsOf } from '../resolve-session.js';
import { ManifestInvalidError, readManifest } from '../../store/manifest-store.js';
import { emptyManifest, type Manifest, type SessionEntry } from '../../core/manifest-types.js';
import { ownFilesOf, worktreePathOf, type Project } from '../../store/project.js';
import { classifySession, type SessionFacts } from '../../core/session-state.js';
import { sessionWork, type StatusEntry } from '../../core/status-porcelain.js';
import type { PredictedPair } from '../../core/overlap.js';
import { predictPairs } from '../pair-predictions.js';
import { changesOf } from '../../core/status-report.js';
import { shortBranch, type WorktreeRecord } from '../../core/worktree-list.js';
import { aheadBehind } from '../../git/branches.js';
import { readStatus } from '../../git/changes.js';
import { changedFilesSinceFork } from '../../git/compare.js';
import { branchTips, type BranchTip } from '../../git/branches.js';
import { MERGE_TREE_UNSUPPORTED, predictMerge } from '../../git/merge.js';
import { pairKey, type TipPair } from '../../core/commit-graph.js';
import { compareTipsInBatch, type BatchAnswer, type BatchPair } from './branch-batch.js';
import type { ComparisonCache, MergeOutcome, TipComparison } from '../../store/comparison-cache.js';
import type { ReportProblem } from '../../core/status-report.js';
import type { RefFacts } from '../../git/refs.js';
import { readAgentState } from '../../store/agent-state.js';

export interface ManifestRead {
  manifest: Manifest;
  /** Set when the manifest is unusable; the manifest above is then empty. */
  problem: ReportProblem | null;
}

/** Reads the manifest, turning an unusable one into a reported problem instead of an error. */
export function readManifestForReport(project: Project): ManifestRead {
  try {
    return { manifest: readManifest(project.manifestPath, project.name), problem: null };
  } catch (error) {
    if (error instanceof ManifestInvalidError) {
      return {
        manifest: emptyManifest(project.name),
        problem: {
          code: error.code,
          message: `${error.message} The sessions below are listed from git alone.`,
          next: error.next,
        },
      };
    }
    const message = error instanceof Error ? error.message : String(error);
    return {
      manifest: emptyManifest(project.name),
      problem: {
        code: 'manifest-unreadable',
        message: `The session manifest ${project.manifestPath} could not be read: ${message}`,
        next: 'Check the file and its permissions.',
      },
    };
  }
}

export interface GatherOptions {
  /** Predict each session's merge into its base with merge-tree. */
  predictMerges: boolean;
  limit?: Limit;
  /** Every branch and saved ref, when the caller read them already (status reads them once for its leftovers too). */
  refs?: Promise<RefFacts[]>;
  /** What earlier runs learnt comparing a branch with its base, by both tips: asked of git again only for tips that moved. */
  comparisons?: ComparisonCache;
}

/** Branch tips by short name, from the one for-each-ref. */
export function tipsFromRefs(refs: readonly RefFacts[]): Map<string, BranchTip> {
  return new Map(
    refs
      .filter((row) => row.ref.startsWith('refs/heads/'))
      .map((row) => [row.ref.slice('refs/heads/'.length), { commit: row.commit, date: row.date }]),
  );
}

export interface ProjectFacts {
  sessions: SessionFacts[];
  /** Worktrees that are neither the main checkout nor in the sessions folder. */
  otherWorktrees: WorktreeRecord[];
  tips: Map<string, BranchTip>;
}

interface Candidate {
  id: string;
  entry: SessionEntry | null;
  worktreePath: string;
  record: WorktreeRecord | null;
}

/** Manifest entries, plus worktrees in the sessions folder the manifest does not list. */
function candidates(project: Project, manifest: Manifest): { sessions: Candidate[]; others: WorktreeRecord[] } {
  const linked = project.worktrees.slice(1);
  const byPath = new Map(linked.map((record) => [record.path, record]));
  const claimed = new Set<string>();
  const sessions: Candidate[] = manifest.sessions.map((entry) => {
    const worktreePath = worktreePathOf(project, entry);
    claimed.add(worktreePath);
    return { id: entry.id, entry, worktreePath, record: byPath.get(worktreePath) ?? null };
  });
  const others: WorktreeRecord[] = [];
  for (const record of linked) {
    if (claimed.has(record.path)) continue;
    if (
      isDirectlyInside(project.sessionsDir, record.path) &&
      checkWorktreePid(project.sessionsDir, record.path) === null
    )
      sessions.push({ id: basename(record.path), entry: null, worktreePath: record.path, record });
    else others.push(record);
  }
  sessions.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.worktreePath < b.worktreePath ? -1 : 1));
  return { sessions, others };
}

function ownerAlive(entry: SessionEntry | null): boolean | null {
  if (!entry || entry.status === 'active') return null;
  const state = liveness(entry.owner);
  return state === 'unknown' ? null : state === 'alive';
}

/** The paths of a session's own uncommitted work; a rename counts both its paths. */
export function uncommittedPaths(entries: StatusEntry[], packFiles: readonly string[] | undefined): string[] {
  return [
    ...new Set(
      sessionWork(entries, packFiles).flatMap((entry) => (entry.from ? [entry.path, entry.from] : [entry.path])),
    ),
  ].sort();
}

const message = (error: unknown) => (error instanceof Error ? error.message.split('\n')[0]! : String(error));

/**
 * Each session's worktree status is asked for at once, without waiting for the branch tips: those are needed only
 * by the branch comparisons, which follow the one for-each-ref.
 */
export async function gatherProjectFacts(
  project: Project,
  manifest: Manifest,
  options: GatherOptions,
): Promise<ProjectFacts> {
  const limit = options.limit ?? limiter();
  const main = project.mainCheckout;
  const tips = options.refs ? options.refs.then(tipsFromRefs) : limit(() => branchTips(main));
  const { sessions: found, others } = candidates(project, manifest);
  const batch = tips.then((read) => compareInBatch(main, found, read, limit, options));
  const sessions = await Promise.all(
    found.map((candidate) => gatherOne(project, candidate, tips, batch, limit, options)),
  );
  return { sessions, otherWorktrees: others, tips: await tips };
}

/** A session's branch, and the branch it is to land on (known only from its manifest entry). */
function branchesOf(candidate: Candidate): { branch: string | null; baseBranch: string | null } {
  return {
    branch: candidate.entry?.branch ?? shortBranch(candidate.record?.branch ?? null),
    baseBranch: candidate.entry?.base.branch ?? null,
  };
}

/** The pair of tips a session's branch comparison is about, when both branches exist. */
function tipPairOf(candidate: Candidate, tips: ReadonlyMap<string, BranchTip>): TipPair | null {
  const { branch, baseBranch } = branchesOf(candidate);
  const tip = branch ? tips.get(branch)?.commit : undefined;
  const base = baseBranch ? tips.get(baseBranch)?.commit : undefined;
  return tip && base ? { base, tip } : null;
}

/** Whether what earlier runs kept answers all this run asks about the pair. */
function keptAnswersAll(kept: TipComparison, predictMerges: boolean): boolean {
  const counts = kept.counts;
  if (!counts) return false;
  if (counts.ahead > 0 && !kept.files) return false;
  return !predictMerges || counts.ahead === 0 || counts.behind === 0 || kept.merge !== undefined;
}

/**
 * The batch comparison of every pair nothing kept answers in full. A git failure here is not reported: each pair
 * it leaves out is asked of git on its own, and a failure there is the session's problem to show.
 */
async function compareInBatch(
  main: string,
  found: readonly Candidate[],
  tips: ReadonlyMap<string, BranchTip>,
  limit: Limit,
  options: GatherOptions,
): Promise<Map<string, BatchAnswer>> {
  const pairs = found.flatMap((candidate): BatchPair[] => {
    const pair = tipPairOf(candidate, tips);
    if (!pair) return [];
    const kept = options.comparisons?.get(pair.base, pair.tip) ?? {};
    if (keptAnswersAll(kept, options.predictMerges)) return [];
    return [{ ...pair, files: !kept.files, merge: options.predictMerges && !kept.merge }];
  });
  try {
    return await compareTipsInBatch(main, pairs, limit);
  } catch {
    return new Map();
  }
}

async function gatherOne(
  project: Project,
  candidate: Candidate,
  tipsRead: Promise<Map<string, BranchTip>>,
  batchRead: Promise<Map<string, BatchAnswer>>,
  limit: Limit,
  options: GatherOptions,
): Promise<SessionFacts> {
  const { entry, record } = candidate;
  const { branch, baseBranch } = branchesOf(candidate);
  const facts: SessionFacts = {
    id: candidate.id,
    entry,
    worktreePath: candidate.worktreePath,
    folderExists: existsSync(candidate.worktreePath),
    knownToGit: record !== null,
    locked: record?.locked ?? false,
    lockedReason: record?.lockedReason ?? null,
    prunable: record?.prunable ?? false,
    prunableReason: record?.prunableReason ?? null,
    ownerAlive: ownerAlive(entry),
    branch,
    branchTip: null,
    lastCommitDate: null,
    baseBranch,
    baseTip: null,
    ahead: null,
    behind: null,
    uncommittedFiles: null,
    committedFiles: null,
    merge: null,
    mergeNote: null,
    problems: [],
    trustProblems: entry ? trustProblemsOf(project, entry) : [],
    busy: null,
    setupOwner: entry?.setup?.status === 'running' ? liveness(entry.setup.owner) : null,
    agent: null,
    agentClient: null,
    state: 'active',
  };
  // The agent's state file: a small read, never a lock; an unregistered worktree has none that counts.
  if (entry) {
    facts.agent = readAgentState(project.sessionsDir, entry.id);
    facts.agentClient = facts.agent?.client ? liveness(facts.agent.client) : null;
  }
  const attempt = async <T>(what: string, task: () => Promise<T>): Promise<T | null> => {
    try {
      return await limit(task);
    } catch (error) {
      facts.problems.push(`${what}: ${message(error)}`);
      return null;
    }
  };
  // A worktree git is still adding (or whose add was killed) has no checkout to read yet.
  const beingAdded = record !== null && record.locked && record.lockedReason === 'initializing';
  const readable = facts.folderExists && facts.knownToGit && !facts.prunable && !beingAdded;
  const statusRead = readable
    ? attempt('reading uncommitted changes', () => readStatus(candidate.worktreePath)).then((entries) => {
        if (entries)
          facts.uncommittedFiles = uncommittedPaths(entries, entry ? ownFilesOf(entry, candidate.worktreePath) : []);
        facts.busy = checkoutBusySync(candidate.worktreePath, entries ?? []);
      })
    : Promise.resolve();
  const branchRead = (async () => {
    const tips = await tipsRead;
    const tip = branch ? (tips.get(branch) ?? null) : null;
    const baseTip = baseBranch ? (tips.get(baseBranch)?.commit ?? null) : null;
    facts.branchTip = tip?.commit ?? null;
    facts.lastCommitDate = tip?.date ?? null;
    facts.baseTip = baseTip;
    if (!facts.branchTip || !baseTip) return;
    const sessionTip = facts.branchTip;
    // What an earlier status learnt for these very two commits holds for them still; the rest is asked of git.
    const kept = options.comparisons?.get(baseTip, sessionTip) ?? {};
    const batched = keptAnswersAll(kept, options.predictMerges)
      ? undefined
      : (await batchRead).get(pairKey({ base: baseTip, tip: sessionTip }));
    const learnt: TipComparison = {};
    try {
      const counts =
        kept.counts ??
        batched?.counts ??
        (await attempt('counting commits ahead/behind', () => aheadBehind(project.mainCheckout, sessionTip, baseTip)));
      if (!counts) return;
      if (!kept.counts) learnt.counts = counts;
      facts.ahead = counts.ahead;
      facts.behind = counts.behind;
      const work: Promise<unknown>[] = [];
      if (counts.ahead === 0) facts.committedFiles = [];
      else if (kept.files) facts.committedFiles = kept.files;
      else if (batched?.files) facts.committedFiles = learnt.files = batched.files;
      else {
        work.push(
          attempt('listing changed files', () => changedFilesSinceFork(project.mainCheckout, baseTip, sessionTip)).then(
            (files) => {
              facts.committedFiles = files;
              if (files) learnt.files = files;
            },
          ),
        );
      }
      if (options.predictMerges) {
        if (counts.ahead === 0 || counts.behind === 0) {
          // Nothing to merge, or a fast-forward: clean without asking git.
          facts.merge = { clean: true, conflicts: [] };
        } else if (kept.merge) {
          facts.merge = kept.merge;
        } else if (batched?.merge) {
          facts.merge = learnt.merge = batched.merge;
        } else {
          work.push(
            predictOne(project, baseTip, sessionTip, attempt).then((outcome) => {
              if (outcome === 'unsupported') facts.mergeNote = MERGE_TREE_UNSUPPORTED;
              else if (outcome) facts.merge = learnt.merge = outcome;
            }),
          );
        }
      }
      await Promise.all(work);
    } finally {
      if (learnt.counts || learnt.files || learnt.merge) options.comparisons?.learn(baseTip, sessionTip, learnt);
    }
  })();
  await Promise.all([statusRead, branchRead]);
  facts.state = classifySession({
    entry,
    folderExists: facts.folderExists,
    knownToGit: facts.knownToGit,
    locked: facts.locked,
    prunable: facts.prunable,
    ownerAlive: facts.ownerAlive,
    branchTip: facts.branchTip,
    ahead: facts.ahead,
    uncommitted: facts.uncommittedFiles?.length ?? null,
    trustProblems: facts.trustProblems,
    busy: facts.busy,
  });
  return facts;
}

/** The prediction of merging `theirs` into `ours`, from merge-tree. */
async function predictOne(
  project: Project,
  ours: string,
  theirs: string,
  attempt: <T>(what: string, task: () => Promise<T>) => Promise<T | null>,
): Promise<MergeOutcome | 'unsupported' | null> {
  // null: the attempt failed (and said why); 'unsupported': git is too old to predict.
  const prediction = await attempt(
    'predicting the merge',
    async () => (await predictMerge(project.mainCheckout, ours, theirs)) ?? ('unsupported' as const),
  );
  if (prediction === null || prediction === 'unsupported') return prediction;
  return { clean: prediction.clean, conflicts: prediction.conflicts };
}

/** Predicts merging each pair of sessions' branches (engine/pair-predictions.ts). */
export function predictSessionPairs(
  project: Project,
  sessions: readonly SessionFacts[],
  limit: Limit = limiter(),
): Promise<PredictedPair[]> {
  return predictPairs(
    project.mainCheckout,
    sessions.map(changesOf),
    new Map(sessions.map((session) => [session.id, session.branchTip])),
    limit,
  );
}
