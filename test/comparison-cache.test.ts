/**
 * Status keeps what it learnt comparing each branch with its base by both tips (`<sessions>/.tip-comparisons.json`):
 * the counts ahead and behind, the files changed since the fork and the merge prediction are reused only while the
 * session branch and its base are the very commits they were learnt for, and a file that is not exactly ours, or
 * not a file, is ignored and never followed. Which git calls a status made is read from its trace
 * (FLIGHT_RULES_TRACE), so that reuse is seen, not assumed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { makeRepo, type Repo } from './helpers/gitdir.js';
import { COMPARISON_CACHE_FILE, openComparisonCache, parseComparisonCache } from '../scripts/store/comparison-cache.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const worktree = (name: string) => join(repo.sessions, name);
const cachePath = () => join(repo.sessions, COMPARISON_CACHE_FILE);
const TRACE = { FLIGHT_RULES_TRACE: '1' };

/** auth conflicts with main on src/app.js; api merges cleanly; both are ahead of main and behind it. */
function twoSessions(): void {
  repo = makeRepo({
    files: { 'README.md': '# sample\n', 'src/app.js': 'console.log(1);\n', 'src/lib.js': 'export {};\n' },
  });
  repo.helper(['start', 'auth', '--no-setup']);
  repo.helper(['start', 'api', '--no-setup']);
  repo.write('src/app.js', 'console.log("auth");\n', worktree('auth'));
  repo.commitAll('auth: app', worktree('auth'));
  repo.write('src/lib.js', 'export const api = 1;\n', worktree('api'));
  repo.commitAll('api: lib', worktree('api'));
  repo.write('src/app.js', 'console.log("main");\n');
  repo.commitAll('main: app');
}

/**
 * The status, and which sessions it asked git about (by session tip): `predicted`, merge-tree for one session;
 * `compared`, the counts and changed files, in the one batch for all (its merge-base --octopus names every tip it
 * compares) or one session at a time (rev-list, diff).
 */
