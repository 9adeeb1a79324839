/**
 * The editing hook's question: which other active sessions change the file about to be
 * edited, in their commits (since they forked from their base) or uncommitted in their
 * worktrees (staged, unstaged, or a new file), whatever tool made the change.
 *
 * It is asked before every edit, so it is answered for that one path, in-process, from git's
 * own files, in time that barely grows with the number of sessions:
 *
 * - committed: each session's files changed since its fork, kept under its branch tip and
 *   its base's tip (store/comparison-cache.ts, shared with status); only a session whose
 *   tips moved since either last looked costs a `git diff`;
 * - uncommitted: the path's entry in each other worktree's index (read through a layout
 *   cached under that index file's identity), compared with the file's stat data as git
 *   compares them, and with its content's id where stat data differ or are racy; what the
 *   index holds against HEAD comes from git's cached root tree, or from one cached `git diff
 *   --cached` per index version;
 * - kept: an answer read from stat data alone is kept under the stat data of every file it
 *   rests on, once they have settled (engine/hook/kept-answers.ts): a worktree left alone since
 *   costs a few lstats, and any write to one of those files sends it back to the reading above.
 *
 * Wherever the in-process reading is not certain to see what git sees (filters and
 * line-ending conversion, ignore rules for a new file, submodules, split or sparse indexes,
 * skip-worktree and assume-unchanged entries, file modes and types, anything unreadable),
 * that worktree gets a real `git status -- <path>`, exactly as before. Nothing here writes.
 */
import { existsSync, readlinkSync } from 'node:fs';
import { below } from '../../lib/below.js';
import { blobOid, bytePath, lookupPath, MODE_SYMLINK, type IndexEntry } from '../../core/git-index.js';
import type { EditOverlap } from '../../core/hook-messages.js';
import type { SessionEntry } from '../../core/manifest-types.js';
import { worktreeVerdict } from '../../core/path-change.js';
import { isPackFile, sessionWork } from '../../core/status-porcelain.js';
import { changedFilesSinceFork, commitsTouch, rootTrees, stagedPaths, statusOfPath } from '../../git/compare.js';
import { repositoryConversionDoubt, worktreeConversionDoubt } from '../../git/conversion-doubt.js';
import { openIndex } from '../../git/index-file.js';
import { readHead, worktreeGitDir, type RepoFiles } from '../../git/repo-files.js';
import { limiter } from '../../lib/limit.js';
import { readBoundedFile } from '../../lib/safe-fs.js';
import type { ComparisonCache } from '../../store/comparison-cache.js';
import type { HookCache } from '../../store/hook-cache.js';
import { ownFilesOf } from '../../store/project.js';
import { tipsOf } from '../../git/branch-tips.js';
import { diskFacts, statFactsOf } from './disk-facts.js';
import { answerToKeep, keepAnswer, keptAnswer, type AnswerGrounds } from './kept-answers.js';

export interface EditCheck {
  mainCheckout: string;
  /** The path about to be edited, relative to its worktree, with / separators. */
  rel: string;
  others: readonly SessionEntry[];
  worktreeOf(entry: SessionEntry): string;
  /**
   * The entry's worktree path as stored, made absolute but not resolved through symlinks: what kept answers are filed
   * under. They rest on the stat data of the files themselves, which are the same whichever path reaches them, so a
   * session answered from them costs no resolving.
   */
  storedWorktreeOf(entry: SessionEntry): string;
  /** git's files as read in-process; null when they could not be, and every answer then comes from git. */
  repo: RepoFiles | null;
  env: NodeJS.ProcessEnv;
  /** What earlier runs learnt; what this one learns goes into it, and the caller saves it. */
  cache: HookCache;
  /** The same, for each session tip against its base tip. */
  comparisons: ComparisonCache;
  /** The clock, in nanoseconds since the epoch, read before anything is looked at: what has settled by then (core/settled-stat.ts). */
  nowNs: bigint;
}

/** Above this, a file is left to git rather than read and hashed here. */
const MAX_HASHED_BYTES = 64 * 1024 * 1024;

/** The bytes git hashes for the entry's file: a symlink's target, or the file's content. Null when it is gone; undefined when it is left to git. */
function contentOf(path: string, entry: IndexEntry): Buffer | null | undefined {
  try {
    if (entry.mode === MODE_SYMLINK) return readlinkSync(path, { encoding: 'buffer' });
    return readBoundedFile(path, MAX_HASHED_BYTES);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : undefined;
  }
}

