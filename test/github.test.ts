/**
 * Sessions from GitHub: `start --issue` proposes a name and goals from the issue and records it, so a PR end closes
 * it; `start --pr` starts on a pull request's branch, tracks it, and a PR end pushes back to it. gh is the recording
 * stand-in on PATH (test/helpers/bin/gh), present, absent and failing; the remote is a real bare repository.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../scripts/lib/errors.js';
import {
  openChecklistItems,
  parseGitHubRef,
  parseIssueJson,
  parsePrJson,
  proposeFrom,
  withClosingLine,
} from '../scripts/core/github.js';
import { makeRepo, normalise, snapshot, type Repo } from './helpers/gitdir.js';
import { addOrigin, ghAbsentEnv, ghCalls, ghPresentEnv } from './helpers/end.js';
import { outputSchemaErrors, schemaErrors } from './helpers/schemas.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

describe('what start takes from GitHub (pure)', () => {
  it.each<[string, 'issue' | 'pr', string | null]>([
    ['42', 'issue', '42'],
    ['#42', 'issue', '42'],
    [' 7 ', 'pr', '7'],
    ['https://github.com/example/project/issues/42', 'issue', 'https://github.com/example/project/issues/42'],
    ['https://ghe.example.com:8443/team/app/pull/9/', 'pr', 'https://ghe.example.com:8443/team/app/pull/9/'],
    ['https://github.com/example/project/pull/42', 'issue', null],
    ['0', 'issue', null],
    ['-1', 'pr', null],
    ['42; rm -rf /', 'issue', null],
    ['--web', 'pr', null],
  ])('%j as %s', (value, kind, expected) => {
    if (expected === null) expect(() => parseGitHubRef(value, kind)).toThrow(UsageError);
    else expect(parseGitHubRef(value, kind)).toBe(expected);
  });

  it("reads gh's JSON, and nothing else as an issue or a pull request", () => {
    expect(parseIssueJson('{"number":42,"url":"u","title":"T","body":null}')).toEqual({
      number: 42,
      url: 'u',
      title: 'T',
      body: '',
    });
    expect(parseIssueJson('{"number":"42","url":"u","title":"T"}')).toBeNull();
    expect(parseIssueJson('[]')).toBeNull();
    expect(parseIssueJson('not json')).toBeNull();
    expect(
      parsePrJson(
        '{"number":7,"url":"u","title":"T","body":"","headRefName":"feat","baseRefName":"main","isCrossRepository":true,"state":"OPEN"}',
      ),
    ).toEqual({
      number: 7,
      url: 'u',
      title: 'T',
      body: '',
      headRefName: 'feat',
      baseRefName: 'main',
      isCrossRepository: true,
      state: 'OPEN',
    });
    expect(parsePrJson('{"number":7,"url":"u","title":"T","headRefName":""}')).toBeNull();
  });

  it('takes the open checklist items of a body as goals, not the done ones or code', () => {
    expect(
      openChecklistItems(
        'Intro\n- [ ] Retry on 502\n* [ ] Log the timeout\n- [x] Reproduce it\n   + [ ] Indented item\n    - [ ] in a code block\n- [ ]\n-  [ ]  spaced  out \r\n',
      ),
    ).toEqual(['Retry on 502', 'Log the timeout', 'Indented item', 'spaced out']);
  });

  it("proposes the title's slug as the name, the title and open items as goals, within the limits", () => {
    expect(
      proposeFrom(
        {
          number: 42,
          url: 'u',
          title: 'Fix the login timeout (again!)',
          body: '- [ ] Retry on 502\n- [ ] Fix the login timeout (again!)',
        },
        'issue',
      ),
    ).toEqual({ name: 'fix-the-login-timeout-again', goals: ['Fix the login timeout (again!)', 'Retry on 502'] });
    expect(proposeFrom({ number: 42, url: 'u', title: 'ログインの修正', body: '' }, 'issue').name).toBe('issue-42');
    expect(proposeFrom({ number: 7, url: 'u', title: '\u202eevil\u0007 title', body: '' }, 'pr')).toEqual({
      name: 'evil-title',
      goals: ['evil title'],
    });
    const many = proposeFrom(
      {
        number: 1,
        url: 'u',
        title: 't',
        body: Array.from({ length: 40 }, (_, i) => `- [ ] item ${i} ${'x'.repeat(300)}`).join('\n'),
      },
      'issue',
    );
    expect(many.goals.length).toBeLessThanOrEqual(20);
    expect(many.goals.reduce((sum, goal) => sum + Buffer.byteLength(goal), 0)).toBeLessThanOrEqual(4000);
    expect(
      proposeFrom({ number: 1, url: 'u', title: 'y'.repeat(3000), body: '' }, 'issue').goals[0]!.length,
    ).toBeLessThanOrEqual(1000);
  });

  it.each<[string, string]>([
    ['The summary.\n', 'The summary.\n\nCloses #42\n'],
    ['Fixes #42 as asked.', 'Fixes #42 as asked.'],
    ['closes #42', 'closes #42'],
    ['Closes #420', 'Closes #420\n\nCloses #42\n'],
  ])('a PR body %j closes the issue once', (body, expected) => {
    expect(withClosingLine(body, 42)).toBe(expected);
  });
});

const ISSUE = {
  number: 42,
  url: 'https://github.com/example/project/issues/42',
  title: 'Fix the login timeout',
  body: 'It times out.\n\n- [ ] Retry on 502\n- [x] Reproduce it\n- [ ] Log the timeout\n',
};

function issueEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const file = join(repo.root, 'issue.json');
  writeFileSync(file, JSON.stringify(ISSUE));
  return ghPresentEnv(repo, { GH_ISSUE_JSON: file, ...extra });
}

/** A snapshot without the stand-in's own record of its calls. */
const state = () =>
  Object.fromEntries(
    Object.entries(snapshot(repo)).map(([key, value]) => [
      key,
      key === 'files'
        ? Object.fromEntries(
            Object.entries(value as Record<string, string>).filter(([path]) => !path.endsWith('gh-calls.jsonl')),
          )
        : value,
    ]),
  );

