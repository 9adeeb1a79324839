import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, makeRepo, normalise, snapshot, type Repo } from './helpers/gitdir.js';
import { spawnSync } from 'node:child_process';
import { outputSchemaErrors, schemaErrors } from './helpers/schemas.js';
import {
  addOrigin,
  ghAbsentEnv,
  ghCalls,
  ghPresentEnv,
  history,
  sessionLogOf,
  sessionWithWork,
} from './helpers/end.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const rev = (r: Repo, ref: string, cwd?: string) => r.git(['rev-parse', ref], cwd).trim();
const branchExists = (r: Repo, branch: string) => r.git(['branch', '--list', branch]).trim() !== '';

function expectEndedCleanly(
  r: Repo,
  name: string,
  result: { exitCode: number; json: any; stdout: string; stderr: string },
) {
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  expect(outputSchemaErrors(result.json)).toBe('');
  expect(existsSync(join(r.sessions, name))).toBe(false);
  expect(r.git(['worktree', 'list', '--porcelain'])).not.toContain(`/${name}\n`);
  expect(r.manifest().sessions.map((s: any) => s.id)).not.toContain(name);
  expect(schemaErrors('manifest', r.manifest())).toBe('');
  expect(result.json.next[0]).toBe(`cd ${r.main}`);
}

