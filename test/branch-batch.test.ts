/**
 * Comparing every session tip with its base in one batch: the pure parts as tables, and against git itself on
 * random histories and random changes, so that the batch answers exactly what one git call per pair would.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { comparePairs, pairKey, parseParentsListing } from '../scripts/core/commit-graph.js';
import { changesMayMeet, parseTreeChangesBatch, pathsMayMeet, type TreeChange } from '../scripts/core/tree-changes.js';
import { commitsAbove, octopusBases, treeChangesOf } from '../scripts/git/history-batch.js';
import { compareTipsInBatch } from '../scripts/engine/report/branch-batch.js';
import { limiter } from '../scripts/lib/limit.js';
import { withProcessScope } from '../scripts/lib/shell.js';
import { makeRepo, type Repo } from './helpers/gitdir.js';

const repos: Repo[] = [];
afterAll(() => repos.forEach((repo) => repo.cleanup()));
const newRepo = (options?: Parameters<typeof makeRepo>[0]) => {
  const repo = makeRepo(options);
  repos.push(repo);
  return repo;
};
const inRepo = <T>(repo: Repo, work: () => Promise<T>) =>
  withProcessScope({ env: repo.env, stderr: process.stderr }, work);

/** A small seeded generator, so a failure replays. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return {
    next,
    int: (below: number) => Math.floor(next() * below),
    pick: <T>(from: readonly T[]) => from[Math.floor(next() * from.length)]!,
  };
}

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const D = 'd'.repeat(40);
const E = 'e'.repeat(40);

describe('parseParentsListing', () => {
  it('reads a commit and its parents per line, a root with none', () => {
    expect([...parseParentsListing(`${A} ${B} ${C}\n${B} ${D}\n${C}\n`)]).toEqual([
      [A, [B, C]],
      [B, [D]],
      [C, []],
    ]);
  });
  it('an empty listing is an empty graph', () => expect(parseParentsListing('').size).toBe(0));
});

describe('comparePairs', () => {
  // D is the bottom; B and C fork from it, A merges them.
  const graph = new Map([
    [A, [B, C]],
    [B, [D]],
    [C, [D]],
  ]);
  it.each([
    ['a fork', { base: B, tip: C }, { ahead: 1, behind: 1, mergeBases: [D] }],
    ['a tip its base holds', { base: A, tip: B }, { ahead: 0, behind: 2, mergeBases: [B] }],
    ['a tip ahead of its base', { base: B, tip: A }, { ahead: 2, behind: 0, mergeBases: [B] }],
    ['the bottom itself as the tip', { base: A, tip: D }, { ahead: 0, behind: 3, mergeBases: [D] }],
    ['the same tip', { base: C, tip: C }, { ahead: 0, behind: 0, mergeBases: [C] }],
  ])('%s', (_label, pair, expected) => expect(comparePairs(graph, D, [pair])!.get(pairKey(pair))).toEqual(expected));

  it('finds both merge bases of a criss-cross', () => {
    // B and C both fork from D; E merges B into C's line and A merges C into B's: tips A and E share B and C.
    const crossed = new Map([
      [A, [B, C]],
      [E, [C, B]],
      [B, [D]],
      [C, [D]],
    ]);
    expect(
      comparePairs(crossed, D, [{ base: A, tip: E }])!
        .get(pairKey({ base: A, tip: E }))!
        .mergeBases.sort(),
    ).toEqual([B, C].sort());
  });

  it('refuses a tip the listing does not hold', () => {
    expect(comparePairs(graph, D, [{ base: A, tip: E }])).toBeNull();
  });
});

describe('parseTreeChangesBatch', () => {
  it.each([
    [
      'one comparison',
      `${A}\0M\0src/a.js\0A\0b\0`,
      [A],
      [
        [
          { status: 'M', path: 'src/a.js' },
          { status: 'A', path: 'b' },
        ],
      ],
    ],
    ['an empty comparison between two', `${A}\0${B}\0D\0x\0`, [A, B], [[], [{ status: 'D', path: 'x' }]]],
    ['a path that looks like an object id', `${A}\0A\0${C}\0${B}\0`, [A, B], [[{ status: 'A', path: C }], []]],
    ['a one-letter path', `${A}\0M\0M\0`, [A], [[{ status: 'M', path: 'M' }]]],
    ['a path with a newline', `${A}\0A\0a\nb\0`, [A], [[{ status: 'A', path: 'a\nb' }]]],
  ])('%s', (_label, output, commits, expected) => expect(parseTreeChangesBatch(output, commits)).toEqual(expected));

  it.each([
    ['a comparison missing', `${A}\0M\0x\0`, [A, B]],
    ['a header of another commit', `${B}\0M\0x\0`, [A]],
    ['one too many', `${A}\0${B}\0`, [A]],
    ['a status without its path', `${A}\0M\0`, [A]],
    ['no output for a comparison asked for', '', [A]],
  ])('untrusted: %s', (_label, output, commits) => expect(parseTreeChangesBatch(output, commits)).toBeNull());
});

const change = (status: string, path: string): TreeChange => ({ status, path });

describe('changesMayMeet', () => {
  it.each([
    ['different files', [change('M', 'a.js')], [change('M', 'b.js')], false],
    ['new files beside each other', [change('A', 'src/x.js')], [change('A', 'src/y.js')], false],
    ['nothing on one side', [], [change('D', 'src/y.js')], false],
    ['the same file', [change('M', 'a.js')], [change('M', 'a.js')], true],
    ['a deleted file changed on the other side', [change('D', 'a.js')], [change('M', 'a.js')], true],
    ['the same file spelt in another case', [change('A', 'README')], [change('A', 'readme')], true],
    ['a file where the other side has a folder', [change('A', 'lib')], [change('A', 'lib/x.js')], true],
    ['a folder where the other side has a file', [change('A', 'lib/x.js')], [change('D', 'lib')], true],
    [
      'a file added to a folder the other side empties',
      [change('A', 'old/new.js')],
      [change('D', 'old/a.js'), change('A', 'new/a.js')],
      true,
    ],
    [
      'a file added below a folder the other side empties',
      [change('A', 'old/deep/new.js')],
      [change('D', 'old/a.js')],
      true,
    ],
    [
      'a file changed in a folder the other side loses a file from',
      [change('M', 'old/b.js')],
      [change('D', 'old/a.js')],
      false,
    ],
    ['top-level files added and deleted', [change('A', 'x.js')], [change('D', 'y.js')], false],
  ])('%s', (_label, ours, theirs, expected) => {
    expect(changesMayMeet(ours, theirs)).toBe(expected);
    expect(changesMayMeet(theirs, ours)).toBe(expected);
  });
});

describe('the batch against git, on random histories', () => {
  it('counts and merge bases agree with rev-list and merge-base --all', async () => {
    const repo = newRepo();
    const tree = repo.git(['rev-parse', 'HEAD^{tree}']).trim();
    let made = 0;
    const commit = (parents: string[]) =>
      repo.git(['commit-tree', tree, ...parents.flatMap((parent) => ['-p', parent]), '-m', `c${made++}`]).trim();
    let checked = 0;
    let crossed = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const pick = random(seed);
      // Four lines of work that merge each other now and then: criss-crosses come of it.
      const lines = Array.from({ length: 4 }, () => repo.git(['rev-parse', 'HEAD']).trim());
      for (let i = 0; i < 40; i++) {
        const line = pick.int(lines.length);
        const other = lines[pick.int(lines.length)]!;
        const parents = pick.next() < 0.35 && other !== lines[line] ? [lines[line]!, other] : [lines[line]!];
        lines[line] = commit(parents);
      }
      const tips = [...new Set(lines)];
      const base = tips[0]!;
      const pairs = tips.slice(1).map((tip) => ({ base, tip }));
      await inRepo(repo, async () => {
        const bottoms = await octopusBases(repo.main, tips);
        expect(bottoms.length).toBeGreaterThan(0);
        if (bottoms.length !== 1) return;
        const compared = comparePairs(await commitsAbove(repo.main, tips, bottoms[0]!), bottoms[0]!, pairs)!;
        for (const pair of pairs) {
          const [ahead, behind] = repo
            .git(['rev-list', '--left-right', '--count', `${pair.tip}...${pair.base}`])
            .trim()
            .split(/\s+/)
            .map(Number);
          const bases = repo.git(['merge-base', '--all', pair.base, pair.tip]).trim().split('\n').sort();
          expect(compared.get(pairKey(pair))).toEqual({ ahead, behind, mergeBases: expect.any(Array) });
          expect([...compared.get(pairKey(pair))!.mergeBases].sort()).toEqual(bases);
          if (bases.length > 1) crossed++;
          checked++;
        }
      });
    }
    expect(checked).toBeGreaterThan(30);
    expect(crossed).toBeGreaterThan(0);
  });

  it('leaves out tips with no history in common', async () => {
    const repo = newRepo();
    const tip = repo.git(['rev-parse', 'HEAD']).trim();
    const tree = repo.git(['rev-parse', 'HEAD^{tree}']).trim();
    const stranger = repo.git(['commit-tree', tree, '-m', 'another root']).trim();
    const answers = await inRepo(repo, () =>
      compareTipsInBatch(repo.main, [{ base: tip, tip: stranger, files: true, merge: true }], limiter()),
    );
    expect(answers.size).toBe(0);
  });
});

/** Random edits of a small tree, as a session or main would make them: edits, adds, deletes, file and folder renames. */
function editTree(repo: Repo, pick: ReturnType<typeof random>, label: string): void {
  const files = repo.git(['ls-files']).trim().split('\n');
  const text = (name: string) => Array.from({ length: 8 }, (_, line) => `${name} line ${line}\n`).join('');
  const put = (path: string, content: string) => {
    rmSync(join(repo.main, path), { recursive: true, force: true });
    mkdirSync(dirname(join(repo.main, path)), { recursive: true });
    writeFileSync(join(repo.main, path), content);
  };
  const newPaths = ['a/n1', 'a/b/n2', 'c/n3', 'd/n4', 'n5', 'a/b/c/n6', 'c/5', 'c/5/x', '7/y', 'e/f/n7'];
  for (let step = 0, steps = 1 + pick.int(3); step < steps; step++) {
    const file = pick.pick(files);
    const kind = pick.int(5);
    try {
      if (kind === 0) writeFileSync(join(repo.main, file), `${text(file)}${label} edit\n`);
      else if (kind === 1) put(pick.pick(newPaths), text(`${label} new`));
      else if (kind === 2) rmSync(join(repo.main, file), { force: true });
      else if (kind === 3) {
        const to = pick.pick(newPaths);
        const content = text(file);
        rmSync(join(repo.main, file), { force: true });
        put(to, `${content}${label}\n`);
      } else {
        const folder = pick.pick(['a', 'a/b', 'c']);
        mkdirSync(join(repo.main, 'moved'), { recursive: true });
        renameSync(join(repo.main, folder), join(repo.main, 'moved', `${label}-${folder.replace('/', '-')}`));
      }
    } catch {
      /* an edit the tree no longer allows (a folder gone): skip it */
    }
  }
  repo.git(['add', '-A']);
  repo.git(['commit', '-q', '--allow-empty', '-m', label]);
}

