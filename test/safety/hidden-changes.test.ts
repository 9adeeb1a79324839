/**
 * A file whose index entry is marked assume-unchanged or skip-worktree is one git never looks at: an edit to it
 * shows in no `git status`, no `git stash` and no `git add --all`. Before a worktree goes, every strategy and
 * cleanup must still see such an edit: a removal that keeps no work refuses with it named (and with the command
 * that clears the mark), abandon saves it, and restore brings its bytes back. A sparse checkout's files that are
 * simply not there are no work at all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, snapshot, type Repo } from '../helpers/gitdir.js';
import { sessionWithWork } from '../helpers/end.js';
import { expectDone, expectRefused, settle } from '../helpers/safety.js';
import { hiddenChange, parseMarkedEntries } from '../../scripts/core/hidden-entries.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const MARKS = [
  ['assume-unchanged', '--assume-unchanged'],
  ['skip-worktree', '--skip-worktree'],
] as const;

/** A session with one commit, whose worktree then gets a marked, edited `config/local.json`. */
function markedEdit(flag: string): string {
  repo = makeRepo({ files: { 'README.md': '# sample\n', 'config/local.json': '{"port": 1}\n' } });
  const worktree = sessionWithWork(repo, 'x');
  repo.git(['update-index', flag, '--', 'config/local.json'], worktree);
  repo.write('config/local.json', '{"port": 4242, "secret": "hours of tuning"}\n', worktree);
  // git itself sees nothing: the case is real.
  expect(repo.git(['status', '--porcelain'], worktree)).toBe('');
  settle(repo, worktree);
  return worktree;
}

describe.each(MARKS)('an edit to a file marked %s', (mark, flag) => {
  it.each([
    ['keep', ['--strategy', 'keep']],
    ['merge', ['--strategy', 'merge']],
  ])('end --strategy %s refuses with the file named, and changes nothing', (_label, args) => {
    const worktree = markedEdit(flag);
    const before = snapshot(repo);
    const error = expectRefused(repo.helper(['end', 'x', ...args, '--json']), 'uncommitted-work');
    expect(error.message).toContain(`M config/local.json (marked ${mark}, so git status does not show it)`);
    expect(error.next).toContain(`update-index --no-${mark} -- config/local.json`);
    expect(snapshot(repo)).toEqual(before);
    expect(readFileSync(join(worktree, 'config/local.json'), 'utf8')).toContain('hours of tuning');
  });

  // The in-process index read that spares git listing the index when nothing is marked (git/changes.ts) must not
  // miss a mark in an index laid out otherwise.
  it.each([
    ['a split index, the mark in its shared part', ['--split-index']],
    ['a version 4 index', ['--index-version', '4']],
  ])('in %s, end --strategy merge still refuses with the file named', (_layout, args) => {
    const worktree = markedEdit(flag);
    repo.git(['update-index', ...args], worktree);
    const before = snapshot(repo);
    const error = expectRefused(repo.helper(['end', 'x', '--strategy', 'merge', '--json']), 'uncommitted-work');
    expect(error.message).toContain(`M config/local.json (marked ${mark}, so git status does not show it)`);
    expect(snapshot(repo)).toEqual(before);
  });

  it("the refusal's own next step commits it, and the end then goes ahead", () => {
    markedEdit(flag);
    const error = expectRefused(repo.helper(['end', 'x', '--strategy', 'keep', '--json']), 'uncommitted-work');
    const commands = /by name \((.*)\), and move or delete/.exec(error.next)![1]!.replace("'<message>'", 'tuned');
    for (const command of commands.split(' && ')) {
      const [, , cwd, ...args] = command.split(' ');
      repo.git(args, cwd);
    }
    expect(repo.git(['show', 'session/x:config/local.json'])).toContain('hours of tuning');
    expectDone(repo.helper(['end', 'x', '--strategy', 'keep']));
  });

  it('abandon saves it, and restore brings its very bytes back', () => {
    const worktree = markedEdit(flag);
    const abandoned = repo.helper(['end', 'x', '--strategy', 'abandon', '--confirm', 'x', '--json']);
    expectDone(abandoned);
    const saved = abandoned.json.savedItems.find((item: any) => item.what === 'changes');
    expect(saved.paths).toEqual([`${' M'} config/local.json (marked ${mark}, so git status does not show it)`]);
    expect(repo.git(['show', `${saved.ref}:config/local.json`])).toContain('hours of tuning');
    expect(existsSync(worktree)).toBe(false);
    expectDone(repo.helper(['restore', 'x', '--no-setup']));
    expect(readFileSync(join(worktree, 'config/local.json'), 'utf8')).toBe(
      '{"port": 4242, "secret": "hours of tuning"}\n',
    );
  });

  it('cleanup keeps a merged session whose worktree holds it, and says why', () => {
    const worktree = markedEdit(flag);
    repo.git(['merge', '-q', '--no-ff', '-m', 'merge x', 'session/x']);
    const cleaned = repo.helper(['cleanup', '--yes']);
    expect(cleaned.exitCode, cleaned.stdout).toBe(0);
    expect(cleaned.stdout).toContain(
      `Kept x: its branch session/x is merged into main, but its worktree has uncommitted changes`,
    );
    expect(cleaned.stdout).toContain(`M config/local.json (marked ${mark}`);
    expect(readFileSync(join(worktree, 'config/local.json'), 'utf8')).toContain('hours of tuning');
  });
});