describe('session end --strategy merge', () => {
  it('merges from inside the worktree into the base checked out in the main checkout', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'feature', { 'feature.txt': 'feature\n' }, ['Add the feature', 'Test it']);
    const base = rev(repo, 'main');
    const tip = rev(repo, 'session/feature');
    const result = await repo.cli(['end', '--strategy', 'merge', '--json'], { cwd: join(worktree, 'docs') });
    expectEndedCleanly(repo, 'feature', result);
    const head = rev(repo, 'main');
    expect(result.json.merge).toEqual({ commit: head, how: 'main-checkout' });
    expect(repo.git(['log', '-1', '--format=%P%n%s', head]).trim()).toBe(
      `${base} ${tip}\nMerge session feature: Add the feature`,
    );
    expect(readFileSync(join(repo.main, 'feature.txt'), 'utf8')).toBe('feature\n');
    expect(repo.git(['status', '--porcelain'])).toBe('');
    expect(branchExists(repo, 'session/feature')).toBe(false);
    expect(result.json.branch).toEqual({ name: 'session/feature', kept: false, deleted: true });
    expect(result.json.steps.map((s: any) => s.id)).toEqual(['merge', 'remove-worktree', 'delete-branch', 'manifest']);
    expect(history(repo)).toEqual([
      {
        id: 'feature',
        branch: 'session/feature',
        strategy: 'merge',
        head: tip,
        base: { branch: 'main', commit: base },
        endedAt: '2026-01-15T10:00:00Z',
        mergeCommit: head,
        // What a restore needs: the goals, the port block, the copied files, the session log, every saved ref.
        goals: ['Add the feature', 'Test it'],
        port: { base: expect.any(Number), count: 10 },
        copiedFiles: [],
        sessionLog: expect.stringMatching(/_feature_session\.md$/),
        savedRefs: [],
      },
    ]);
  });

  it('names every step in human output and tells the user to leave the worktree', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'human');
    repo.write('main-only.txt', 'x');
    repo.commitAll('main moves on');
    const result = await repo.cli(['end', '--strategy', 'merge'], { cwd: worktree });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(normalise(result.stdout, repo)).toMatchInlineSnapshot(`
      "! main gained 1 commit(s) since the session branched from it or last synced (<short-sha>)
      - The session has 1 commit(s) main lacks
      - Merging into main would not conflict
      ✓ Merged session/human into main in the main checkout as <short-sha> ("Merge session human: Goal of human")
      ✓ Removed the worktree <root>/project-sessions/human
      ✓ Deleted the branch session/human; its tip <short-sha> is in main
      ✓ Removed "human" from the manifest and recorded it in <root>/project-sessions/.history.jsonl
      - Session "human" ended. Its worktree <root>/project-sessions/human is gone; a shell that was in it must leave it.

      Next: cd <root>/project
      "
    `);
  });

  it('moves a base that is checked out nowhere without touching any checkout', async () => {
    repo = makeRepo();
    repo.git(['branch', 'develop']);
    const worktree = sessionWithWork(repo, 'dev-work');
    repo.git(['branch', '-f', 'develop', 'session/dev-work~1']);
    const session = await repo.cli(['start', 'on-develop', '--base', 'develop']);
    expect(session.exitCode).toBe(0);
    const onDevelop = join(repo.sessions, 'on-develop');
    repo.write('d.txt', 'd\n', onDevelop);
    repo.commitAll('work on develop', onDevelop);
    const developBefore = rev(repo, 'develop');
    const tip = rev(repo, 'session/on-develop');
    const mainBefore = {
      head: rev(repo, 'HEAD'),
      index: readFileSync(join(repo.main, '.git/index')),
      status: repo.git(['status', '--porcelain']),
    };
    const result = await repo.cli(['end', 'on-develop', '--strategy', 'merge', '--json'], { cwd: worktree });
    expectEndedCleanly(repo, 'on-develop', result);
    expect(result.json.merge.how).toBe('ref-only');
    const merged = rev(repo, 'develop');
    expect(repo.git(['log', '-1', '--format=%P', merged]).trim()).toBe(`${developBefore} ${tip}`);
    expect(repo.git(['show', `${merged}:d.txt`])).toBe('d\n');
    expect({
      head: rev(repo, 'HEAD'),
      index: readFileSync(join(repo.main, '.git/index')),
      status: repo.git(['status', '--porcelain']),
    }).toEqual(mainBefore);
    expect(existsSync(join(repo.main, 'd.txt'))).toBe(false);
  });

  it('with --rebase, rebases onto the moved base first, then merges', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'rebased');
    repo.write('other.txt', 'other\n');
    repo.commitAll('main moves on');
    const oldTip = rev(repo, 'session/rebased');
    const result = await repo.cli(['end', '--strategy', 'merge', '--rebase', '--json'], { cwd: worktree });
    expectEndedCleanly(repo, 'rebased', result);
    expect(result.json.rebased.from).toBe(oldTip);
    expect(result.json.rebased.to).not.toBe(oldTip);
    expect(result.json.base.gained).toBe(1);
    expect(repo.git(['log', '-1', '--format=%P', 'main']).trim().split(' ')[1]).toBe(result.json.rebased.to);
  });

  it('refuses a predicted conflict leaving the base ref, index, working tree and MERGE_HEAD untouched', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'clash', { 'README.md': 'session version\n' });
    repo.write('README.md', 'main version\n');
    repo.commitAll('main edits README');
    const before = snapshot(repo);
    const result = await repo.cli(['end', '--strategy', 'merge', '--json'], { cwd: worktree });
    expect(result.exitCode).toBe(1);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.error.code).toBe('merge-conflicts');
    expect(result.json.error.message).toContain('README.md');
    expect(result.json.error.next).toContain(`git -C ${join(repo.sessions, 'clash')} merge main`);
    expect(result.json.error.details.conflicts).toEqual(['README.md']);
    expect(result.json.error.details.facts[0]).toMatch(
      /^! main gained 1 commit\(s\) since the session branched from it or last synced/,
    );
    expect(result.json.error.details.facts[2]).toBe('! Merging into main would conflict in 1 file(s): README.md');
    expect(snapshot(repo)).toEqual(before);
    expect(existsSync(join(repo.main, '.git/MERGE_HEAD'))).toBe(false);
  });

  it('a --rebase conflict aborts the rebase and leaves the session branch unchanged', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'rebase-clash', { 'README.md': 'session version\n' });
    repo.write('README.md', 'main version\n');
    repo.commitAll('main edits README');
    const tip = rev(repo, 'session/rebase-clash');
    const manifestBefore = readFileSync(repo.manifestPath, 'utf8');
    const retry = await repo.cli(['end', '--strategy', 'merge', '--rebase', '--json'], { cwd: worktree });
    expect(retry.exitCode).toBe(1);
    expect(retry.json.error.code).toBe('rebase-conflicts');
    expect(retry.json.error.details.conflicts).toEqual(['README.md']);
    expect(rev(repo, 'session/rebase-clash')).toBe(tip);
    expect(rev(repo, 'HEAD', worktree)).toBe(tip);
    expect(repo.git(['status', '--porcelain'], worktree)).toBe('');
    expect(existsSync(repo.git(['rev-parse', '--git-path', 'rebase-merge'], worktree).trim())).toBe(false);
    expect(readFileSync(repo.manifestPath, 'utf8')).toBe(manifestBefore);
  });

  const mergeRefusals: Array<[string, (r: Repo, worktree: string) => void, string, RegExp]> = [
    ['a dirty main checkout', (r) => r.write('README.md', 'edited in main\n'), 'main-dirty', / M README.md/],
    [
      'the base checked out in another worktree',
      (r) => {
        r.git(['switch', '-q', '-c', 'elsewhere']);
        r.git(['worktree', 'add', '-q', join(r.root, 'other'), 'main']);
      },
      'base-checked-out-elsewhere',
      /checked out in .*\/other/,
    ],
    [
      'a worktree switched off its branch',
      (r, w) => r.git(['switch', '-q', '--detach'], w),
      'worktree-off-branch',
      /detached HEAD/,
    ],
  ];
  it.each(mergeRefusals)('refuses %s and changes nothing', async (_label, arrange, code, message) => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'refused');
    arrange(repo, worktree);
    const before = snapshot(repo);
    const result = await repo.cli(['end', 'refused', '--strategy', 'merge', '--json']);
    expect(result.exitCode).toBe(1);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.error.code).toBe(code);
    expect(result.json.error.message).toMatch(message);
    expect(result.json.error.next.length).toBeGreaterThan(10);
    expect(snapshot(repo)).toEqual(before);
  });
});