const ASK_GIT = 'ask-git' as const;

/** What the in-process reading left open for one worktree: what its index holds against HEAD. */
interface StagedQuestion {
  head: string;
  /** The index version, for the staged-paths cache; null when it cannot be told apart. */
  identity: string | null;
  /** git's cached root tree of the index, when it has a valid one. */
  cachedRoot: string | null;
}

/** true: changed, for certain; false: not a change of this session's; or what is left to ask. */
type FirstAnswer = boolean | typeof ASK_GIT | StagedQuestion;

/** The in-process answer, with what it rests on when it is one to keep across runs (engine/hook/kept-answers.ts). */
interface InProcessAnswer {
  first: FirstAnswer;
  grounds: AnswerGrounds | null;
}

function inProcessAnswer(
  check: EditCheck,
  repo: RepoFiles,
  cache: HookCache,
  session: SessionEntry,
  worktree: string,
): InProcessAnswer {
  const asked = (first: FirstAnswer): InProcessAnswer => ({ first, grounds: null });
  // Each file's stat data are looked at before it is read, so what is kept names the version read or an older one.
  const gitFile = statFactsOf(below(worktree, '.git'));
  const gitDir = worktreeGitDir(worktree, repo);
  if (!gitDir) return asked(ASK_GIT);
  const index = openIndex(gitDir, repo.hashBytes, (identity) => cache.get('layouts', identity));
  if (!index) return asked(ASK_GIT);
  try {
    if (index.fresh && index.identity) cache.set('layouts', index.identity, index.layout);
    if (index.layout.unsupported.length > 0) return asked(ASK_GIT);
    const lookup = lookupPath(index.layout, index.read, bytePath(check.rel));
    const disk = diskFacts(worktree, check.rel);
    const found = worktreeVerdict(lookup, disk, index.mtimeNs);
    // Only a verdict from stat data alone is kept; where content was hashed, filters had a say.
    const keepable = index.identity !== null && !repo.worktreeConfig;
    switch (found.verdict) {
      case 'changed':
        return { first: true, grounds: keepable ? { gitFile, gitDir, index: index.stat, head: null, disk } : null };
      case 'ask-git':
        return asked(ASK_GIT);
      case 'untracked':
        // A new file counts unless it is one the pack put there; whether git ignores it is git's to say.
        if (!isPackFile(check.rel, ownFilesOf(session, worktree))) return asked(ASK_GIT);
        break;
      case 'hash': {
        const indexHolds = (path: string) => index.layout.attributes.includes(bytePath(path));
        if (
          repositoryConversionDoubt(repo.commonDir, check.env) ||
          worktreeConversionDoubt(worktree, gitDir, check.rel, indexHolds)
        )
          return asked(ASK_GIT);
        const content = contentOf(below(worktree, check.rel), found.entry);
        if (content === undefined) return asked(ASK_GIT);
        if (content === null || blobOid(content, repo.hashBytes) !== found.entry.oid) return asked(true);
        break;
      }
      case 'clean':
        break;
    }
    const headStat = statFactsOf(below(gitDir, 'HEAD'));
    const head = readHead(gitDir, repo);
    if (!head?.commit) return asked(ASK_GIT);
    const root = index.layout.cacheTree;
    return {
      first: { head: head.commit, identity: index.identity, cachedRoot: root?.valid ? root.oid : null },
      grounds:
        keepable && found.verdict === 'clean'
          ? { gitFile, gitDir, index: index.stat, head: { stat: headStat, facts: head }, disk }
          : null,
    };
  } finally {
    index.close();
  }
}