describe('marks that hide no work', () => {
  it('a sparse checkout: the files it leaves out are not work, and the session ends', () => {
    repo = makeRepo({ files: { 'README.md': '# sample\n', 'docs/a.md': 'a\n', 'src/app.js': 'x\n' } });
    const worktree = sessionWithWork(repo, 'x');
    repo.git(['sparse-checkout', 'set', '--no-cone', '/*', '!/docs/'], worktree);
    expect(existsSync(join(worktree, 'docs/a.md'))).toBe(false);
    expectDone(repo.helper(['end', 'x', '--strategy', 'keep']));
  });

  it('abandon in a sparse checkout saves the edit and the files outside the cone stay in the snapshot', () => {
    repo = makeRepo({ files: { 'README.md': '# sample\n', 'docs/a.md': 'a\n', 'src/app.js': 'x\n' } });
    const worktree = sessionWithWork(repo, 'x');
    repo.git(['sparse-checkout', 'set', 'src'], worktree);
    repo.write('src/app.js', 'edited\n', worktree);
    // A new file outside the cone, which a plain git add --all refuses to stage.
    repo.write('docs/new.md', 'new outside the cone\n', worktree);
    const ended = repo.helper(['end', 'x', '--strategy', 'abandon', '--confirm', 'x', '--json']);
    expectDone(ended);
    const saved = ended.json.savedItems.find((item: any) => item.what === 'changes');
    expect(repo.git(['show', `${saved.ref}:src/app.js`])).toBe('edited\n');
    expect(repo.git(['show', `${saved.ref}:docs/a.md`])).toBe('a\n');
    expect(repo.git(['show', `${saved.ref}:docs/new.md`])).toBe('new outside the cone\n');
  });

  it('a marked file left as it was is not work', () => {
    repo = makeRepo({ files: { 'README.md': '# sample\n', 'config/local.json': '{}\n' } });
    const worktree = sessionWithWork(repo, 'x');
    repo.git(['update-index', '--assume-unchanged', '--', 'config/local.json'], worktree);
    repo.git(['update-index', '--skip-worktree', '--', 'README.md'], worktree);
    expectDone(repo.helper(['end', 'x', '--strategy', 'merge']));
  });

  it('a marked symlink pointed elsewhere is work', () => {
    repo = makeRepo({ files: { 'README.md': '# sample\n', 'target.txt': 't\n' } });
    const worktree = sessionWithWork(repo, 'x');
    symlinkSync('target.txt', join(worktree, 'link'));
    repo.commitAll('a link', worktree);
    repo.git(['update-index', '--assume-unchanged', '--', 'link'], worktree);
    rmSync(join(worktree, 'link'));
    symlinkSync('README.md', join(worktree, 'link'));
    const error = expectRefused(repo.helper(['end', 'x', '--strategy', 'keep', '--json']), 'uncommitted-work');
    expect(error.message).toContain('M link (marked assume-unchanged');
  });
});