describe('uncommitted work refuses every strategy but abandon', () => {
  it.each(['merge', 'pr', 'keep'])('--strategy %s lists the files and changes nothing', async (strategy) => {
    repo = makeRepo();
    addOrigin(repo);
    const worktree = sessionWithWork(repo, 'dirty');
    repo.write('dirty.txt', 'edited\n', worktree);
    repo.write('notes/new.txt', 'new\n', worktree);
    const before = snapshot(repo);
    const result = await repo.cli(['end', '--strategy', strategy, '--json'], {
      cwd: worktree,
      env: ghPresentEnv(repo),
    });
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe('uncommitted-work');
    expect(result.json.error.details.files).toEqual([' M dirty.txt', '?? notes/new.txt']);
    expect(result.json.error.next).toContain(
      `git -C ${worktree} add -- dirty.txt notes/new.txt && git -C ${worktree} commit`,
    );
    expect(result.json.error.next).not.toContain('add -A');
    expect(snapshot(repo)).toEqual(before);
    expect(ghCalls(repo)).toEqual([]);
  });

  it('pack files do not count, do not block the end and are not committed', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'packed');
    const manifest = repo.manifest();
    manifest.sessions[0].packFiles = ['.env.session', '.claude/commands/flight-rules/'];
    writeFileSync(repo.manifestPath, JSON.stringify(manifest, null, 2));
    repo.write('.env.session', 'PORT=4100\n', worktree);
    repo.write('.claude/commands/flight-rules/session.mjs', '// helper\n', worktree);
    const result = await repo.cli(['end', '--strategy', 'keep', '--json'], { cwd: worktree });
    expectEndedCleanly(repo, 'packed', result);
    const files = repo.git(['ls-tree', '-r', '--name-only', 'session/packed']);
    expect(files).not.toContain('.env.session');
    expect(files).not.toContain('session.mjs');
  });
});

