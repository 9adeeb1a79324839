/**
 * Printed commands are pasted into shells by people and agents. A branch or path that holds
 * `$(...)` must come out quoted in every command-looking piece of output.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, type Repo } from '../helpers/gitdir.js';
import { PAYLOAD, pasteAll, pasteCandidates, pasteScratch, pwnedFiles } from '../helpers/paste.js';
import { tryGit } from '../helpers/safety.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

/** Runs the helper and keeps everything it printed. */
function collect(printed: string[], args: string[], cwd?: string): number {
  const result = repo.helper(args, cwd ? { cwd } : {});
  printed.push(result.stdout, result.stderr);
  return result.exitCode;
}

/** Commits `files` on `branch` without touching any checkout: through a worktree made and removed for it. */
function commitOn(r: Repo, branch: string, files: Record<string, string>, message: string): void {
  const temp = join(r.root, 'temp-worktree');
  r.git(['worktree', 'add', '-q', temp, branch]);
  for (const [path, content] of Object.entries(files)) r.write(path, content, temp);
  r.commitAll(message, temp);
  r.git(['worktree', 'remove', temp]);
}

function expectSafeToPaste(printed: string[]): void {
  expect(pwnedFiles(repo.root), 'the helper itself ran the payload').toEqual([]);
  const candidates = pasteCandidates(printed.join('\n'));
  expect(candidates.length, 'no printed command holds the payload, so nothing was checked').toBeGreaterThan(0);
  const scratch = pasteScratch(repo.root);
  const unsafe: string[] = [];
  for (const candidate of candidates) {
    pasteAll([candidate], scratch);
    const made = pwnedFiles(repo.root);
    if (made.length === 0) continue;
    unsafe.push(candidate);
    for (const file of made) rmSync(file, { force: true });
  }
  // The shortest unsafe pieces name the printed commands at fault.
  const shortest = unsafe.filter((piece) => !unsafe.some((other) => other !== piece && piece.startsWith(other)));
  expect(shortest, `${unsafe.length} printed command pieces run $(...) when pasted`).toEqual([]);
}

describe('the paste check itself', () => {
  it('catches an unquoted payload and passes a quoted one', async () => {
    repo = makeRepo();
    const scratch = pasteScratch(repo.root);
    pasteAll(pasteCandidates(`Next: git branch 'dev${PAYLOAD}' refs/x`), scratch);
    expect(pwnedFiles(repo.root)).toEqual([]);
    pasteAll(pasteCandidates(`Recreate it (git branch dev${PAYLOAD} <commit>) or stop.`), scratch);
    expect(pwnedFiles(repo.root).length).toBe(1);
    rmSync(pwnedFiles(repo.root)[0]!);
    // Prose around a quoted command is not a command.
    const prose = `Kept the branch dev${PAYLOAD}: run \`git branch -d 'dev${PAYLOAD}'\`, then merge it into dev${PAYLOAD} (or open a PR).`;
    expect(pasteCandidates(prose)).toEqual([`git branch -d 'dev${PAYLOAD}'`]);
    pasteAll(pasteCandidates(prose), scratch);
    expect(pwnedFiles(repo.root)).toEqual([]);
  });
});

describe('printed commands with a hostile branch name', () => {
  it(`every command printed around a base branch "dev${PAYLOAD}" is safe to paste`, async () => {
    repo = makeRepo({ files: { 'README.md': '# sample\n', 'f.txt': 'f\n' } });
    const base = `dev${PAYLOAD}`;
    expect(tryGit(repo, ['check-ref-format', '--branch', base]).status).toBe(0);
    repo.git(['branch', base]);
    const printed: string[] = [];

    expect(collect(printed, ['start', 'kept', '--base', base])).toBe(0);
    const kept = join(repo.sessions, 'kept');
    repo.write('k.txt', 'k\n', kept);
    repo.commitAll('kept work', kept);
    collect(printed, ['end', 'kept', '--strategy', 'keep']);

    expect(collect(printed, ['start', 'clash', '--base', base])).toBe(0);
    const clash = join(repo.sessions, 'clash');
    repo.write('f.txt', 'session version\n', clash);
    repo.commitAll('clash work', clash);
    commitOn(repo, base, { 'f.txt': 'base version\n' }, 'base edits f');
    collect(printed, ['status']);
    collect(printed, ['sync', 'clash']);
    collect(printed, ['sync', 'clash', '--merge']);
    collect(printed, ['end', 'clash', '--strategy', 'merge']);
    collect(printed, ['end', 'clash', '--strategy', 'merge', '--rebase']);

    expect(collect(printed, ['start', 'gone', '--base', base])).toBe(0);
    repo.write('g.txt', 'g\n', join(repo.sessions, 'gone'));
    repo.commitAll('gone work', join(repo.sessions, 'gone'));
    repo.git(['branch', '-D', base]);
    collect(printed, ['sync', 'gone']);
    collect(printed, ['end', 'gone', '--strategy', 'merge']);
    collect(printed, ['status']);
    rmSync(join(repo.sessions, 'gone'), { recursive: true, force: true });
    collect(printed, ['cleanup']);
    collect(printed, ['cleanup', '--yes']);
    collect(printed, ['status']);

    expectSafeToPaste(printed);
  });
});

describe('printed commands with a hostile project folder name', () => {
  it(`every command printed for a project in "p${PAYLOAD}" is safe to paste`, async () => {
    repo = makeRepo({ name: `p${PAYLOAD}`, files: { 'README.md': '# sample\n', 'f.txt': 'f\n' } });
    const printed: string[] = [];
    expect(collect(printed, ['start', 'one'])).toBe(0);
    const one = join(repo.sessions, 'one');
    repo.write('f.txt', 'session version\n', one);
    repo.commitAll('one work', one);
    repo.write('f.txt', 'main version\n');
    repo.commitAll('main edits f');
    collect(printed, ['status']);
    collect(printed, ['sync']);
    collect(printed, ['sync', 'one'], one);
    collect(printed, ['end', '--strategy', 'merge'], one);
    repo.write('draft.txt', 'uncommitted\n', one);
    collect(printed, ['end', 'one', '--strategy', 'keep']);
    expect(collect(printed, ['start', 'two'])).toBe(0);
    repo.git(['worktree', 'lock', join(repo.sessions, 'two')]);
    collect(printed, ['end', 'two', '--strategy', 'keep']);
    collect(printed, ['status']);
    collect(printed, ['end', 'one', '--strategy', 'abandon', '--confirm', 'one']);
    expect(collect(printed, ['start', 'three'])).toBe(0);
    repo.write('t.txt', 't\n', join(repo.sessions, 'three'));
    repo.commitAll('three work', join(repo.sessions, 'three'));
    rmSync(join(repo.sessions, 'three'), { recursive: true, force: true });
    collect(printed, ['status']);
    collect(printed, ['cleanup']);
    collect(printed, ['cleanup', '--yes']);

    expectSafeToPaste(printed);
  });
});