describe('the marked entries and their changes (core/hidden-entries.ts)', () => {
  const oid = 'a'.repeat(40);
  it('reads the tags of ls-files -v -s: S is skip-worktree, lower case assume-unchanged; stages and submodules left out', () => {
    const output = [
      `H 100644 ${oid} 0\tplain.txt`,
      `S 100644 ${oid} 0\tsparse/a.txt`,
      `h 100755 ${oid} 0\tassumed.sh`,
      `s 100644 ${oid} 0\tboth.txt`,
      `h 100644 ${oid} 1\tconflicted.txt`,
      `S 160000 ${oid} 0\tvendor/sub`,
      `h 120000 ${oid} 0\tname with\ttab`,
      '',
    ].join('\0');
    expect(parseMarkedEntries(output)).toEqual([
      { path: 'sparse/a.txt', mode: '100644', oid, hiddenBy: 'skip-worktree' },
      { path: 'assumed.sh', mode: '100755', oid, hiddenBy: 'assume-unchanged' },
      { path: 'both.txt', mode: '100644', oid, hiddenBy: 'assume-unchanged' },
      { path: 'name with\ttab', mode: '120000', oid, hiddenBy: 'assume-unchanged' },
    ]);
  });

  it.each([
    ['missing on disk', '100644', 'missing', null, null],
    ['the same content', '100644', 'file', oid, null],
    ['other content', '100644', 'file', 'b'.repeat(40), ' M'],
    ['content that could not be hashed', '100644', 'file', null, ' M'],
    ['a symlink where a file was', '100644', 'symlink', oid, ' T'],
    ['a file where a symlink was', '120000', 'file', oid, ' T'],
    ['a folder where a file was', '100644', 'other', null, ' T'],
  ] as const)('%s', (_label, mode, kind, diskOid, code) => {
    const entry = { path: 'p', mode, oid, hiddenBy: 'skip-worktree' as const };
    expect(hiddenChange(entry, kind, diskOid)?.code ?? null).toBe(code);
  });
});

describe('a marked edit in the main checkout', () => {
  /** A session with work to merge; the main checkout's own config.ini marked assume-unchanged and edited. */
  function mainMarked(): void {
    repo = makeRepo({ files: { 'README.md': '# sample\n', 'config.ini': 'db=shared\n' } });
    sessionWithWork(repo, 'x', { 'config.ini': 'db=from-the-session\n' });
    repo.git(['update-index', '--assume-unchanged', '--', 'config.ini']);
    repo.write('config.ini', 'db=the-users-local-dev\n');
    settle(repo);
  }

  it('end --strategy merge refuses, as for any change there, and the file stays', () => {
    mainMarked();
    const before = snapshot(repo);
    const error = expectRefused(repo.helper(['end', 'x', '--strategy', 'merge', '--json']), 'main-dirty');
    expect(error.message).toContain('M config.ini (marked assume-unchanged, so git status does not show it)');
    expect(snapshot(repo)).toEqual(before);
    expect(readFileSync(join(repo.main, 'config.ini'), 'utf8')).toBe('db=the-users-local-dev\n');
  });

  it('land moves the base without touching the main checkout, whose file stays', () => {
    mainMarked();
    expectDone(repo.helper(['ready', 'x']));
    const landed = repo.helper(['land', 'x', '--no-check', '--json']);
    expectDone(landed);
    expect(landed.json.mainCheckout.action).toBe('detached');
    expect(repo.git(['show', 'main:config.ini'])).toBe('db=from-the-session\n');
    expect(readFileSync(join(repo.main, 'config.ini'), 'utf8')).toBe('db=the-users-local-dev\n');
  });
});