describe('merges whose changes cannot meet, against merge-tree', () => {
  it('every merge changesMayMeet calls clean, merge-tree calls clean', { timeout: 60_000 }, async () => {
    const files = Object.fromEntries(
      ['a/1', 'a/2', 'a/b/3', 'a/b/4', 'c/5', 'c/6', '7', '8'].map((path) => [
        path,
        Array.from({ length: 8 }, (_, line) => `${path} line ${line}\n`).join(''),
      ]),
    );
    const repo = newRepo({ files });
    const start = repo.git(['rev-parse', 'HEAD']).trim();
    let skipped = 0;
    let conflicted = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const pick = random(seed * 7919);
      repo.git(['checkout', '-q', '-B', 'ours', start]);
      editTree(repo, pick, 'ours');
      const ours = repo.git(['rev-parse', 'HEAD']).trim();
      repo.git(['checkout', '-q', '-B', 'theirs', start]);
      editTree(repo, pick, 'theirs');
      const theirs = repo.git(['rev-parse', 'HEAD']).trim();
      const merged = (() => {
        try {
          execFileSync('git', ['merge-tree', '--write-tree', ours, theirs], {
            cwd: repo.main,
            env: repo.env,
            stdio: 'ignore',
          });
          return true;
        } catch {
          return false;
        }
      })();
      if (!merged) conflicted++;
      const [oursChanges, theirsChanges] = (await inRepo(repo, () =>
        treeChangesOf(repo.main, [
          { commit: ours, parent: start },
          { commit: theirs, parent: start },
        ]),
      ))!;
      if (changesMayMeet(oursChanges!, theirsChanges!)) continue;
      skipped++;
      expect({ seed, merged }).toEqual({ seed, merged: true });
    }
    // The run means something only if it had both kinds.
    expect(skipped).toBeGreaterThan(5);
    expect(conflicted).toBeGreaterThan(5);
  });
});

