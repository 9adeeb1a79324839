/**
 * Reading the issue or pull request a session starts from, with `gh ... view --json`, run in
 * the main checkout (gh finds the repository from its remotes). A missing or failing gh is an
 * answer, not an error: the caller says so and goes on (an issue) or refuses (a pull request).
 */
import { GitError } from '../../lib/errors.js';
import { run } from '../../lib/shell.js';
import { parseIssueJson, parsePrJson, type GitHubIssue, type GitHubPr } from '../../core/github.js';

const GH_TIMEOUT_MS = 30_000;

export type Read<T> = { found: T; problem: null } | { found: null; problem: string };

async function ghView<T>(
  main: string,
  args: string[],
  parse: (text: string) => T | null,
  what: string,
): Promise<Read<T>> {
  try {
    const { stdout } = await run(main, 'gh', args, {
      env: { GH_PROMPT_DISABLED: '1', NO_COLOR: '1' },
      timeout: GH_TIMEOUT_MS,
    });
    const found = parse(stdout);
    return found
      ? { found, problem: null }
      : { found: null, problem: `gh ${args.slice(0, 2).join(' ')} printed no ${what}` };
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    if (error.exitCode === 127) return { found: null, problem: 'gh (the GitHub CLI) is not installed' };
    const why = (error.stderr.trim() || error.stdout.trim() || `exit ${error.exitCode ?? 'signal'}`).split('\n')[0];
    return { found: null, problem: `gh ${args.slice(0, 2).join(' ')} failed: ${why}` };
  }
}

export function readIssue(main: string, ref: string): Promise<Read<GitHubIssue>> {
  return ghView(main, ['issue', 'view', ref, '--json', 'title,body,number,url'], parseIssueJson, 'issue');
}

export function readPr(main: string, ref: string): Promise<Read<GitHubPr>> {
  return ghView(
    main,
    ['pr', 'view', ref, '--json', 'number,url,title,body,headRefName,baseRefName,isCrossRepository,state'],
    parsePrJson,
    'pull request',
  );
}