async function status(): Promise<{
  merges: Record<string, unknown>;
  predicted: string[];
  compared: string[];
  json: any;
}> {
  const result = await repo.cli(['status', '--json'], { env: TRACE });
  expect(result.exitCode).toBe(0);
  const merges = Object.fromEntries(result.json.sessions.map((s: any) => [s.id, s.merge]));
  const tips = Object.fromEntries(result.json.sessions.map((s: any) => [tipOf(s.id), s.id]));
  const asked = (pattern: RegExp) =>
    [...result.stderr.matchAll(pattern)].map((match) => tips[match[1]!] ?? match[1]!).sort();
  const batched = [...result.stderr.matchAll(/^\[trace\] .* git merge-base --octopus --all ([0-9a-f ]+) \(in /gm)]
    .flatMap((match) => match[1]!.split(' '))
    .flatMap((tip) => (tips[tip] ? [tips[tip]] : []));
  const one = [
    ...asked(/^\[trace\] .* git rev-list --left-right --count ([0-9a-f]+)\.\.\.[0-9a-f]+ \(in /gm),
    ...asked(/^\[trace\] .* git diff --name-only -z --no-renames --no-ext-diff [0-9a-f]+\.\.\.([0-9a-f]+) -- \(in /gm),
  ];
  return {
    merges,
    predicted: asked(/^\[trace\] .* git merge-tree --write-tree \S+ \S+ \S+ [0-9a-f]+ ([0-9a-f]+) \(in /gm),
    compared: [...new Set([...batched, ...one])].sort(),
    json: result.json,
  };
}

const tipOf = (id: string) => repo.git(['rev-parse', `refs/heads/session/${id}`]).trim();
const conflict = { predicted: true, clean: false, conflicts: ['src/app.js'], note: null };
const clean = { predicted: true, clean: true, conflicts: [], note: null };

describe('comparisons kept between runs of status', () => {
  it('compares each pair of tips once: a second status reuses the counts, the changed files and the predictions, reports the same, and writes nothing', async () => {
    twoSessions();
    const first = await status();
    expect(first.merges).toEqual({ api: clean, auth: conflict });
    // api changed a file main did not touch: clean without merge-tree.
    expect([first.predicted, first.compared]).toEqual([['auth'], ['api', 'auth']]);
    const written = readFileSync(cachePath(), 'utf8');
    const mtime = lstatSync(cachePath()).mtimeMs;
    const second = await status();
    expect([second.predicted, second.compared]).toEqual([[], []]);
    expect(second.json.sessions).toEqual(first.json.sessions);
    expect(readFileSync(cachePath(), 'utf8')).toBe(written);
    expect(lstatSync(cachePath()).mtimeMs).toBe(mtime);
  });

  it('predicts again when the session tip moved, and only for that session', async () => {
    twoSessions();
    await status();
    // auth takes main's line: the same file, no longer a conflict.
    repo.write('src/app.js', 'console.log("main");\n', worktree('auth'));
    repo.commitAll('auth: agree with main', worktree('auth'));
    const after = await status();
    expect([after.predicted, after.compared]).toEqual([['auth'], ['auth']]);
    expect(after.merges).toEqual({ api: clean, auth: clean });
    expect(after.json.sessions.find((s: any) => s.id === 'auth')).toMatchObject({ ahead: 2, behind: 1 });
  });

  it('predicts again for every session when the base moved', async () => {
    twoSessions();
    await status();
    repo.write('src/lib.js', 'export const main = 2;\n');
    repo.commitAll('main: lib');
    const after = await status();
    expect([after.predicted, after.compared]).toEqual([
      ['api', 'auth'],
      ['api', 'auth'],
    ]);
    expect(after.merges).toEqual({ api: { ...conflict, conflicts: ['src/lib.js'] }, auth: conflict });
    expect(after.json.sessions.map((s: any) => s.behind)).toEqual([2, 2]);
  });

  it('uses what the file holds for exactly those two tips, and drops the predictions when the repository config changes', async () => {
    twoSessions();
    await status();
    // A hand-made answer for auth's very tips is taken as the file says: the file is the cache.
    const doc = JSON.parse(readFileSync(cachePath(), 'utf8'));
    for (const key of Object.keys(doc.comparisons))
      if (key.endsWith(tipOf('auth'))) doc.comparisons[key].merge = { clean: true, conflicts: [] };
    writeFileSync(cachePath(), JSON.stringify(doc));
    expect((await status()).merges.auth).toEqual(clean);
    // How the repository merges may have changed: no prediction kept holds any more; the counts and files still do.
    repo.git(['config', 'merge.renames', 'false']);
    const after = await status();
    expect([after.predicted, after.compared]).toEqual([['auth'], ['api', 'auth']]);
    expect(after.merges).toEqual({ api: clean, auth: conflict });
    expect(after.json.sessions.map((s: any) => [s.ahead, s.behind])).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });

  it.each([
    ['not JSON', 'not json {'],
    ['another format', JSON.stringify({ format: 'something else', version: 1, predictions: {} })],
    ['another project', 'OTHER_PROJECT'],
    ['an entry of the wrong shape', 'BAD_ENTRY'],
    ['an empty file', ''],
  ])('ignores a cache file holding %s, predicts live, and replaces it with its own', async (_label, content) => {
    twoSessions();
    await status();
    const doc = JSON.parse(readFileSync(cachePath(), 'utf8'));
    // Every planted variant claims auth merges cleanly; a status that believed it would say so.
    for (const key of Object.keys(doc.comparisons)) doc.comparisons[key].merge = { clean: true, conflicts: [] };
    const planted =
      content === 'OTHER_PROJECT'
        ? JSON.stringify({ ...doc, project: 'other' })
        : content === 'BAD_ENTRY'
          ? JSON.stringify({
              ...doc,
              comparisons: {
                ...doc.comparisons,
                [Object.keys(doc.comparisons)[0]!]: { counts: { ahead: -1, behind: 0 } },
              },
            })
          : content;
    writeFileSync(cachePath(), planted);
    const after = await status();
    expect(after.predicted).toEqual(['auth']);
    expect(after.merges).toEqual({ api: clean, auth: conflict });
    const rewritten = parseComparisonCache(
      readFileSync(cachePath(), 'utf8'),
      'project',
      JSON.parse(readFileSync(cachePath(), 'utf8')).settings,
    );
    expect(rewritten?.size).toBe(2);
    expect([...rewritten!.values()].map((entry) => entry.merge)).toEqual(
      expect.arrayContaining([{ clean: false, conflicts: ['src/app.js'] }]),
    );
  });

  it("never follows a symlink in the cache file's place, nor writes through it or over it", async () => {
    twoSessions();
    await status();
    const doc = JSON.parse(readFileSync(cachePath(), 'utf8'));
    for (const key of Object.keys(doc.comparisons)) doc.comparisons[key].merge = { clean: true, conflicts: [] };
    // What the link points at is a well-formed cache that calls every merge clean.
    const elsewhere = join(repo.root, 'elsewhere');
    mkdirSync(elsewhere);
    const target = join(elsewhere, 'predictions.json');
    const planted = JSON.stringify(doc);
    writeFileSync(target, planted);
    unlinkSync(cachePath());
    symlinkSync(target, cachePath());
    const after = await status();
    expect(after.predicted).toEqual(['auth']);
    expect(after.merges).toEqual({ api: clean, auth: conflict });
    expect(lstatSync(cachePath()).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe(planted);
  });

  it('never creates the sessions folder for its file, and keeps the counts of a session level with its base without asking merge-tree', async () => {
    repo = makeRepo();
    expect((await repo.cli(['status'])).exitCode).toBe(0);
    expect(existsSync(repo.sessions)).toBe(false);
    repo.helper(['start', 'fresh', '--no-setup']);
    expect((await repo.cli(['status'])).exitCode).toBe(0);
    // A session level with its base: its counts are kept, nothing is asked of merge-tree.
    const traced = await status();
    expect(traced.predicted).toEqual([]);
    expect(
      parseComparisonCache(
        readFileSync(cachePath(), 'utf8'),
        'project',
        JSON.parse(readFileSync(cachePath(), 'utf8')).settings,
      )?.size,
    ).toBe(1);
  });
});

describe('a git too old for merge-tree --write-tree', () => {
  /** A `git` first on PATH that says it is 2.37 and answers merge-tree --write-tree with its usage, as 2.37 does. */
  function oldGit(): Record<string, string> {
    const bin = join(repo.root, 'old-git-bin');
    mkdirSync(bin);
    const real = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
    const script = join(bin, 'git');
    writeFileSync(
      script,
      `#!/bin/sh
for arg in "$@"; do
  case "$arg" in
    --version) echo "git version 2.37.0"; exit 0 ;;
    --write-tree) echo "usage: git merge-tree <base-tree> <branch1> <branch2>" >&2; exit 129 ;;
  esac
done
exec '${real}' "$@"
`,
    );
    chmodSync(script, 0o755);
    return { PATH: `${bin}:${process.env.PATH}` };
  }

  it('status says predictions need git 2.38 and end --strategy merge refuses, while a newer git is never asked its version', () => {
    twoSessions();
    const old = oldGit();
    const before = repo.helper(['status', '--json'], { env: old });
    expect(before.exitCode).toBe(0);
    const auth = before.json.sessions.find((s: any) => s.id === 'auth');
    expect(auth.merge).toMatchObject({ predicted: false, note: expect.stringContaining('git 2.38') });
    const refused = repo.helper(['end', 'api', '--strategy', 'merge', '--json'], { env: old });
    expect(refused.exitCode).toBe(1);
    expect(refused.json.error.code).toBe('git-too-old');
    const traced = repo.helper(['status'], { env: TRACE });
    expect(traced.stderr).toContain('merge-tree --write-tree');
    expect(traced.stderr).not.toContain('git --version');
  });
});

describe('which pairs the file keeps', () => {
  const pair = (n: number) => [n.toString(16).padStart(40, 'a'), n.toString(16).padStart(40, 'b')] as const;

  it('keeps the pairs a run used or learnt, after the newest others, up to the number asked, and writes only what it learnt', () => {
    repo = makeRepo();
    mkdirSync(repo.sessions);
    const place = {
      sessionsDir: repo.sessions,
      project: 'project',
      mainCheckout: repo.main,
      commonDir: join(repo.main, '.git'),
    };
    const first = openComparisonCache(place);
    for (let n = 0; n < 30; n++) first.learn(...pair(n), { counts: { ahead: n, behind: 0 } });
    first.save(10);
    const kept = () => [...parseComparisonCache(readFileSync(cachePath(), 'utf8'), 'project', settingsNow())!.keys()];
    const settingsNow = () => JSON.parse(readFileSync(cachePath(), 'utf8')).settings;
    expect(kept()).toEqual(Array.from({ length: 10 }, (_, i) => pair(20 + i).join(' ')));
    // A run that only reads writes nothing; one that learns keeps what it used last.
    const reader = openComparisonCache(place);
    expect(reader.get(...pair(20)).counts).toEqual({ ahead: 20, behind: 0 });
    const mtime = lstatSync(cachePath()).mtimeMs;
    reader.save(10);
    expect(lstatSync(cachePath()).mtimeMs).toBe(mtime);
    reader.learn(...pair(99), { files: ['x.js'] });
    reader.save(3);
    expect(kept()).toEqual([pair(29), pair(20), pair(99)].map((p) => p.join(' ')));
    expect(openComparisonCache(place).get(...pair(99))).toEqual({ files: ['x.js'] });
    expect(openComparisonCache(place).get(...pair(21))).toEqual({});
  });

  it('hands out copies: what a caller changes in one is not what the next get finds', () => {
    repo = makeRepo();
    mkdirSync(repo.sessions);
    const cache = openComparisonCache({
      sessionsDir: repo.sessions,
      project: 'project',
      mainCheckout: repo.main,
      commonDir: join(repo.main, '.git'),
    });
    const learnt = { counts: { ahead: 1, behind: 2 }, files: ['a.js'], merge: { clean: false, conflicts: ['a.js'] } };
    cache.learn(...pair(1), learnt);
    const got = cache.get(...pair(1));
    expect(got).toEqual(learnt);
    got.counts!.ahead = 9;
    got.files!.push('b.js');
    got.merge!.conflicts.push('b.js');
    got.merge!.clean = true;
    expect(cache.get(...pair(1))).toEqual(learnt);
    expect(cache.get(...pair(2))).toEqual({});
  });
});