describe('status with the batch', () => {
  it('a session with two merge bases (a criss-cross) is asked of git on its own, and reads as git says', async () => {
    const repo = newRepo();
    expect((await repo.cli(['start', 'one', '--no-setup'])).exitCode).toBe(0);
    expect((await repo.cli(['start', 'two', '--no-setup'])).exitCode).toBe(0);
    const one = join(repo.sessions, 'one');
    repo.write('main.txt', 'main\n');
    repo.commitAll('main work');
    repo.write('one.txt', 'one\n', one);
    const sideTip = repo.commitAll('one work', one);
    repo.git(['merge', '-q', '--no-edit', 'main'], one);
    repo.git(['merge', '-q', '--no-edit', sideTip]);
    repo.write('two.txt', 'two\n', join(repo.sessions, 'two'));
    repo.commitAll('two work', join(repo.sessions, 'two'));
    expect(repo.git(['merge-base', '--all', 'main', 'session/one']).trim().split('\n')).toHaveLength(2);
    const result = await repo.cli(['status', '--json'], { env: { FLIGHT_RULES_TRACE: '1' } });
    expect(result.exitCode).toBe(0);
    const byId = Object.fromEntries(result.json.sessions.map((s: any) => [s.id, s]));
    for (const id of ['one', 'two']) {
      const [ahead, behind] = repo
        .git(['rev-list', '--left-right', '--count', `session/${id}...main`])
        .trim()
        .split(/\s+/)
        .map(Number);
      expect([byId[id].ahead, byId[id].behind]).toEqual([ahead, behind]);
    }
    expect(byId.one.merge).toMatchObject({ predicted: true, clean: true });
    expect(byId.two.merge).toMatchObject({ predicted: true, clean: true });
    const tipOfOne = repo.git(['rev-parse', 'session/one']).trim();
    const tipOfTwo = repo.git(['rev-parse', 'session/two']).trim();
    const lines = result.stderr.split('\n');
    // one's files and merge come from git one pair at a time; two's from the batch alone.
    expect(lines.filter((line) => line.includes(' git diff --name-only') && line.includes(tipOfOne))).toHaveLength(1);
    expect(lines.filter((line) => line.includes(' git merge-tree') && line.includes(tipOfOne))).toHaveLength(1);
    expect(lines.filter((line) => line.includes(tipOfTwo) && !line.includes('merge-base --octopus'))).toEqual([]);
    expect(lines.filter((line) => line.includes(' git rev-list --left-right'))).toEqual([]);
  });
});

