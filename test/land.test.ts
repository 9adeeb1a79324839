/**
 * `session land` and `session ready` on real repositories: the queue lands the clean sessions in
 * the overlap order and stops at a conflict, moving the base by exactly the merges it landed; a
 * failing check stops it with the base where it was; the main checkout is fast-forwarded only
 * when it is clean and on the base; the other sessions hear of it once, naming the right files;
 * every refusal changes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, normalise, snapshot, type Repo } from './helpers/gitdir.js';
import { outputSchemaErrors, schemaErrors } from './helpers/schemas.js';
import { history } from './helpers/end.js';
import { expectRefused, rev, settle, tryGit } from './helpers/safety.js';
import { firstParentLine, landNotice, markReady, sessionWith } from './helpers/land.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const README = '# sample\n\nintro\n\n## usage\n\nrun it\n';
const branchExists = (r: Repo, branch: string) => r.git(['branch', '--list', branch]).trim() !== '';
const entry = (r: Repo, id: string) => r.manifest().sessions.find((s: any) => s.id === id);

/**
 * Four ready sessions: alpha and beta both change README.md, in different places (an overlap
 * without a conflict), delta adds a file, and gamma changes src/app.js, which main changed too
 * after gamma started (a conflict with the base).
 */
async function fourReady(): Promise<{ base: string; tips: Record<string, string> }> {
  repo = makeRepo({ files: { 'README.md': README, 'src/app.js': 'console.log(1);\n' } });
  await sessionWith(repo, 'alpha', { 'README.md': README.replace('# sample', '# sample app') }, 'Name the app');
  await sessionWith(repo, 'beta', { 'README.md': README.replace('run it', 'run it with node') }, 'Document running it');
  await sessionWith(repo, 'gamma', { 'src/app.js': 'console.log("gamma");\n' }, 'Log gamma');
  await sessionWith(repo, 'delta', { 'src/delta.js': 'export const delta = 1;\n' }, 'Add delta');
  repo.write('src/app.js', 'console.log("main");\n');
  repo.commitAll('main changes the app');
  await markReady(repo, 'alpha', 'beta', 'gamma', 'delta');
  const tips = Object.fromEntries(['alpha', 'beta', 'gamma', 'delta'].map((id) => [id, rev(repo, `session/${id}`)]));
  return { base: rev(repo, 'main'), tips };
}

