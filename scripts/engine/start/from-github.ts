/**
 * What a start takes from GitHub: with --issue, the issue (a name and goals proposed from it,
 * recorded on the session); with --pr, the pull request and its branch, fetched, for the
 * session branch to start at and track. An issue that cannot be read is said and left out; a
 * pull request that cannot be read, or lives in a fork, refuses the start before anything is made.
 */
import { RefusalError } from '../../lib/errors.js';
import { commandLine } from '../../lib/shell-words.js';
import { proposeFrom, type GitHubPr, type Proposal } from '../../core/github.js';
import type { IssueLink, PrLink } from '../../core/manifest-types.js';
import { fetchRemoteBranch, listRemotes } from '../../git/remote.js';
import type { Project } from '../../store/project.js';
import { readIssue, readPr } from './github.js';

export interface SourceRequest {
  issue?: string;
  pr?: string;
  /** The remote the PR's branch is fetched from and pushed back to. */
  remote: string;
  /** Fetch the PR's branch (not for a proposal). */
  fetch: boolean;
}

export interface StartSource {
  issue: IssueLink | null;
  pr: PrLink | null;
  /** The PR's base branch, the session's default base. */
  prBase: string | null;
  /** The PR branch's commit, fetched: where the session branch starts. */
  startCommit: string | null;
  proposal: Proposal | null;
  /** Why the issue was left out; null when it was read (or none was asked for). */
  problem: string | null;
}

export async function readStartSource(project: Project, request: SourceRequest): Promise<StartSource> {
  const main = project.mainCheckout;
  const none: StartSource = { issue: null, pr: null, prBase: null, startCommit: null, proposal: null, problem: null };
  if (request.issue !== undefined) {
    const read = await readIssue(main, request.issue);
    if (!read.found) return { ...none, problem: `issue ${request.issue} was not read: ${read.problem}` };
    const { number, url, title } = read.found;
    return { ...none, issue: { number, url, title }, proposal: proposeFrom(read.found, 'issue') };
  }
  if (request.pr === undefined) return none;
  const read = await readPr(main, request.pr);
  if (!read.found) {
    throw new RefusalError(
      'pr-unreadable',
      `Pull request ${request.pr} could not be read: ${read.problem}. Nothing was changed.`,
      `Check it with ${commandLine(['gh', 'pr', 'view', request.pr])} in ${main} (gh must be installed and logged in), then run the same command again; or start without --pr.`,
      { pr: request.pr, problem: read.problem },
    );
  }
  const pr: GitHubPr = read.found;
  if (pr.isCrossRepository) {
    throw new RefusalError(
      'pr-from-fork',
      `Pull request #${pr.number} comes from a fork, so its branch ${pr.headRefName} is not on ${request.remote} and could not be pushed back to from here. Nothing was changed.`,
      `Check it out by hand (${commandLine(['gh', 'pr', 'checkout', String(pr.number)])}), or start a session without --pr.`,
      { pr: pr.number },
    );
  }
  if (request.fetch && !(await listRemotes(main)).includes(request.remote)) {
    throw new RefusalError(
      'unknown-remote',
      `There is no remote "${request.remote}" to fetch pull request #${pr.number}'s branch from. Nothing was changed.`,
      `Pass --remote with the remote that holds ${pr.headRefName} (git remote -v lists them).`,
      { remote: request.remote },
    );
  }
  const startCommit = request.fetch ? await fetchRemoteBranch(main, request.remote, pr.headRefName) : null;
  return {
    ...none,
    pr: { number: pr.number, url: pr.url, title: pr.title, remote: request.remote, branch: pr.headRefName },
    prBase: pr.baseRefName || null,
    startCommit,
    proposal: proposeFrom(pr, 'pr'),
  };
}