/** Starts each session, makes its change in its worktree, and commits it there. */
async function sessionsThatCommitted(repo: Repo, work: Record<string, (worktree: string) => void>): Promise<void> {
  for (const id of Object.keys(work)) expect((await repo.cli(['start', id, '--no-setup'])).exitCode).toBe(0);
  for (const [id, change] of Object.entries(work)) {
    change(join(repo.sessions, id));
    repo.commitAll(`work of ${id}`, join(repo.sessions, id));
  }
}

/** Each pair's prediction and how it was made, by `a-b`. */
const predictionsOf = (json: any) =>
  Object.fromEntries(json.pairs.map((p: any) => [`${p.a}-${p.b}`, [p.prediction, p.method]]));

describe('overlap between sessions whose committed changes meet without sharing a file', () => {
  it('asks merge-tree for a file in one where the other has a folder, and reports its conflict', async () => {
    const repo = newRepo();
    await sessionsThatCommitted(repo, {
      a: (worktree) => repo.write('lib', 'a file\n', worktree),
      b: (worktree) => repo.write('lib/x.js', 'x\n', worktree),
      c: (worktree) => repo.write('other/y.js', 'y\n', worktree),
    });
    const result = await repo.cli(['overlap', '--json']);
    expect(result.exitCode).toBe(0);
    expect(predictionsOf(result.json)).toEqual({
      'a-b': ['conflict', 'merge-tree'],
      'a-c': ['clean', 'no-shared-commits'],
      'b-c': ['clean', 'no-shared-commits'],
    });
  });
});