describe('session land', () => {
  it('lands the clean sessions in the overlap order and stops at the conflict, the base moved by exactly those merges', async () => {
    const { base, tips } = await fourReady();
    const result = await repo.cli(['land', '--json']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    const json = result.json;
    expect(json.order).toEqual(['alpha', 'beta', 'delta', 'gamma']);
    expect(json.sessions.map((s: any) => [s.id, s.result])).toEqual([
      ['alpha', 'landed'],
      ['beta', 'landed'],
      ['delta', 'landed'],
      ['gamma', 'conflict'],
    ]);
    expect(json.stopped).toMatchObject({ session: 'gamma', reason: 'conflict' });
    expect(json.sessions[3].conflicts).toEqual(['src/app.js']);
    expect(json.stopped.message).toContain('src/app.js');

    // The base moved by exactly the three merges, in order, each onto the one before with the session's tip, with end's message.
    const line = firstParentLine(repo, base, rev(repo, 'main'));
    expect(line.map((c) => c.subject)).toEqual([
      'Merge session alpha: Name the app',
      'Merge session beta: Document running it',
      'Merge session delta: Add delta',
    ]);
    expect(line.map((c) => c.parents[1])).toEqual([tips.alpha, tips.beta, tips.delta]);
    expect(line[0]!.parents[0]).toBe(base);
    expect(line.map((c) => c.commit)).toEqual(json.sessions.slice(0, 3).map((s: any) => s.merge.commit));
    expect(json.bases).toEqual([
      { branch: 'main', before: base, after: line[2]!.commit, landed: ['alpha', 'beta', 'delta'], gained: 6 },
    ]);

    // The main checkout, clean and on main, came along; the landed sessions ended as a merge end does.
    expect(json.mainCheckout.action).toBe('fast-forwarded');
    expect(repo.git(['status', '--porcelain'])).toBe('');
    expect(readFileSync(join(repo.main, 'README.md'), 'utf8')).toBe(
      README.replace('# sample', '# sample app').replace('run it', 'run it with node'),
    );
    expect(existsSync(join(repo.main, 'src/delta.js'))).toBe(true);
    for (const id of ['alpha', 'beta', 'delta']) {
      expect(existsSync(join(repo.sessions, id))).toBe(false);
      expect(branchExists(repo, `session/${id}`)).toBe(false);
    }
    expect(repo.manifest().sessions.map((s: any) => [s.id, s.status])).toEqual([['gamma', 'active']]);
    expect(schemaErrors('manifest', repo.manifest())).toBe('');
    expect(history(repo).map((h) => [h.id, h.strategy, h.mergeCommit, h.head])).toEqual([
      ['alpha', 'land', line[0]!.commit, tips.alpha],
      ['beta', 'land', line[1]!.commit, tips.beta],
      ['delta', 'land', line[2]!.commit, tips.delta],
    ]);
    // gamma is as it was: its worktree, its branch, its ready mark; no scratch worktree is left.
    expect(rev(repo, 'session/gamma')).toBe(tips.gamma);
    expect(entry(repo, 'gamma').ready.tip).toBe(tips.gamma);
    expect(repo.git(['worktree', 'list', '--porcelain'])).not.toContain('.land-check');
    expect(json.next[0]).toContain('sync gamma');
  });

  it('prints the queue for people, and the dry run predicts the same queue without changing anything', async () => {
    await fourReady();
    settle(repo, ...['alpha', 'beta', 'gamma', 'delta'].map((id) => join(repo.sessions, id)));
    const before = snapshot(repo);
    const plan = await repo.cli(['land', '--dry-run', '--check', 'npm test']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(snapshot(repo)).toEqual(before);
    expect(normalise(plan.stdout, repo)).toMatchInlineSnapshot(`
      "- Land plan (dry run, nothing changed): 4 sessions into main (at <short-sha>), in this order:
      ✓ 1. alpha (Name the app): merges cleanly ("Merge session alpha: Name the app"); main would move by 2 commits
          - check: npm test
      ✓ 2. beta (Document running it): merges cleanly ("Merge session beta: Document running it"); main would move by 2 commits
          - check: npm test
      ✓ 3. delta (Add delta): merges cleanly ("Merge session delta: Add delta"); main would move by 2 commits
          - check: npm test
      ✗ 4. gamma (Log gamma): would conflict with main in src/app.js; the queue would stop here
      - Checks: \`npm test\` (--check) on each candidate merge, in a temporary detached worktree with the session's env files and setup; a failure stops the queue.
      - The main checkout <root>/project (on main) is clean: it would be fast-forwarded with each landing.

      Next: \`session land alpha beta delta --check 'npm test'\` lands them in this order.
        then: Sync gamma and resolve the conflicts there (/parallel.sync in its worktree, or \`session sync gamma\`), mark it ready again (\`session ready gamma\`), then land it.
      "
    `);
    const json = (await repo.cli(['land', '--dry-run', '--json'])).json;
    expect(outputSchemaErrors(json)).toBe('');
    expect(json.dryRun).toBe(true);
    expect(json.bases[0].after).toBeNull();
    expect(json.sessions.map((s: any) => [s.id, s.result])).toEqual([
      ['alpha', 'would-land'],
      ['beta', 'would-land'],
      ['delta', 'would-land'],
      ['gamma', 'would-conflict'],
    ]);

    const ran = await repo.cli(['land']);
    expect(ran.exitCode, ran.stderr).toBe(0);
    expect(normalise(ran.stdout, repo)).toMatchInlineSnapshot(`
      "! Land queue: 4 sessions into main (at <short-sha>):
      ✓ 1. alpha (Name the app): landed as <short-sha> ("Merge session alpha: Name the app"); main moved by 2 commits
          ✓ worktree removed, branch session/alpha deleted
      ✓ 2. beta (Document running it): landed as <short-sha> ("Merge session beta: Document running it"); main moved by 2 commits
          ✓ worktree removed, branch session/beta deleted
      ✓ 3. delta (Add delta): landed as <short-sha> ("Merge session delta: Add delta"); main moved by 2 commits
          ✓ worktree removed, branch session/delta deleted
      ✗ 4. gamma (Log gamma): stopped: it conflicts with main in src/app.js; nothing of it changed
      - No check runs (none given with --check, none in the config).
      - main moved from <short-sha> to <short-sha>: 3 sessions landed, 6 commits.
      ✓ The main checkout <root>/project (on main) was fast-forwarded with each landing.
      ! The queue stopped at gamma: merging session/gamma into main would conflict in src/app.js; nothing of it changed

      Next: Sync gamma and resolve the conflicts there (/parallel.sync in its worktree, or \`session sync gamma\`), mark it ready again (\`session ready gamma\`), then land it.
      "
    `);
  });

  it('re-predicts after each landing: a session that conflicts only with a landed one stops the queue, and hears of it once, naming the files', async () => {
    repo = makeRepo({ files: { 'README.md': README, 'src/util.js': 'export const u = 1;\n' } });
    await sessionWith(repo, 'first', { 'src/util.js': 'export const u = 2;\n', 'src/first.js': 'x\n' }, 'Two');
    await sessionWith(repo, 'second', { 'src/util.js': 'export const u = 3;\n' }, 'Three');
    // A bystander on the same base, not in the queue: told too, and still clean.
    const bystander = await sessionWith(repo, 'bystander', { 'notes.md': 'notes\n' });
    await markReady(repo, 'first', 'second');
    const result = await repo.cli(['land', '--json']);
    expect(result.exitCode, result.stdout).toBe(0);
    // Both conflict with each other; second changes fewer files, so it goes first, and first then conflicts with main.
    expect(result.json.sessions.map((s: any) => [s.id, s.result])).toEqual([
      ['second', 'landed'],
      ['first', 'conflict'],
    ]);
    expect(result.json.sessions[0].mustSync).toEqual([{ id: 'first', conflicts: ['src/util.js'] }]);
    expect(result.json.sessions[1].conflicts).toEqual(['src/util.js']);

    const firstWorktree = join(repo.sessions, 'first');
    const told = landNotice(repo, firstWorktree);
    expect(told).toContain('Parallel session "first": Session "second" landed in main (merge ');
    expect(told).toContain('main moved by 2 commits, and this session is now 2 behind it.');
    expect(told).toContain('would now conflict in src/util.js');
    expect(told).toContain(`sync first`);
    expect(told).toContain('mark it ready again');
    // Once: the next prompt hears nothing.
    expect(landNotice(repo, firstWorktree)).toBe('');
    expect(landNotice(repo, join(firstWorktree, 'src'))).toBe('');
    const calm = landNotice(repo, bystander);
    expect(calm).toContain('Parallel session "bystander": Session "second" landed in main');
    expect(calm).toContain('This session still merges cleanly into main');
    expect(calm).not.toContain('ready again');
    expect(landNotice(repo, bystander)).toBe('');
    expect(landNotice(repo, repo.main)).toBe('');
    // The markers are plain files in the sessions folder; git saw nothing.
    expect(readFileSync(join(repo.sessions, '.first.heard'), 'utf8')).toContain(rev(repo, 'main'));
    expect(repo.git(['status', '--porcelain'], firstWorktree)).toBe('');
  });

  it('tells a session that synced since nothing, and speaks again when another landing moves the base', async () => {
    repo = makeRepo();
    await sessionWith(repo, 'one', { 'one.txt': '1\n' });
    const stays = await sessionWith(repo, 'stays', { 'stays.txt': 's\n' });
    await sessionWith(repo, 'two', { 'two.txt': '2\n' });
    expect((await repo.cli(['land', 'one'])).exitCode).toBe(0);
    // Synced before its next prompt: nothing to tell.
    expect((await repo.cli(['sync', 'stays'])).exitCode).toBe(0);
    expect(landNotice(repo, stays)).toBe('');
    expect((await repo.cli(['land', 'two'])).exitCode).toBe(0);
    const told = landNotice(repo, stays);
    expect(told).toContain('Session "two" landed in main');
    expect(told).not.toContain('"one"');
    expect(landNotice(repo, stays)).toBe('');
  });

  it('a failing check stops the queue there, leaves the base where it was, and keeps the log', async () => {
    repo = makeRepo();
    await sessionWith(repo, 'alpha', { 'alpha.txt': 'a\n' });
    await sessionWith(repo, 'broken', { 'broken.txt': 'b\n', 'zz.txt': 'z\n' });
    await markReady(repo, 'alpha', 'broken');
    const check =
      'echo checking $SESSION_ID on port $PORT; test ! -f broken.txt || { echo "broken.txt must not exist" >&2; exit 3; }';
    const result = await repo.cli(['land', '--check', check, '--json']);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    const [alpha, broken] = result.json.sessions;
    expect([alpha.id, alpha.result, alpha.check.status]).toEqual(['alpha', 'landed', 'passed']);
    expect([broken.id, broken.result, broken.check.status]).toEqual(['broken', 'check-failed', 'failed']);
    expect(broken.check.failure).toMatch(/exited with 3: broken.txt must not exist/);
    expect(result.json.stopped.reason).toBe('check-failed');
    expect(rev(repo, 'main')).toBe(alpha.merge.commit);
    expect(entry(repo, 'broken').status).toBe('active');
    expect(entry(repo, 'broken').landing).toBeUndefined();
    const log = readFileSync(broken.check.log, 'utf8');
    expect(broken.check.log).toBe(join(repo.sessions, 'broken.check.log'));
    expect(log).toMatch(/checking broken on port \d+/);
    expect(log).toContain('# exit 3');
    // A passing check's log goes, and so does the scratch worktree.
    expect(existsSync(join(repo.sessions, 'alpha.check.log'))).toBe(false);
    expect(repo.git(['worktree', 'list', '--porcelain'])).not.toContain('.land-check');
    expect(result.stderr).toContain('- check of alpha 1/1: ');
    expect(result.stderr).toContain('- check of broken 1/1: ');
  });

  it('a check that fails on the first session changes nothing but writing its log', async () => {
    repo = makeRepo();
    await sessionWith(repo, 'only', { 'only.txt': 'o\n' });
    await markReady(repo, 'only');
    writeFileSync(join(repo.main, '.claude-check-config.json'), ''); // an untracked file in the main checkout stays untouched
    settle(repo, join(repo.sessions, 'only'));
    const before = snapshot(repo) as { refs: string; head: string; files: Record<string, string> };
    const result = await repo.cli(['land', '--check', 'false', '--json']);
    expect(result.json.sessions[0].result).toBe('check-failed');
    const after = snapshot(repo) as typeof before;
    const { [join('project-sessions', 'only.check.log')]: log, ...files } = after.files;
    expect(log).toBeDefined();
    expect({ ...after, files }).toEqual(before);
  });

  it("runs the check in the candidate merge, detached, with the session's ignored env files", async () => {
    repo = makeRepo({ files: { 'README.md': '# sample\n', '.gitignore': '.env\n' } });
    writeFileSync(join(repo.main, '.env'), 'TOKEN=main\n');
    const worktree = await sessionWith(repo, 'envy', { 'feature.txt': 'f\n' });
    writeFileSync(join(worktree, '.env'), 'TOKEN=session\n');
    repo.write('base.txt', 'moved\n');
    repo.commitAll('main moves');
    const check =
      'test -f feature.txt && test -f base.txt && grep -q TOKEN=session .env && test -f .env.session && test -z "$(git symbolic-ref -q HEAD)" && git log -1 --format=%s > "$OUT"';
    const out = join(repo.root, 'check-saw.txt');
    const result = await repo.cli(['land', 'envy', '--check', check, '--json'], { env: { OUT: out } });
    expect(result.json.sessions[0].check?.status, JSON.stringify(result.json.sessions[0])).toBe('passed');
    expect(readFileSync(out, 'utf8').trim()).toBe('Merge session envy: Goal of envy');
    // The edited .env was saved before the worktree went, as every end does.
    expect(result.json.sessions[0].saved.map((s: any) => s.what)).toEqual(['ignored']);
  });

  it('takes the check from the config, and --no-check skips it', async () => {
    repo = makeRepo();
    repo.write('.claude/flight-rules.json', JSON.stringify({ check: 'exit 7' }));
    repo.commitAll('config');
    await sessionWith(repo, 'configured', { 'c.txt': 'c\n' });
    const checked = await repo.cli(['land', 'configured', '--json']);
    expect(checked.json.check).toEqual({ command: 'exit 7', source: 'config' });
    expect(checked.json.sessions[0].result).toBe('check-failed');
    const skipped = await repo.cli(['land', 'configured', '--no-check', '--json']);
    expect(skipped.json.check).toBeNull();
    expect(skipped.json.sessions[0].result).toBe('landed');
  });
});

describe('two land runs at once', () => {
  it('take turns under the merge lock: the second, run while the first checks, finds nothing left to land', async () => {
    repo = makeRepo();
    await sessionWith(repo, 'one', { 'one.txt': '1\n' });
    await sessionWith(repo, 'two', { 'two.txt': '2\n' });
    await markReady(repo, 'one', 'two');
    const first = repo.helperAsync(['land', '--check', 'sleep 1', '--json']);
    // The second starts once the first holds the lock (its scratch worktree appears during the first check).
    for (let i = 0; i < 200 && !readdirSync(repo.sessions).some((name) => name.startsWith('.land-check-')); i++)
      await new Promise((done) => setTimeout(done, 25));
    const second = await repo.helperAsync(['land', '--json']);
    const firstDone = await first;
    expect(firstDone.json.sessions.map((s: any) => s.result)).toEqual(['landed', 'landed']);
    expectRefused(second, 'nothing-to-land');
    expect(history(repo).map((h) => h.id)).toEqual(['one', 'two']);
  }, 30_000);
});

describe('more than one base', () => {
  it('lands each session into its own base, one base after the other, moving a base checked out nowhere without any checkout', async () => {
    repo = makeRepo();
    repo.git(['branch', 'develop']);
    await sessionWith(repo, 'on-main', { 'm.txt': 'm\n' });
    const started = await repo.cli(['start', 'on-develop', '--base', 'develop', '--no-setup', '--goal', 'Develop it']);
    expect(started.exitCode, started.stderr).toBe(0);
    repo.write('d.txt', 'd\n', join(repo.sessions, 'on-develop'));
    repo.commitAll('work on develop', join(repo.sessions, 'on-develop'));
    await markReady(repo, 'on-main', 'on-develop');
    const develop = rev(repo, 'develop');
    const tip = rev(repo, 'session/on-develop');
    const result = await repo.cli(['land', '--json']);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.order).toEqual(['on-develop', 'on-main']);
    expect(result.json.bases.map((b: any) => [b.branch, b.landed])).toEqual([
      ['develop', ['on-develop']],
      ['main', ['on-main']],
    ]);
    expect(repo.git(['log', '-1', '--format=%P %s', 'develop']).trim()).toBe(
      `${develop} ${tip} Merge session on-develop: Develop it`,
    );
    expect(existsSync(join(repo.main, 'd.txt'))).toBe(false);
    expect(existsSync(join(repo.main, 'm.txt'))).toBe(true);
    expect(result.json.mainCheckout.action).toBe('fast-forwarded');
  });
});

describe('the main checkout', () => {
  async function oneLanding(arrange: (r: Repo) => void): Promise<{ json: any; before: string }> {
    repo = makeRepo({ files: { 'README.md': README, 'src/app.js': 'console.log(1);\n' } });
    await sessionWith(repo, 'feature', { 'feature.txt': 'feature\n' });
    arrange(repo);
    const before = rev(repo, 'main');
    const result = await repo.cli(['land', 'feature', '--json']);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.sessions[0].result).toBe('landed');
    return { json: result.json, before };
  }

  it('is fast-forwarded when it is clean and on the base', async () => {
    const { json } = await oneLanding(() => undefined);
    expect(json.mainCheckout).toMatchObject({ action: 'fast-forwarded', branch: 'main', update: null });
    expect(repo.git(['symbolic-ref', 'HEAD']).trim()).toBe('refs/heads/main');
    expect(repo.git(['status', '--porcelain'])).toBe('');
    expect(readFileSync(join(repo.main, 'feature.txt'), 'utf8')).toBe('feature\n');
  });

  it('with uncommitted changes, is left exactly as it was, detached at the old base, and the printed command brings it up keeping them', async () => {
    const { json, before } = await oneLanding((r) => writeFileSync(join(r.main, 'README.md'), `${README}my edit\n`));
    expect(json.mainCheckout).toMatchObject({
      action: 'detached',
      why: 'it has 1 uncommitted change(s)',
      update: `git -C ${repo.main} switch main`,
    });
    expect(rev(repo, 'HEAD')).toBe(before);
    expect(tryGit(repo, ['symbolic-ref', '-q', 'HEAD']).status).toBe(1);
    // Its changes are as they were, against the commit it stands on, and nothing of the landing shows.
    expect(repo.git(['status', '--porcelain'])).toBe(' M README.md\n');
    expect(existsSync(join(repo.main, 'feature.txt'))).toBe(false);
    expect(rev(repo, 'main')).toBe(json.sessions[0].merge.commit);
    repo.git(['-C', repo.main, 'switch', '-q', 'main']);
    expect(repo.git(['status', '--porcelain'])).toBe(' M README.md\n');
    expect(readFileSync(join(repo.main, 'feature.txt'), 'utf8')).toBe('feature\n');
    expect(readFileSync(join(repo.main, 'README.md'), 'utf8')).toBe(`${README}my edit\n`);
  }, 30_000);

  it('with an untracked file where the landing writes one, is left alone the same way, naming it', async () => {
    const { json, before } = await oneLanding((r) => writeFileSync(join(r.main, 'feature.txt'), 'mine\n'));
    expect(json.mainCheckout.action).toBe('detached');
    expect(json.mainCheckout.why).toContain('feature.txt');
    expect(rev(repo, 'HEAD')).toBe(before);
    expect(readFileSync(join(repo.main, 'feature.txt'), 'utf8')).toBe('mine\n');
    // git would write over an ignored file there without a word: the next step says to move it first, and how to find it.
    const advice = json.next.find((line: string) => line.startsWith('Bring the main checkout up to date'));
    expect(advice).toContain('first move aside any ignored file at a path the landing added');
    const listing = /\((git -C .* main) lists those paths/.exec(advice)![1]!.split(' ');
    expect(repo.git(listing.slice(3), repo.main).split('\n')).toContain('feature.txt');
  });

  it('on another branch, is not touched at all', async () => {
    const { json } = await oneLanding((r) => {
      r.git(['switch', '-q', '-c', 'elsewhere']);
      settle(r);
    });
    expect(json.mainCheckout).toMatchObject({ action: 'untouched', branch: 'elsewhere' });
    expect(repo.git(['symbolic-ref', 'HEAD']).trim()).toBe('refs/heads/elsewhere');
    expect(existsSync(join(repo.main, 'feature.txt'))).toBe(false);
  });
});

describe('refusals change nothing', () => {
  async function twoSessions(): Promise<void> {
    repo = makeRepo();
    await sessionWith(repo, 'ok', { 'ok.txt': 'ok\n' });
    await sessionWith(repo, 'other', { 'other.txt': 'other\n' });
  }

  const cases: Array<[string, (r: Repo) => Promise<string[]> | string[], string, RegExp]> = [
    ['nothing marked ready and no name', () => ['land'], 'nothing-to-land', /No session is marked ready to land/],
    ['an unknown session', () => ['land', 'ok', 'nope'], 'no-such-session', /no session named "nope"/],
    [
      'uncommitted work in one of the named sessions',
      (r) => {
        writeFileSync(join(r.sessions, 'other', 'other.txt'), 'changed\n');
        return ['land', 'ok', 'other'];
      },
      'uncommitted-work',
      /"other" has uncommitted or untracked changes[\s\S]*other\.txt/,
    ],
    [
      'the base checked out in another worktree',
      (r) => {
        r.git(['switch', '-q', '-c', 'side']);
        r.git(['worktree', 'add', '-q', join(r.root, 'elsewhere'), 'main']);
        return ['land', 'ok'];
      },
      'base-checked-out-elsewhere',
      /checked out in .*elsewhere/,
    ],
    [
      'a merge stopped in the main checkout, which has the base',
      (r) => {
        r.git(['switch', '-q', '-c', 'clash']);
        r.write('README.md', 'clash\n');
        r.commitAll('clash');
        r.git(['switch', '-q', 'main']);
        r.write('README.md', 'main\n');
        r.commitAll('main');
        try {
          r.git(['merge', 'clash']);
        } catch {
          /* stops on the conflict */
        }
        return ['land', 'ok'];
      },
      'git-busy',
      /main checkout/,
    ],
    [
      'a rebase stopped in a session worktree',
      (r) => {
        const wt = join(r.sessions, 'other');
        r.write('other.txt', 'main version\n');
        r.commitAll('main adds other.txt');
        try {
          r.git(['rebase', 'main'], wt);
        } catch {
          /* stops on the conflict */
        }
        return ['land', 'other'];
      },
      'git-busy',
      /rebase/,
    ],
  ];

  it.each(cases)('refuses %s', async (_label, arrange, code, message) => {
    await twoSessions();
    const args = await arrange(repo);
    settle(repo, join(repo.sessions, 'ok'), join(repo.sessions, 'other'));
    const before = snapshot(repo);
    const result = await repo.cli([...args, '--json']);
    const error = expectRefused(result, code);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(error.message).toMatch(message);
    expect(snapshot(repo)).toEqual(before);
  });

  it('refuses a bad --check and contradictory flags as usage errors', async () => {
    await twoSessions();
    expect((await repo.cli(['land', 'ok', '--check', ' ', '--json'])).exitCode).toBe(2);
    expect((await repo.cli(['land', 'ok', '--check', 'true', '--no-check', '--json'])).exitCode).toBe(2);
    expect((await repo.cli(['land', 'Bad Name', '--json'])).exitCode).toBe(2);
  });
});

describe('session ready', () => {
  it('marks committed work, shows it in status, and a later commit takes it out of the queue', async () => {
    repo = makeRepo();
    const worktree = await sessionWith(repo, 'done', { 'done.txt': 'd\n' });
    await sessionWith(repo, 'later', { 'later.txt': 'l\n' });
    const marked = await repo.cli(['ready', '--json'], { cwd: worktree });
    expect(marked.exitCode, marked.stdout).toBe(0);
    expect(outputSchemaErrors(marked.json)).toBe('');
    expect(marked.json.ready).toEqual({ at: '2026-01-15T10:00:00Z', tip: rev(repo, 'session/done') });
    expect(entry(repo, 'done').ready).toEqual(marked.json.ready);
    const status = await repo.cli(['status', '--json']);
    expect(outputSchemaErrors(status.json)).toBe('');
    expect(status.json.sessions.find((s: any) => s.id === 'done').ready).toMatchObject({ current: true });
    expect((await repo.cli(['status'])).stdout).toMatch(/done\s+active, ready/);

    repo.write('more.txt', 'more\n', worktree);
    repo.commitAll('more work', worktree);
    const moved = await repo.cli(['status', '--json']);
    const done = moved.json.sessions.find((s: any) => s.id === 'done');
    expect(done.ready.current).toBe(false);
    expect(done.attention.map((a: any) => a.code)).toContain('ready-moved');
    const refused = await repo.cli(['land', '--json']);
    expectRefused(refused, 'nothing-to-land');
    expect(refused.json.error.message).toMatch(/done: marked ready at .*, but its branch has moved since/);

    const undo = await repo.cli(['ready', 'done', '--undo', '--json']);
    expect(undo.json.ready).toBeNull();
    expect(entry(repo, 'done').ready).toBeUndefined();
  });

  it('refuses uncommitted work, changing nothing', async () => {
    repo = makeRepo();
    const worktree = await sessionWith(repo, 'dirty', { 'a.txt': 'a\n' });
    writeFileSync(join(worktree, 'b.txt'), 'b\n');
    settle(repo, worktree);
    const before = snapshot(repo);
    const result = await repo.cli(['ready', 'dirty', '--json']);
    const error = expectRefused(result, 'uncommitted-work');
    expect(error.message).toContain('only committed work can be marked ready to land');
    expect(error.message).toContain('?? b.txt');
    expect(error.next).toContain(`git -C ${worktree} add -- b.txt`);
    expect(snapshot(repo)).toEqual(before);
  });

  it('warns when the session would conflict with its base now', async () => {
    repo = makeRepo();
    await sessionWith(repo, 'clash', { 'README.md': 'session\n' });
    repo.write('README.md', 'main\n');
    repo.commitAll('main');
    const result = await repo.cli(['ready', 'clash']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      'Merging it into main would conflict now, in README.md: the land queue stops at it.',
    );
  });
});