describe('session end --strategy pr', () => {
  it('pushes with upstream, runs gh in the main checkout, removes the worktree and keeps the branch', async () => {
    repo = makeRepo();
    const origin = addOrigin(repo);
    const worktree = sessionWithWork(repo, 'proposal', { 'p.txt': 'p\n' }, ['Propose a change']);
    const log = join(worktree, sessionLogOf(repo, 'proposal'));
    writeFileSync(
      log,
      readFileSync(log, 'utf8').replace('_Written at /dev-session.end._', 'Added p.txt.\n\n- tested by hand'),
    );
    const tip = repo.commitAll('Summary', worktree);
    const result = await repo.cli(['end', '--strategy', 'pr', '--json'], { cwd: worktree, env: ghPresentEnv(repo) });
    expectEndedCleanly(repo, 'proposal', result);
    expect(repo.git(['ls-remote', origin, 'refs/heads/session/proposal']).split('\t')[0]).toBe(tip);
    expect(repo.git(['config', 'branch.session/proposal.remote']).trim()).toBe('origin');
    const calls = ghCalls(repo);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.cwd).toBe(repo.main);
    expect(calls[0]!.argv.slice(0, 8)).toEqual([
      'pr',
      'create',
      '--head',
      'session/proposal',
      '--base',
      'main',
      '--title',
      'Propose a change',
    ]);
    expect(calls[0]!.argv[8]).toBe('--body-file');
    expect(calls[0]!.body).toBe('Added p.txt.\n\n- tested by hand');
    expect(result.json.pr).toMatchObject({
      created: true,
      url: 'https://github.com/example/project/pull/42',
      manualStep: null,
      bodyFile: null,
    });
    expect(rev(repo, 'session/proposal')).toBe(tip);
    expect(result.json.branch.kept).toBe(true);
    expect(history(repo)[0]).toMatchObject({
      strategy: 'pr',
      head: tip,
      prUrl: 'https://github.com/example/project/pull/42',
    });
  });

  it('passes --pr-title and --pr-body-file through, by name from the main checkout', async () => {
    repo = makeRepo();
    addOrigin(repo);
    sessionWithWork(repo, 'titled');
    writeFileSync(join(repo.root, 'body.md'), 'Custom body\n');
    const result = await repo.cli(
      ['end', 'titled', '--strategy', 'pr', '--pr-title', 'A "quoted" title', '--pr-body-file', '../body.md', '--json'],
      { env: ghPresentEnv(repo) },
    );
    expectEndedCleanly(repo, 'titled', result);
    expect(ghCalls(repo)[0]).toEqual({
      argv: [
        'pr',
        'create',
        '--head',
        'session/titled',
        '--base',
        'main',
        '--title',
        'A "quoted" title',
        '--body-file',
        join(repo.root, 'body.md'),
      ],
      cwd: repo.main,
      body: 'Custom body\n',
    });
  });

  it('without gh, still pushes and prints the GitHub compare URL as the next step', async () => {
    repo = makeRepo();
    const origin = addOrigin(repo, 'git@github.com:example/project.git');
    const worktree = sessionWithWork(repo, 'no-gh');
    const result = await repo.cli(['end', '--strategy', 'pr', '--json'], { cwd: worktree, env: ghAbsentEnv(repo) });
    expectEndedCleanly(repo, 'no-gh', result);
    const url = 'https://github.com/example/project/compare/main...session/no-gh?expand=1';
    expect(result.json.pr).toMatchObject({ created: false, url: null, manualStep: url, title: 'Goal of no-gh' });
    // The body is shown, to paste into the page, and kept in the sessions folder, never left in a temporary folder.
    expect(result.json.pr.bodyFile).toBe(join(repo.sessions, 'no-gh.pr-body.md'));
    expect(readFileSync(result.json.pr.bodyFile, 'utf8')).toBe(result.json.pr.body);
    expect(result.json.notes.join('\n')).toContain(result.json.pr.body.trim().split('\n')[0]);
    expect(result.json.warnings[0]).toContain('gh (the GitHub CLI) is not installed');
    expect(result.json.next[1]).toContain(url);
    expect(repo.git(['ls-remote', origin, 'refs/heads/session/no-gh'])).toContain(rev(repo, 'session/no-gh'));
    expect(ghCalls(repo)).toEqual([]);
  });

  it('when gh fails on a remote that is not GitHub, prints the gh command to run', async () => {
    repo = makeRepo();
    addOrigin(repo);
    const worktree = sessionWithWork(repo, 'gh-fails', undefined, ["Fix the user's bug"]);
    const result = await repo.cli(['end', '--strategy', 'pr'], {
      cwd: worktree,
      env: ghPresentEnv(repo, { GH_FAIL: '1' }),
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('! No PR was opened: gh pr create failed: To get started with GitHub CLI');
    const command = result.stdout.match(/then: run in .*?: (gh pr create .*)/)![1]!;
    expect(command).toMatch(
      /^gh pr create --head session\/gh-fails --base main --title 'Fix the user'\\''s bug' --body-file \S+body\.md$/,
    );
    const bodyFile = command.split(' ').pop()!;
    expect(readFileSync(bodyFile, 'utf8')).toContain('Work from the parallel dev session "gh-fails"');
  });

  it('refuses without any remote and changes nothing', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'nowhere');
    const before = snapshot(repo);
    const result = await repo.cli(['end', '--strategy', 'pr', '--json'], { cwd: worktree, env: ghPresentEnv(repo) });
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe('no-remote');
    expect(result.json.error.next).toContain('git remote add origin');
    expect(snapshot(repo)).toEqual(before);
    expect(ghCalls(repo)).toEqual([]);
  });

  it('refuses an unknown --remote and changes nothing', async () => {
    repo = makeRepo();
    addOrigin(repo);
    const worktree = sessionWithWork(repo, 'wrong-remote');
    const before = snapshot(repo);
    const result = await repo.cli(['end', '--strategy', 'pr', '--remote', 'upstream', '--json'], {
      cwd: worktree,
      env: ghPresentEnv(repo),
    });
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe('unknown-remote');
    expect(result.json.error.next).toContain('origin');
    expect(snapshot(repo)).toEqual(before);
  });
});

