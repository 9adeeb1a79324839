/**
 * FLIGHT_RULES_TRACE: a line per process and a summary, and through them which git questions a run asks. Each
 * question a command needs is asked once: the same read twice was time spent for nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeRepo, type Repo } from './helpers/gitdir.js';
import { traceSummary, unionLength } from '../scripts/lib/trace.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const TRACE = { FLIGHT_RULES_TRACE: '1' };
const calls = (stderr: string) =>
  [...stderr.matchAll(/^\[trace\] at \d+ ms: \d+ ms exit \S+ (.*) \(in (.*)\)$/gm)].map((match) => ({
    command: match[1]!,
    cwd: match[2]!,
  }));
const count = (list: Array<{ command: string; cwd: string }>, pattern: RegExp, cwd?: string) =>
  list.filter((call) => pattern.test(call.command) && (cwd === undefined || call.cwd === cwd)).length;

describe('the trace', () => {
  it('prints each git call with its timing and ends with one summary line', async () => {
    repo = makeRepo();
    const result = await repo.cli(['status'], { env: TRACE });
    expect(result.exitCode).toBe(0);
    expect(calls(result.stderr).length).toBeGreaterThan(0);
    const summaries = result.stderr.split('\n').filter((line) => line.startsWith('[trace] summary:'));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatch(
      /^\[trace\] summary: \d+ git call\(s\) in \d+ ms: node start-up \d+ ms, module load \d+ ms \(bundle \d+ ms, the status code \d+ ms\), waiting on git \d+ ms \(\d+ ms summed over the calls\), our JS \d+ ms$/,
    );
    expect(Number(/summary: (\d+) git call/.exec(summaries[0]!)![1])).toBe(calls(result.stderr).length);
  });

  it('prints nothing of it unless asked', async () => {
    repo = makeRepo();
    const result = await repo.cli(['status']);
    expect(result.stderr).not.toContain('[trace]');
  });

  it('counts the time during which any process ran once, however they overlap', () => {
    expect(
      unionLength([
        { start: 0, end: 10 },
        { start: 5, end: 15 },
        { start: 20, end: 25 },
      ]),
    ).toBe(20);
    expect(unionLength([])).toBe(0);
    const line = traceSummary(
      {
        entered: 0,
        write: () => undefined,
        spans: [
          { kind: 'process', label: 'git', start: 10, end: 30 },
          { kind: 'process', label: 'git', start: 20, end: 40 },
          { kind: 'process', label: 'gh', start: 50, end: 60 },
          { kind: 'load', label: 'the end code', start: 0, end: 5 },
        ],
      },
      100,
    );
    expect(line).toContain('2 git call(s) and 1 other process(es) in 100 ms');
    expect(line).toContain('waiting on processes 40 ms (50 ms summed over the calls)');
    expect(line).toContain('our JS 55 ms');
  });
});

describe('each git question once', () => {
  it("start asks for the main checkout's status once, and never for git's version", async () => {
    repo = makeRepo();
    const result = await repo.cli(['start', 'one', '--no-setup'], { env: TRACE });
    expect(result.exitCode).toBe(0);
    const list = calls(result.stderr);
    expect(count(list, /\bstatus --porcelain/, repo.main)).toBe(1);
    expect(count(list, /--version/)).toBe(0);
    expect(count(list, /\bcheckout --force\b/, join(repo.sessions, 'one'))).toBe(1);
  });

  it('end --strategy merge reads the worktree once before the merge and once to take its stock, the main checkout and the prediction once', async () => {
    repo = makeRepo();
    expect((await repo.cli(['start', 'one', '--no-setup'])).exitCode).toBe(0);
    const worktree = join(repo.sessions, 'one');
    repo.write('feature.txt', 'work\n', worktree);
    repo.commitAll('work', worktree);
    repo.write('main.txt', 'main moved on\n');
    repo.commitAll('main work');
    const result = await repo.cli(['end', 'one', '--strategy', 'merge'], { env: TRACE });
    expect(result.exitCode).toBe(0);
    const list = calls(result.stderr);
    expect(count(list, /\bstatus --porcelain=v1 -z --untracked-files=all$/, worktree)).toBe(1);
    expect(count(list, /\bstatus --porcelain=v1 -z --untracked-files=all --ignored=matching/)).toBe(1);
    expect(count(list, /\bstatus --porcelain/, repo.main)).toBe(1);
    expect(count(list, /\bmerge-tree --write-tree/)).toBe(1);
    expect(count(list, /\bdiff-tree\b/)).toBe(1);
    // The only ignored file is the pack's own .env.session, judged by its digest: no ignored files are walked.
    expect(count(list, /\bls-files\b.*--ignored/)).toBe(0);
    // The two tips and the merge commit are read from the ref files.
    expect(count(list, /\bfor-each-ref\b/)).toBe(0);
    expect(count(list, /\brev-parse --verify HEAD$/)).toBe(0);
    expect(count(list, /--version/)).toBe(0);
    expect(count(list, /^git remote$/)).toBe(0);
    expect(repo.git(['log', '-1', '--format=%s', 'main'])).toMatch(/^Merge session one/);
    expect(result.stdout).toContain(`as ${repo.git(['rev-parse', '--short=12', 'main']).trim()} `);
  });

  it('end --strategy merge asks git for the tips and the merge commit where the ref files cannot be read that way', async () => {
    repo = makeRepo();
    expect((await repo.cli(['start', 'one', '--no-setup'])).exitCode).toBe(0);
    const worktree = join(repo.sessions, 'one');
    repo.write('feature.txt', 'work\n', worktree);
    repo.commitAll('work', worktree);
    // A config that includes another could set anything: the in-process readers step aside.
    repo.write('extra.config', '[core]\n', join(repo.main, '.git'));
    repo.git(['config', 'include.path', 'extra.config']);
    const result = await repo.cli(['end', 'one', '--strategy', 'merge'], { env: TRACE });
    expect(result.exitCode).toBe(0);
    const list = calls(result.stderr);
    expect(count(list, /\bfor-each-ref\b.*refs\/heads\/session\/one refs\/heads\/main$/)).toBe(1);
    expect(count(list, /\brev-parse --verify --quiet --end-of-options HEAD\^\{commit\}$/, repo.main)).toBe(1);
    expect(repo.git(['log', '-1', '--format=%s', 'main'])).toMatch(/^Merge session one/);
    expect(result.stdout).toContain(`as ${repo.git(['rev-parse', '--short=12', 'main']).trim()} `);
  });

  it('status reads each worktree once, compares every branch in one batch, and asks merge-tree only where both sides changed one path', async () => {
    repo = makeRepo();
    for (const name of ['one', 'two', 'three'])
      expect((await repo.cli(['start', name, '--no-setup'])).exitCode).toBe(0);
    repo.write('feature.txt', 'work\n', join(repo.sessions, 'one'));
    repo.commitAll('work', join(repo.sessions, 'one'));
    repo.write('main.txt', 'three too\n', join(repo.sessions, 'three'));
    repo.commitAll('work', join(repo.sessions, 'three'));
    repo.write('main.txt', 'main moved on\n');
    repo.commitAll('main work');
    const result = await repo.cli(['status', '--json'], { env: TRACE });
    const list = calls(result.stderr);
    for (const name of ['one', 'two', 'three'])
      expect(count(list, /\bstatus --porcelain/, join(repo.sessions, name))).toBe(1);
    expect(count(list, /\bstatus --porcelain/, repo.main)).toBe(1);
    expect(count(list, /\bmerge-base --octopus/)).toBe(1);
    expect(count(list, /\brev-list --parents --stdin/)).toBe(1);
    expect(count(list, /\bdiff-tree --stdin/)).toBe(1);
    expect(count(list, /\brev-list --left-right|\bdiff --name-only/)).toBe(0);
    // one changed a file main did not: clean without merge-tree; three changed main's file.
    expect(count(list, /\bmerge-tree --write-tree/)).toBe(1);
    expect(count(list, /--version/)).toBe(0);
    const merges = Object.fromEntries(result.json.sessions.map((s: any) => [s.id, [s.ahead, s.behind, s.merge.clean]]));
    expect(merges).toEqual({ one: [1, 1, true], two: [0, 1, true], three: [1, 1, false] });
  });
});