describe('start --issue', () => {
  it('--propose reads the issue and proposes a name and goals, creating nothing', async () => {
    repo = makeRepo();
    const env = issueEnv();
    const before = state();
    const result = await repo.cli(['start', '--issue', '#42', '--propose'], { env });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(normalise(result.stdout, repo)).toMatchInlineSnapshot(`
      "- Issue #42 "Fix the login timeout" (https://github.com/example/project/issues/42)
      - Proposed name: fix-the-login-timeout
      - Proposed goals:
          Fix the login timeout
          Retry on 502
          Log the timeout
      Nothing was created.

      Next: agree the name and goals with the user, then run: session start fix-the-login-timeout --issue 42 --goal 'Fix the login timeout' --goal 'Retry on 502' --goal 'Log the timeout'
      "
    `);
    const json = await repo.cli(['start', '--issue', '42', '--propose', '--json'], { env });
    expect(outputSchemaErrors(json.json)).toBe('');
    expect(json.json).toMatchObject({
      proposal: { name: 'fix-the-login-timeout', goals: ['Fix the login timeout', 'Retry on 502', 'Log the timeout'] },
      issue: { number: 42, url: ISSUE.url, title: ISSUE.title },
      pr: null,
      problem: null,
    });
    expect(ghCalls(repo).map((call) => [call.argv, call.cwd])).toEqual([
      [['issue', 'view', '42', '--json', 'title,body,number,url'], repo.main],
      [['issue', 'view', '42', '--json', 'title,body,number,url'], repo.main],
    ]);
    expect(state()).toEqual(before);
  });

  it('starts with the proposed name and goals, records the issue, and a PR end closes it', async () => {
    repo = makeRepo();
    addOrigin(repo);
    const env = issueEnv();
    const result = await repo.cli(['start', '--issue', '42', '--no-setup', '--json'], { env });
    expect(result.exitCode, result.stdout).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.github).toEqual({
      issue: { number: 42, url: ISSUE.url, title: ISSUE.title },
      pr: null,
      problem: null,
    });
    const entry = repo.manifest().sessions[0];
    expect(entry).toMatchObject({
      id: 'fix-the-login-timeout',
      goals: ['Fix the login timeout', 'Retry on 502', 'Log the timeout'],
      issue: { number: 42, url: ISSUE.url, title: ISSUE.title },
    });
    expect(schemaErrors('manifest', repo.manifest())).toBe('');
    const status = await repo.cli(['status', '--json']);
    expect(outputSchemaErrors(status.json)).toBe('');
    expect(status.json.sessions[0]).toMatchObject({
      id: 'fix-the-login-timeout',
      issue: { number: 42, url: ISSUE.url, title: ISSUE.title },
      pr: null,
    });
    const worktree = join(repo.sessions, 'fix-the-login-timeout');
    repo.write('login.js', 'retry();\n', worktree);
    repo.commitAll('Retry the login', worktree);
    const ended = await repo.cli(['end', '--strategy', 'pr', '--json'], { cwd: worktree, env });
    expect(ended.exitCode, ended.stdout).toBe(0);
    const create = ghCalls(repo).find((call) => call.argv[0] === 'pr' && call.argv[1] === 'create')!;
    expect(create.body).toMatch(/\n\nCloses #42\n$/);
    expect(ended.json.pr.body).toBe(create.body);
  });

  it('a kept session restored still closes its issue', async () => {
    repo = makeRepo();
    const env = issueEnv();
    expect((await repo.cli(['start', 'login', '--issue', '42', '--no-setup'], { env })).exitCode).toBe(0);
    expect((await repo.cli(['end', 'login', '--strategy', 'keep'], { env })).exitCode).toBe(0);
    expect((await repo.cli(['restore', 'login', '--no-setup'], { env })).exitCode).toBe(0);
    expect(repo.manifest().sessions[0].issue).toEqual({ number: 42, url: ISSUE.url, title: ISSUE.title });
  });

  it("keeps a name and goals given with it, and takes the issue's web address", async () => {
    repo = makeRepo();
    const result = await repo.cli(['start', 'login', '--issue', ISSUE.url, '--goal', 'Only the retry', '--no-setup'], {
      env: issueEnv(),
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(normalise(result.stdout, repo)).toContain(
      `✓ Issue #42 "Fix the login timeout" (${ISSUE.url}) recorded: end --strategy pr puts "Closes #42" in the PR`,
    );
    expect(repo.manifest().sessions[0]).toMatchObject({
      id: 'login',
      goals: ['Only the retry'],
      issue: { number: 42 },
    });
    expect(ghCalls(repo)[0]!.argv).toEqual(['issue', 'view', ISSUE.url, '--json', 'title,body,number,url']);
  });

  it.each<[string, () => NodeJS.ProcessEnv, RegExp]>([
    [
      'without gh',
      () => ghAbsentEnv(repo),
      /^! The issue 42 was not read: gh \(the GitHub CLI\) is not installed; the session starts without it\.$/m,
    ],
    [
      'when gh fails',
      () => ghPresentEnv(repo, { GH_FAIL: '1' }),
      /^! The issue 42 was not read: gh issue view failed: To get started with GitHub CLI, please run: {2}gh auth login; the session starts without it\.$/m,
    ],
    [
      'when gh finds no such issue',
      () => ghPresentEnv(repo),
      /^! The issue 42 was not read: gh issue view failed: GraphQL: Could not resolve to an Issue with the number of 42\. \(repository\.issue\); the session starts without it\.$/m,
    ],
  ])('says so and goes on without the issue %s', async (_name, env, warning) => {
    repo = makeRepo();
    const result = await repo.cli(['start', 'login', '--issue', '42', '--goal', 'Fix it', '--no-setup'], {
      env: env(),
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(warning);
    expect(repo.manifest().sessions[0]).toMatchObject({ id: 'login', goals: ['Fix it'] });
    expect(repo.manifest().sessions[0].issue).toBeUndefined();
    const json = await repo.cli(['start', 'other', '--issue', '42', '--no-setup', '--json'], { env: env() });
    expect(outputSchemaErrors(json.json)).toBe('');
    expect(json.json.github).toEqual({
      issue: null,
      pr: null,
      problem: expect.stringMatching(/^issue 42 was not read: /),
    });
  });

  it('without gh and without a name, it cannot propose one: a usage error, nothing created', async () => {
    repo = makeRepo();
    const before = state();
    const result = await repo.cli(['start', '--issue', '42'], { env: ghAbsentEnv(repo) });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'usage error: start needs a session name: issue 42 was not read: gh (the GitHub CLI) is not installed, so none can be proposed from it',
    );
    const proposed = await repo.cli(['start', '--issue', '42', '--propose', '--json'], { env: ghAbsentEnv(repo) });
    expect(proposed.exitCode).toBe(0);
    expect(outputSchemaErrors(proposed.json)).toBe('');
    expect(proposed.json).toMatchObject({
      proposal: null,
      issue: null,
      problem: 'issue 42 was not read: gh (the GitHub CLI) is not installed',
      next: null,
    });
    expect(state()).toEqual(before);
  });

  it.each<[string[], string]>([
    [['start', 'x', '--issue', '1', '--pr', '2'], '--issue and --pr cannot go together'],
    [['start', 'x', '--propose'], '--propose needs --issue or --pr'],
    [['start', 'x', '--remote', 'origin'], '--remote goes with --pr'],
    [['start', '--issue', 'abc'], 'invalid --issue "abc": expected a number or an issue URL'],
    [['start'], 'expected 1 argument(s), got 0'],
  ])('%j is a usage error', async (args, message) => {
    repo = makeRepo();
    const env = issueEnv();
    const before = state();
    const result = await repo.cli(args, { env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`usage error: ${message}`);
    expect(ghCalls(repo)).toEqual([]);
    expect(state()).toEqual(before);
  });
});

describe('start --pr', () => {
  const PR = {
    number: 7,
    url: 'https://github.com/example/project/pull/7',
    title: 'Add login retries',
    body: '- [ ] Back off\n',
    headRefName: 'feature/retries',
    baseRefName: 'main',
    isCrossRepository: false,
    state: 'OPEN',
  };

  /** A bare origin holding the PR's branch, one commit past main, pushed from a clone that is not this checkout. */
  function withPr(pr: Partial<typeof PR> = {}): { env: NodeJS.ProcessEnv; bare: string; head: string } {
    repo = makeRepo();
    const bare = addOrigin(repo);
    const other = join(repo.root, 'colleague');
    repo.git(['clone', '-q', bare, other]);
    repo.write('retry.js', 'retry();\n', other);
    const head = repo.commitAll('Retry the login', other);
    repo.git(['push', '-q', 'origin', 'HEAD:refs/heads/feature/retries'], other);
    const file = join(repo.root, 'pr.json');
    writeFileSync(file, JSON.stringify({ ...PR, ...pr }));
    return { env: ghPresentEnv(repo, { GH_PR_JSON: file }), bare, head };
  }

  it("starts on the PR's branch, tracking it, and a PR end pushes back to it without opening another PR", async () => {
    const { env, bare, head } = withPr();
    const result = await repo.cli(['start', '--pr', '7', '--no-setup'], { env });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(normalise(result.stdout, repo).split('\n').slice(0, 5).join('\n')).toMatchInlineSnapshot(`
      "✓ Session "add-login-retries" created
      ✓ Worktree: <root>/project-sessions/add-login-retries
      ✓ Branch: session/add-login-retries at origin/feature/retries (<short-sha>), tracking it; based on main at <short-sha>
      ✓ Pull request #7 "Add login retries" (https://github.com/example/project/pull/7): end --strategy pr pushes back to origin/feature/retries, and opens no new PR
      ✓ Session log: docs/session_logs/20260115_1000_add-login-retries_session.md (in the worktree)"
    `);
    const entry = repo.manifest().sessions[0];
    expect(entry).toMatchObject({
      id: 'add-login-retries',
      goals: ['Add login retries', 'Back off'],
      base: { branch: 'main' },
      pr: { number: 7, url: PR.url, title: PR.title, remote: 'origin', branch: 'feature/retries' },
    });
    expect(schemaErrors('manifest', repo.manifest())).toBe('');
    expect(repo.git(['rev-parse', 'session/add-login-retries']).trim()).toBe(head);
    expect(repo.git(['for-each-ref', '--format=%(upstream)', 'refs/heads/session/add-login-retries']).trim()).toBe(
      'refs/remotes/origin/feature/retries',
    );
    const status = await repo.cli(['status', '--json']);
    expect(status.json.sessions[0]).toMatchObject({
      issue: null,
      pr: { number: 7, remote: 'origin', branch: 'feature/retries' },
    });

    const worktree = join(repo.sessions, 'add-login-retries');
    repo.write('backoff.js', 'backoff();\n', worktree);
    const tip = repo.commitAll('Back off', worktree);
    const ended = await repo.cli(['end', '--strategy', 'pr', '--json'], { cwd: worktree, env });
    expect(ended.exitCode, ended.stdout).toBe(0);
    expect(outputSchemaErrors(ended.json)).toBe('');
    expect(repo.git(['--git-dir', bare, 'rev-parse', 'refs/heads/feature/retries']).trim()).toBe(tip);
    expect(repo.git(['--git-dir', bare, 'for-each-ref', 'refs/heads/session/'])).toBe('');
    expect(ended.json.pr).toMatchObject({ created: false, url: PR.url, existing: 7, manualStep: null });
    expect(ended.json.steps.map((step: any) => step.text)).toContain(
      'Pushed session/add-login-retries to origin/feature/retries, the branch of pull request #7',
    );
    expect(ghCalls(repo).map((call) => call.argv.slice(0, 2))).toEqual([['pr', 'view']]);
  });

  it("keep --remote pushes back to the PR's branch too, and a sync merges it (the branch is published)", async () => {
    const { env, bare } = withPr();
    expect(
      (await repo.cli(['start', 'retries', '--pr', 'https://github.com/example/project/pull/7', '--no-setup'], { env }))
        .exitCode,
    ).toBe(0);
    const worktree = join(repo.sessions, 'retries');
    repo.write('main-moved.txt', 'x\n');
    repo.commitAll('main moves on');
    const synced = await repo.cli(['sync', '--json'], { cwd: worktree, env });
    expect(synced.exitCode, synced.stdout).toBe(0);
    expect(synced.json.mode).toBe('merge');
    const kept = await repo.cli(['end', '--strategy', 'keep', '--remote', 'origin', '--json'], { cwd: worktree, env });
    expect(kept.exitCode, kept.stdout).toBe(0);
    expect(repo.git(['--git-dir', bare, 'rev-parse', 'refs/heads/feature/retries']).trim()).toBe(
      repo.git(['rev-parse', 'session/retries']).trim(),
    );
    expect(repo.git(['--git-dir', bare, 'for-each-ref', 'refs/heads/session/'])).toBe('');
  });

  it('a restored session is on the same pull request again, tracking its branch', async () => {
    const { env } = withPr();
    expect((await repo.cli(['start', 'retries', '--pr', '7', '--no-setup'], { env })).exitCode).toBe(0);
    const ended = await repo.cli(['end', 'retries', '--strategy', 'abandon', '--confirm', 'retries'], { env });
    expect(ended.exitCode, ended.stderr).toBe(0);
    const restored = await repo.cli(['restore', 'retries', '--no-setup', '--json'], { env });
    expect(restored.exitCode, restored.stdout).toBe(0);
    expect(repo.manifest().sessions[0].pr).toEqual({
      number: 7,
      url: PR.url,
      title: PR.title,
      remote: 'origin',
      branch: 'feature/retries',
    });
    expect(repo.git(['for-each-ref', '--format=%(upstream)', 'refs/heads/session/retries']).trim()).toBe(
      'refs/remotes/origin/feature/retries',
    );
  });

  it.each<[string, () => { env: NodeJS.ProcessEnv }, string[], string, RegExp]>([
    [
      'without gh',
      () => ({ env: ghAbsentEnv((withPr(), repo)) }),
      [],
      'pr-unreadable',
      /^Pull request 7 could not be read: gh \(the GitHub CLI\) is not installed\. Nothing was changed\.$/,
    ],
    [
      'when gh fails',
      () => ({ env: { ...withPr().env, GH_FAIL: '1' } }),
      [],
      'pr-unreadable',
      /^Pull request 7 could not be read: gh pr view failed: To get started with GitHub CLI/,
    ],
    [
      'a PR from a fork',
      () => withPr({ isCrossRepository: true }),
      [],
      'pr-from-fork',
      /^Pull request #7 comes from a fork, so its branch feature\/retries is not on origin/,
    ],
    [
      'a remote that does not exist',
      () => withPr(),
      ['--remote', 'upstream'],
      'unknown-remote',
      /^There is no remote "upstream" to fetch pull request #7's branch from\. Nothing was changed\.$/,
    ],
  ])('refuses %s, changing nothing', async (_name, setup, extra, code, message) => {
    const { env } = setup();
    const before = state();
    const result = await repo.cli(['start', '--pr', '7', '--no-setup', ...extra, '--json'], { env });
    expect(result.exitCode).toBe(1);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.error.code).toBe(code);
    expect(result.json.error.message).toMatch(message);
    expect(state()).toEqual(before);
  });
});