describe('an end run by an agent from inside the worktree', () => {
  it('leaves the folder its shell stands in, empty, and removes it once that shell exits', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'inside');
    const inner = join(worktree, 'src');
    // As the agent's tool runs it: a shell in the worktree, with the client's variable set, that checks its folder after.
    const shell = spawnSync(
      'sh',
      ['-c', `node "$1" end --strategy merge --json; echo "exit=$?"; pwd -P`, 'sh', BUNDLE],
      { cwd: inner, env: { ...repo.env, CLAUDECODE: '1' }, encoding: 'utf8' },
    );
    const [json, exit, pwd] = shell.stdout.trim().split('\n');
    expect(exit).toBe('exit=0');
    expect(pwd).toBe(inner);
    const result = JSON.parse(json!);
    expect(result.ok).toBe(true);
    expect(result.leftForCaller).toEqual([inner, worktree]);
    expect(repo.git(['worktree', 'list', '--porcelain'])).not.toContain(worktree);
    expect(repo.git(['show', 'main:inside.txt'])).toBe('inside\n');
    for (let i = 0; i < 50 && existsSync(worktree); i++) await new Promise((done) => setTimeout(done, 100));
    expect(existsSync(worktree)).toBe(false);
  });

  it('without the client, removes the worktree outright', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'outside');
    const result = await repo.cli(['end', '--strategy', 'merge', '--json'], { cwd: worktree });
    expect(result.exitCode).toBe(0);
    expect(result.json.leftForCaller).toEqual([]);
    expect(existsSync(worktree)).toBe(false);
  });
});

describe('session end --strategy keep', () => {
  it('commits a merge-pending note, pushes only to the remote asked for, writes nothing into the main checkout, and keeps the branch', async () => {
    repo = makeRepo();
    const origin = addOrigin(repo);
    const worktree = sessionWithWork(repo, 'later');
    const log = sessionLogOf(repo, 'later');
    const result = await repo.cli(['end', '--strategy', 'keep', '--remote', 'origin', '--json'], { cwd: worktree });
    expectEndedCleanly(repo, 'later', result);
    const tip = rev(repo, 'session/later');
    expect(result.json.head).toBe(tip);
    expect(repo.git(['log', '-1', '--format=%s', tip]).trim()).toBe(
      'Session later: merge pending, branch kept for later',
    );
    expect(repo.git(['show', `${tip}:${log}`])).toContain('## Merge pending');
    expect(repo.git(['ls-remote', origin, 'refs/heads/session/later'])).toContain(tip);
    expect(repo.git(['status', '--porcelain', '--untracked-files=all'])).toBe('');
    expect(result.json.steps.map((s: any) => s.id)).toEqual([
      'note',
      'push',
      'remove-worktree',
      'keep-branch',
      'manifest',
    ]);
    expect(result.json.notes.join('\n')).toContain(`git show session/later:${log}`);
    expect(history(repo)[0]).toMatchObject({ strategy: 'keep', head: tip, savedAs: 'refs/heads/session/later' });
  });

  it('without --remote pushes nothing, even when a remote exists', async () => {
    repo = makeRepo();
    const origin = addOrigin(repo);
    const worktree = sessionWithWork(repo, 'local');
    const result = await repo.cli(['end', '--strategy', 'keep', '--json'], { cwd: worktree });
    expectEndedCleanly(repo, 'local', result);
    expect(result.json.push).toBeNull();
    expect(repo.git(['ls-remote', origin, 'refs/heads/session/local'])).toBe('');
    expect(branchExists(repo, 'session/local')).toBe(true);
  });

  it('run again after a keep that stopped part way, adds no second merge-pending note', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'again');
    const log = sessionLogOf(repo, 'again');
    // What a keep that stopped after its note (a failed removal, a kill) leaves on the branch.
    repo.write(log, `${readFileSync(join(worktree, log), 'utf8')}\n## Merge pending\n\nEnded earlier.\n`, worktree);
    const noted = repo.commitAll('Session again: merge pending, branch kept for later', worktree);
    const result = await repo.cli(['end', '--strategy', 'keep', '--json'], { cwd: worktree });
    expectEndedCleanly(repo, 'again', result);
    expect(rev(repo, 'session/again')).toBe(noted);
    expect(repo.git(['show', `${noted}:${log}`]).match(/## Merge pending/g)).toHaveLength(1);
  });
});