export async function editOverlaps(check: EditCheck): Promise<EditOverlap[]> {
  const { mainCheckout, rel, others, repo, cache, comparisons } = check;
  const limit = limiter();
  const once = new Map<string, Promise<unknown>>();
  const onceFor = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    let running = once.get(key) as Promise<T> | undefined;
    if (!running) once.set(key, (running = limit(work)));
    return running;
  };

  const tips = await tipsOf(
    mainCheckout,
    repo,
    others.flatMap((session) => [session.branch, session.base.branch]),
  );
  const committedIn = async (session: SessionEntry): Promise<boolean> => {
    const tip = tips.get(session.branch);
    const base = tips.get(session.base.branch);
    if (!tip || !base) return false;
    const key = `${tip} ${base}`;
    let files = comparisons.get(base, tip).files;
    if (!files) {
      try {
        files = await onceFor(`fork ${key}`, () => changedFilesSinceFork(mainCheckout, base, tip));
      } catch {
        // No fork point (unrelated histories): ask about this path alone, uncached. A session git cannot read at all silences only itself.
        return onceFor(`touch ${key}`, () => commitsTouch(mainCheckout, base, tip, rel)).catch(() => false);
      }
      comparisons.learn(base, tip, { files });
    }
    return files.includes(rel);
  };

  const askGit = (session: SessionEntry, worktree: string) =>
    onceFor(`status ${worktree}`, () => statusOfPath(worktree, rel)).then(
      (entries) => sessionWork(entries, ownFilesOf(session, worktree)).length > 0,
    );

  const keep = (place: string, grounds: AnswerGrounds | null, changed: boolean) => {
    if (repo && grounds) keepAnswer(cache, repo, place, rel, answerToKeep(grounds, changed, check.nowNs));
  };

  const firsts = others.map((session) => {
    const place = check.storedWorktreeOf(session);
    let kept: boolean | undefined | typeof ASK_GIT;
    try {
      kept = repo ? keptAnswer(cache, repo, place, rel) : undefined;
    } catch {
      kept = ASK_GIT;
    }
    // Taken as kept: nothing of this session is read, nor its worktree resolved.
    if (typeof kept === 'boolean') return { session, worktree: place, place, first: kept, grounds: null };
    const worktree = check.worktreeOf(session);
    let first: FirstAnswer = ASK_GIT;
    let grounds: AnswerGrounds | null = null;
    if (repo && kept === undefined) {
      try {
        ({ first, grounds } = inProcessAnswer(check, repo, cache, session, worktree));
      } catch {
        first = ASK_GIT;
        grounds = null;
      }
    }
    if (typeof first === 'boolean') keep(place, grounds, first);
    // A worktree that is gone has nothing uncommitted (its commits are still counted).
    if (first === ASK_GIT && !existsSync(worktree)) first = false;
    return { session, worktree, place, first, grounds };
  });

  // One rev-parse for every HEAD whose root tree is not known yet.
  const heads = [
    ...new Set(
      firsts.flatMap(({ first }) =>
        typeof first === 'object' && first.cachedRoot && cache.get('trees', first.head) === undefined
          ? [first.head]
          : [],
      ),
    ),
  ];
  const trees =
    heads.length > 0
      ? onceFor('trees', () => rootTrees(mainCheckout, heads)).catch(() => new Map<string, string>())
      : Promise.resolve(new Map<string, string>());

  const uncommittedIn = async (entry: (typeof firsts)[number]): Promise<boolean> => {
    const { session, worktree, place, first, grounds } = entry;
    if (first === ASK_GIT) return askGit(session, worktree);
    if (typeof first === 'boolean') return first;
    const answer = await stagedAnswer(worktree, first);
    keep(place, grounds, answer);
    return answer;
  };

  /** Whether the index holds `rel` changed against HEAD. */
  const stagedAnswer = async (worktree: string, question: StagedQuestion): Promise<boolean> => {
    const { head, identity, cachedRoot } = question;
    if (cachedRoot) {
      let tree = cache.get('trees', head);
      if (tree === undefined) {
        tree = (await trees).get(head);
        if (tree) cache.set('trees', head, tree);
      }
      // The index would write exactly HEAD's tree: nothing is staged.
      if (tree === cachedRoot) return false;
    }
    const key = identity ? `${head} ${identity}` : null;
    let staged = key ? cache.get('staged', key) : undefined;
    if (!staged) {
      staged = await onceFor(`staged ${worktree}`, () => stagedPaths(worktree, head));
      if (key) cache.set('staged', key, staged);
    }
    return staged.includes(rel);
  };

  const [committed, uncommitted] = await Promise.all([
    Promise.all(others.map((session) => committedIn(session))),
    Promise.all(
      firsts.map((entry) => uncommittedIn(entry).catch(() => askGit(entry.session, entry.worktree).catch(() => false))),
    ),
  ]);
  return others
    .map((session, i) => ({ id: session.id, committed: committed[i]!, uncommitted: uncommitted[i]! }))
    .filter((overlap) => overlap.committed || overlap.uncommitted)
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}
