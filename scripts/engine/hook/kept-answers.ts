/**
 * Answers the editing hook keeps between runs: whether one path is changed, uncommitted, in
 * one worktree, under the versions of every file that answer was read from. A later run that
 * finds each of them the same version (by stat data, core/settled-stat.ts) and the path's disk
 * facts the same takes the answer without opening the index or reading HEAD, so a session
 * whose worktree has been left alone costs a few lstats.
 *
 * An answer rests on:
 * - `<worktree>/.git`, which names the worktree's git folder;
 * - `<gitDir>/index`, whose entry for the path, racy-clean times and staged changes decided it;
 * - `<gitDir>/HEAD` and the commit of the branch it names, where the staged changes were asked
 *   (a change on disk is a change whatever HEAD is);
 * - the path's disk facts, with every folder on the way a real one.
 *
 * Only answers made from the stat data alone are kept (a plain changed or clean verdict):
 * where content was hashed, git's filters and attributes had a say that no stat data pin. Only
 * settled files name versions; anything written in the last seconds is read again next time.
 * Repositories with per-worktree configuration are never answered from here.
 */
import { settledDiskKey, diskKey } from '../../core/path-change.js';
import { settledFileKey, statKey } from '../../core/settled-stat.js';
import { below } from '../../lib/below.js';
import { isOneBelow, type HeadFacts, type RepoFiles } from '../../git/repo-files.js';
import type { HookCache, KeptAnswer } from '../../store/hook-cache.js';
import { diskFacts, statFactsOf } from './disk-facts.js';
import type { DiskFacts } from '../../core/path-change.js';
import type { StatFacts } from '../../core/settled-stat.js';

const keyOf = (worktree: string, rel: string) => `${worktree}\0${rel}`;

/** The answer kept for `rel` in `worktree`, when every file it rests on is the version it was read from; else undefined. */
export function keptAnswer(cache: HookCache, repo: RepoFiles, worktree: string, rel: string): boolean | undefined {
  if (repo.worktreeConfig) return undefined;
  const kept = cache.get('answers', keyOf(worktree, rel));
  if (!kept || !isOneBelow(below(repo.commonDir, 'worktrees'), kept.gitDir)) return undefined;
  if (statKey(statFactsOf(below(worktree, '.git'))) !== kept.gitFile) return undefined;
  if (statKey(statFactsOf(below(kept.gitDir, 'index'))) !== kept.index) return undefined;
  if (kept.head !== null) {
    if (statKey(statFactsOf(below(kept.gitDir, 'HEAD'))) !== kept.head) return undefined;
    if (kept.headBranch !== null && repo.refs.resolve(kept.headBranch) !== kept.headCommit) return undefined;
  }
  if (diskKey(diskFacts(worktree, rel)) !== kept.disk) return undefined;
  return kept.changed;
}

/** What an answer read in-process rested on, each version as it was when read (looked at before it was read). */
export interface AnswerGrounds {
  gitFile: StatFacts | null;
  gitDir: string;
  index: StatFacts;
  /** HEAD's stat data and what it named, when the staged changes were asked. */
  head: { stat: StatFacts | null; facts: HeadFacts } | null;
  disk: DiskFacts;
}

/** The answer as kept, or null when something it rests on has not settled (or is not a plain file) and it must be read again next time. */
export function answerToKeep(grounds: AnswerGrounds, changed: boolean, nowNs: bigint): KeptAnswer | null {
  const gitFile = settledFileKey(grounds.gitFile, nowNs);
  const index = settledFileKey(grounds.index, nowNs);
  const disk = settledDiskKey(grounds.disk, nowNs);
  const head = grounds.head ? settledFileKey(grounds.head.stat, nowNs) : null;
  if (gitFile === null || index === null || disk === null || (grounds.head && head === null)) return null;
  return {
    gitFile,
    gitDir: grounds.gitDir,
    index,
    head,
    headBranch: grounds.head?.facts.branch ?? null,
    headCommit: grounds.head?.facts.commit ?? null,
    disk,
    changed,
  };
}

/** Keeps the answer, where keptAnswer can take it back: a git dir where git makes a worktree's. */
export function keepAnswer(
  cache: HookCache,
  repo: RepoFiles,
  worktree: string,
  rel: string,
  answer: KeptAnswer | null,
): void {
  if (answer && !repo.worktreeConfig && isOneBelow(below(repo.commonDir, 'worktrees'), answer.gitDir))
    cache.set('answers', keyOf(worktree, rel), answer);
}