describe('session end --strategy abandon', () => {
  it.each([
    ['without --confirm', []],
    ['with the wrong --confirm', ['--confirm', 'other']],
  ])(
    'refuses %s (confirmation-mismatch, exit 1), says to ask the user, and changes nothing',
    async (_label, confirm) => {
      repo = makeRepo();
      const worktree = sessionWithWork(repo, 'doomed');
      const before = snapshot(repo);
      const result = await repo.cli(['end', '--strategy', 'abandon', ...confirm, '--json'], { cwd: worktree });
      expect(result.exitCode).toBe(1);
      expect(result.json.error.code).toBe('confirmation-mismatch');
      expect(result.json.error.message).toContain('needs the user to type its name to confirm');
      expect(result.json.error.next).toBe(
        'Ask the user to type the session\'s name to confirm the abandon, then run: session end doomed --strategy abandon --confirm "<exactly what they typed>"',
      );
      expect(snapshot(repo)).toEqual(before);
    },
  );

  it('saves the tip and the uncommitted work, and the printed commands bring both back', async () => {
    repo = makeRepo();
    const worktree = sessionWithWork(repo, 'scrap', { 'scrap.txt': 'committed\n' });
    const tip = rev(repo, 'session/scrap');
    repo.write('scrap.txt', 'changed, not committed\n', worktree);
    repo.write('untracked/idea.md', 'an idea\n', worktree);
    const result = await repo.cli(['end', '--strategy', 'abandon', '--confirm', 'scrap', '--json'], { cwd: worktree });
    expectEndedCleanly(repo, 'scrap', result);
    expect(branchExists(repo, 'session/scrap')).toBe(false);
    expect(result.json.saved.tip).toBe('refs/sessions/abandoned/scrap/20260115T100000Z');
    expect(result.json.saved.worktree).toBe('refs/sessions/abandoned/scrap/20260115T100000Z-worktree');
    expect(repo.git(['status', '--porcelain', '--untracked-files=all'])).toBe('');
    expect(history(repo)[0]).toMatchObject({
      strategy: 'abandon',
      head: tip,
      savedAs: result.json.saved.tip,
      savedWorktreeAs: result.json.saved.worktree,
    });

    const [restoreBranch, restoreWork] = result.json.saved.restore as string[];
    expect(restoreBranch).toBe('git branch session/scrap refs/sessions/abandoned/scrap/20260115T100000Z');
    repo.git(restoreBranch!.split(' ').slice(1));
    expect(rev(repo, 'session/scrap')).toBe(tip);
    const restored = join(repo.root, 'restored');
    repo.git(['worktree', 'add', '-q', restored, 'session/scrap']);
    repo.git(restoreWork!.split('   ')[0]!.split(' ').slice(1), restored);
    expect(readFileSync(join(restored, 'scrap.txt'), 'utf8')).toBe('changed, not committed\n');
    expect(readFileSync(join(restored, 'untracked/idea.md'), 'utf8')).toBe('an idea\n');
  });

  it('with nothing uncommitted saves only the tip, and a second abandon of the same name gets its own ref', async () => {
    repo = makeRepo();
    sessionWithWork(repo, 'twice');
    const first = await repo.cli(['end', 'twice', '--strategy', 'abandon', '--confirm', 'twice', '--json']);
    expectEndedCleanly(repo, 'twice', first);
    expect(first.json.saved.worktree).toBeNull();
    sessionWithWork(repo, 'twice');
    const second = await repo.cli(['end', 'twice', '--strategy', 'abandon', '--confirm', 'twice', '--json']);
    expectEndedCleanly(repo, 'twice', second);
    expect(second.json.saved.tip).toBe('refs/sessions/abandoned/twice/20260115T100000Z-2');
    expect(repo.git(['for-each-ref', '--format=%(refname)', 'refs/sessions/']).trim().split('\n')).toHaveLength(2);
  });
});