describe('overlap when one session renames a folder whole', () => {
  it('asks merge-tree for the session that adds a file there, and not for one that only edits beside it', async () => {
    const repo = newRepo({ files: { 'old/a.js': 'a\n', 'old/b.js': 'b\n', 'keep/c.js': 'c\n' } });
    await sessionsThatCommitted(repo, {
      mover: (worktree) => repo.git(['mv', 'old', 'new'], worktree),
      adder: (worktree) => repo.write('old/extra.js', 'extra\n', worktree),
      editor: (worktree) => repo.write('keep/c.js', 'edited\n', worktree),
    });
    const result = await repo.cli(['overlap', '--json'], { env: { FLIGHT_RULES_TRACE: '1' } });
    expect(result.exitCode).toBe(0);
    expect(predictionsOf(result.json)).toEqual({
      'adder-editor': ['clean', 'no-shared-commits'],
      'adder-mover': ['conflict', 'merge-tree'],
      'editor-mover': ['clean', 'no-shared-commits'],
    });
    expect(result.stderr.split('\n').filter((line) => line.includes(' git merge-tree'))).toHaveLength(1);
    const text = await repo.cli(['overlap']);
    expect(text.stdout).toContain('! Predicted conflicts between sessions:');
    expect(text.stdout).toContain('adder');
  });

  it('says how many pairs merge-tree checked, and why the rest cannot conflict', async () => {
    const repo = newRepo({ files: { 'src/a.js': 'a\n', 'docs/b.md': 'b\n' } });
    await sessionsThatCommitted(repo, {
      one: (worktree) => repo.write('src/a.js', 'one\n', worktree),
      two: (worktree) => repo.write('src/new.js', 'two\n', worktree),
      three: (worktree) => repo.write('docs/b.md', 'three\n', worktree),
    });
    const result = await repo.cli(['overlap']);
    expect(result.exitCode).toBe(0);
    // one and two share a folder, but neither deleted anything there: no pair reaches merge-tree.
    expect(result.stdout).toContain(
      '✓ No predicted conflict between sessions (3 pairs, 0 checked with merge-tree; the rest cannot conflict, their committed changes do not meet).',
    );
  });
});

describe('pathsMayMeet, where only the paths are known', () => {
  it.each([
    ['files in different folders', ['src/a.js'], ['lib/b.js'], false],
    ['top-level files', ['a.js'], ['b.js'], false],
    ['files in one folder: either may be a rename out of it', ['src/a.js'], ['src/b.js'], true],
    ['a file and a folder of the same name', ['lib'], ['lib/x.js'], true],
    ['the same path', ['a.js'], ['a.js'], true],
  ])('%s', (_label, ours, theirs, expected) => {
    expect(pathsMayMeet(ours, theirs)).toBe(expected);
    expect(pathsMayMeet(theirs, ours)).toBe(expected);
  });
});