describe('session end usage and refusals', () => {
  const usageCases: Array<[string, string[]]> = [
    ['no --strategy', ['end', 'x']],
    ['an unknown strategy', ['end', 'x', '--strategy', 'squash']],
    ['--pr-title with merge', ['end', 'x', '--strategy', 'merge', '--pr-title', 'T']],
    ['--confirm with keep', ['end', 'x', '--strategy', 'keep', '--confirm', 'x']],
    ['--rebase with abandon', ['end', 'x', '--strategy', 'abandon', '--rebase', '--confirm', 'x']],
    ['--remote with merge', ['end', 'x', '--strategy', 'merge', '--remote', 'origin']],
    ['an unreadable --pr-body-file', ['end', 'x', '--strategy', 'pr', '--pr-body-file', 'missing.md']],
    ['an invalid name', ['end', 'Bad Name', '--strategy', 'keep']],
    ['no name outside a session', ['end', '--strategy', 'keep']],
  ];
  it.each(usageCases)('%s is a usage error that changes nothing', async (_label, args) => {
    repo = makeRepo();
    sessionWithWork(repo, 'x');
    const before = snapshot(repo);
    const result = await repo.cli([...args, '--json']);
    expect(result.exitCode).toBe(2);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.error.next.length).toBeGreaterThan(10);
    expect(snapshot(repo)).toEqual(before);
  });

  it('refuses an unknown session and one that is already ending', async () => {
    repo = makeRepo();
    sessionWithWork(repo, 'busy');
    const unknown = await repo.cli(['end', 'ghost', '--strategy', 'keep', '--json']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.json.error.code).toBe('no-such-session');
    const manifest = repo.manifest();
    Object.assign(manifest.sessions[0], { status: 'ending', owner: { pid: 1, host: 'elsewhere' } });
    writeFileSync(repo.manifestPath, JSON.stringify(manifest, null, 2));
    const before = snapshot(repo);
    const busy = await repo.cli(['end', 'busy', '--strategy', 'keep', '--json']);
    expect(busy.exitCode).toBe(1);
    expect(busy.json.error.code).toBe('session-busy');
    expect(busy.json.error.next).toContain('session cleanup');
    expect(snapshot(repo)).toEqual(before);
  });
});

describe('end --strategy merge: the worktree is moved aside and its stock taken while the merge runs', () => {
  it('puts the worktree back, and the session back as active, when the merge itself fails', async () => {
    repo = makeRepo();
    expect((await repo.cli(['start', 'one', '--no-setup'])).exitCode).toBe(0);
    const worktree = join(repo.sessions, 'one');
    repo.write('feature.txt', 'work\n', worktree);
    repo.commitAll('work', worktree);
    repo.write('main.txt', 'main moved on\n');
    repo.commitAll('main work');
    const mainBefore = repo.git(['rev-parse', 'main']).trim();
    const tip = repo.git(['rev-parse', 'session/one']).trim();
    // Nothing the facts can see refuses this merge: git itself stops it, in the main checkout.
    const hook = join(repo.main, '.git/hooks/pre-merge-commit');
    writeFileSync(hook, '#!/bin/sh\necho "no merges today" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const result = await repo.cli(['end', 'one', '--strategy', 'merge', '--json']);
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe('merge-failed');
    expect(repo.git(['rev-parse', 'main']).trim()).toBe(mainBefore);
    expect(repo.git(['rev-parse', 'session/one']).trim()).toBe(tip);
    expect(existsSync(join(worktree, 'feature.txt'))).toBe(true);
    expect(readdirSync(repo.sessions).filter((name) => name.includes('.removing-'))).toEqual([]);
    expect(repo.git(['worktree', 'list', '--porcelain'])).toContain(`worktree ${worktree}\n`);
    expect(repo.manifest().sessions.map((s: any) => [s.id, s.status, s.owner])).toEqual([['one', 'active', undefined]]);
    expect(repo.git(['status', '--porcelain'], worktree)).toBe('');
  });
});
