/**
 * The index parser (core/git-index.ts) against index files written by real git: every entry
 * as `git ls-files --stage --debug` shows it, lookups of every path, of folders, of missing
 * paths and of paths at window edges, in versions 2, 3 and 4, with conflicts, intent-to-add,
 * skip-worktree, assume-unchanged, submodules, the cache tree, and the extensions it must not
 * follow (split and sparse indexes). Also the SHA-1 it hashes small files with, and the
 * worktree verdict as a table.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, type Repo } from './helpers/gitdir.js';
import {
  blobOid,
  bytePath,
  indexLayout,
  IndexFormatError,
  lookupPath,
  MODE_GITLINK,
  type IndexEntry,
  type IndexLayout,
} from '../scripts/core/git-index.js';
import { isRacy, isSmudged, statMatches, worktreeVerdict, type DiskFacts } from '../scripts/core/path-change.js';
import { sha1Hex } from '../scripts/core/sha1.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const indexBytes = (gitDir = join(repo.main, '.git')) => readFileSync(join(gitDir, 'index'));
const reader = (bytes: Buffer) => (start: number, end: number) => bytes.subarray(start, end);

interface Listed {
  path: string;
  mode: number;
  oid: string;
  stage: number;
  ctimeSec: number;
  mtimeSec: number;
  ino: number;
  size: number;
}

/** Every entry as git itself lists it. */
function listed(cwd = repo.main): Listed[] {
  const out = repo.git(['ls-files', '--stage', '--debug', '-z'], cwd);
  const entries: Listed[] = [];
  // `<mode> <oid> <stage>\t<path>\0`, then the debug lines of that entry.
  const lines = out.split(/\0|\n/);
  let current: Listed | null = null;
  for (const line of lines) {
    const head = /^(\d{6}) ([0-9a-f]+) (\d)\t(.*)$/.exec(line);
    if (head) {
      if (current) entries.push(current);
      current = {
        path: head[4]!,
        mode: parseInt(head[1]!, 8),
        oid: head[2]!,
        stage: Number(head[3]),
        ctimeSec: 0,
        mtimeSec: 0,
        ino: 0,
        size: 0,
      };
      continue;
    }
    if (!current) continue;
    const ctime = /^\s*ctime: (\d+):/.exec(line);
    if (ctime) current.ctimeSec = Number(ctime[1]);
    const mtime = /^\s*mtime: (\d+):/.exec(line);
    if (mtime) current.mtimeSec = Number(mtime[1]);
    const ino = /ino: (\d+)/.exec(line);
    if (ino) current.ino = Number(ino[1]);
    const size = /^\s*size: (\d+)/.exec(line);
    if (size) current.size = Number(size[1]);
  }
  if (current) entries.push(current);
  return entries;
}

/** Every entry the parser finds, by looking each listed path up. */
function parsedAll(layout: IndexLayout, bytes: Buffer, paths: string[]): IndexEntry[] {
  return [...new Set(paths)].flatMap((path) => lookupPath(layout, reader(bytes), bytePath(path)).entries);
}

function expectSameAsGit(layout: IndexLayout, bytes: Buffer, cwd = repo.main): void {
  const fromGit = listed(cwd);
  expect(layout.count).toBe(fromGit.length);
  const parsed = parsedAll(
    layout,
    bytes,
    fromGit.map((entry) => entry.path),
  );
  expect(
    parsed.map((entry) => ({
      path: Buffer.from(entry.path, 'latin1').toString('utf8'),
      mode: entry.mode,
      oid: entry.oid,
      stage: entry.stage,
      ctimeSec: entry.ctimeSec,
      mtimeSec: entry.mtimeSec,
      ino: entry.ino,
      size: entry.size,
    })),
  ).toEqual(fromGit);
}

/** Many files with shared prefixes, so that version 4's path compression and many windows both come into play. */
function manyFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'README.md': '# sample\n',
    'a.js': 'a\n',
    'a/b.js': 'b\n',
    'a-b/c.js': 'c\n',
    'a.b/d.js': 'd\n',
    'üñí/ñame.txt': 'utf8\n',
    'sp ace/x y.txt': 'space\n',
  };
  for (let i = 0; i < 60; i++)
    files[`src/mod${i % 7}/file${String(i).padStart(3, '0')}.js`] = `export const v${i} = ${i};\n`;
  return files;
}

describe('the index parser, against indexes git writes', () => {
  it.each([
    ['2', 1],
    ['2', 3],
    ['3', 2],
    ['4', 1],
    ['4', 5],
    ['4', 128],
  ])('reads every entry of a version %s index as git lists it (marks every %i entries)', (version, step) => {
    repo = makeRepo({ files: manyFiles() });
    if (version === '3') repo.git(['update-index', '--skip-worktree', 'a.js']);
    else repo.git(['update-index', '--index-version', version]);
    const bytes = indexBytes();
    const layout = indexLayout(bytes, 20, step);
    expect(layout.version).toBe(Number(version));
    expect(layout.unsupported).toEqual([]);
    expectSameAsGit(layout, bytes);
  });

  it.each([
    ['2', 1, []],
    ['2', 3, ['--assume-unchanged']],
    ['3', 128, ['--skip-worktree']],
    ['3', 2, ['--skip-worktree', '--assume-unchanged']],
    ['4', 1, ['--assume-unchanged']],
    ['4', 5, ['--skip-worktree', '--assume-unchanged']],
  ] as const)(
    'counts the entries git status passes over, as git ls-files -v shows them (version %s, marks every %i, %j)',
    (version, step, marks) => {
      const files = { ...manyFiles(), '.gitattributes': '*.js text\n', 'src/.gitattributes': '*.md text\n' };
      repo = makeRepo({ files });
      repo.git(['update-index', '--index-version', version]);
      const paths = Object.keys(files).sort();
      // Entries that a layout mark falls on, that it skips over, a .gitattributes one, the first and the last.
      const picked = [paths[0]!, paths[1]!, paths[4]!, 'src/.gitattributes', paths.at(-1)!];
      marks.forEach((mark, i) => repo.git(['update-index', mark, '--', ...picked.filter((_, at) => at % 2 === i % 2)]));
      const bytes = indexBytes();
      const layout = indexLayout(bytes, 20, step);
      expect(layout.version).toBe(Number(version));
      const shown = repo.git(['ls-files', '-v', '-t']).split('\n').filter(Boolean);
      const passedOver = shown.filter((line) => /^[a-zS]/.test(line)).length;
      expect(layout.marked).toBe(passedOver);
      expect(passedOver > 0).toBe(marks.length > 0);
    },
  );

  it.each(['2', '4'])('tells folders, missing paths and window edges apart (version %s)', (version) => {
    repo = makeRepo({ files: manyFiles() });
    repo.git(['update-index', '--index-version', version]);
    const bytes = indexBytes();
    for (const step of [1, 2, 3, 7, 128]) {
      const layout = indexLayout(bytes, 20, step);
      const look = (path: string) => lookupPath(layout, reader(bytes), bytePath(path));
      expect(look('a').folder).toBe(true);
      expect(look('a').entries).toEqual([]);
      expect(look('a.js').entries.map((entry) => entry.path)).toEqual(['a.js']);
      expect(look('a.js').folder).toBe(false);
      expect(look('src').folder).toBe(true);
      expect(look('src/mod3').folder).toBe(true);
      expect(look('src/mod').folder).toBe(false);
      expect(look('src/mod3/file003.js').entries).toHaveLength(1);
      expect(look('src/mod3/file004.js').entries).toEqual([]);
      expect(look('zzz').entries).toEqual([]);
      expect(look('').entries).toEqual([]);
      expect(look('README.md/x').entries).toEqual([]);
      expect(look('üñí/ñame.txt').entries).toHaveLength(1);
      expect(look('sp ace/x y.txt').entries).toHaveLength(1);
      // The first and the last entry, whichever window they fall in.
      expect(look('README.md').entries).toHaveLength(1);
      expect(look('üñí/ñame.txt').folder).toBe(false);
    }
  });

  it('reads intent-to-add, skip-worktree and assume-unchanged flags (version 3)', () => {
    repo = makeRepo();
    repo.write('new.txt', 'new\n');
    repo.git(['add', '-N', 'new.txt']);
    repo.git(['update-index', '--skip-worktree', 'README.md']);
    repo.git(['update-index', '--assume-unchanged', 'src/app.js']);
    const bytes = indexBytes();
    const layout = indexLayout(bytes, 20);
    expect(layout.version).toBe(3);
    const look = (path: string) => lookupPath(layout, reader(bytes), bytePath(path)).entries[0]!;
    expect(look('new.txt')).toMatchObject({ intentToAdd: true, skipWorktree: false, assumeValid: false });
    expect(look('README.md')).toMatchObject({ intentToAdd: false, skipWorktree: true, assumeValid: false });
    expect(look('src/app.js')).toMatchObject({ intentToAdd: false, skipWorktree: false, assumeValid: true });
    expect(repo.git(['ls-files', '-v', '-t'])).toBe('S README.md\nH new.txt\nh src/app.js\n');
    expectSameAsGit(layout, bytes);
  });

  it('reads the three sides of a conflict', () => {
    repo = makeRepo();
    repo.git(['checkout', '-q', '-b', 'other']);
    repo.write('src/app.js', 'other\n');
    repo.commitAll('other');
    repo.git(['checkout', '-q', 'main']);
    repo.write('src/app.js', 'main\n');
    repo.commitAll('main');
    expect(() => repo.git(['merge', '-q', 'other'])).toThrow();
    const bytes = indexBytes();
    const layout = indexLayout(bytes, 20, 1);
    const found = lookupPath(layout, reader(bytes), 'src/app.js');
    expect(found.entries.map((entry) => entry.stage)).toEqual([1, 2, 3]);
    expectSameAsGit(layout, bytes);
  });

  it("keeps the cache tree: HEAD's tree after a commit, none that is valid after a staged change", () => {
    repo = makeRepo({ files: manyFiles() });
    const clean = indexLayout(indexBytes(), 20);
    expect(clean.cacheTree).toEqual({ valid: true, oid: repo.git(['rev-parse', 'HEAD^{tree}']).trim() });
    repo.write('src/mod1/file001.js', 'changed\n');
    repo.git(['add', 'src/mod1/file001.js']);
    expect(indexLayout(indexBytes(), 20).cacheTree).toEqual({ valid: false, oid: null });
  });

  it('lists submodules and .gitattributes files, and what lies inside a submodule', () => {
    repo = makeRepo({
      files: {
        'README.md': 'x\n',
        '.gitattributes': '*.bin binary\n',
        'docs/.gitattributes': '* text\n',
        'docs/a.md': 'a\n',
      },
    });
    const head = repo.git(['rev-parse', 'HEAD']).trim();
    repo.git(['update-index', '--add', '--cacheinfo', `160000,${head},vendor/lib`]);
    const bytes = indexBytes();
    const layout = indexLayout(bytes, 20);
    expect(layout.attributes).toEqual(['.gitattributes', 'docs/.gitattributes']);
    expect(layout.submodules).toEqual(['vendor/lib']);
    expect(lookupPath(layout, reader(bytes), 'vendor/lib/x.c').insideSubmodule).toBe(true);
    expect(lookupPath(layout, reader(bytes), 'vendor/lib').entries[0]!.mode).toBe(MODE_GITLINK);
    expect(lookupPath(layout, reader(bytes), 'vendor/librarian.c').insideSubmodule).toBe(false);
  });

  it('names the extensions it does not follow: a split index, a sparse index', () => {
    repo = makeRepo({ files: manyFiles() });
    repo.git(['update-index', '--split-index']);
    expect(indexLayout(indexBytes(), 20).unsupported).toEqual(['link']);
    repo.git(['update-index', '--no-split-index']);
    expect(indexLayout(indexBytes(), 20).unsupported).toEqual([]);
    repo.git(['sparse-checkout', 'init', '--cone', '--sparse-index']);
    repo.git(['sparse-checkout', 'set', 'src/mod1']);
    expect(indexLayout(indexBytes(), 20).unsupported).toContain('sdir');
  });

  it("reads a SHA-256 repository's index", () => {
    repo = makeRepo({ empty: true });
    rmSync(join(repo.main, '.git'), { recursive: true });
    repo.git(['init', '-q', '-b', 'main', '--object-format=sha256']);
    for (const [path, content] of Object.entries(manyFiles())) repo.write(path, content);
    repo.commitAll('sha256');
    const bytes = indexBytes();
    const layout = indexLayout(bytes, 32, 3);
    expect(layout.hashBytes).toBe(32);
    expectSameAsGit(layout, bytes);
    const file = lookupPath(layout, reader(bytes), 'a.js').entries[0]!;
    expect(blobOid(readFileSync(join(repo.main, 'a.js')), 32)).toBe(file.oid);
  });

  it('refuses what is not an index git writes', () => {
    repo = makeRepo();
    const bytes = indexBytes();
    expect(() => indexLayout(Buffer.from('not an index at all, long enough'), 20)).toThrow(IndexFormatError);
    const badVersion = Buffer.from(bytes);
    badVersion.writeUInt32BE(9, 4);
    expect(() => indexLayout(badVersion, 20)).toThrow(IndexFormatError);
    expect(() => indexLayout(bytes.subarray(0, bytes.length - 30), 20)).toThrow(IndexFormatError);
    const moreEntries = Buffer.from(bytes);
    moreEntries.writeUInt32BE(moreEntries.readUInt32BE(8) + 5, 8);
    expect(() => indexLayout(moreEntries, 20)).toThrow(IndexFormatError);
    // A layout made from one index does not fit another.
    repo.write('aaa.txt', 'first\n');
    repo.git(['add', 'aaa.txt']);
    const other = indexBytes();
    expect(() => lookupPath(indexLayout(bytes, 20), reader(other), 'src/app.js')).toThrow(IndexFormatError);
  });

  it('hashes a file as git does', () => {
    repo = makeRepo();
    for (const content of ['', 'a\n', 'x'.repeat(70_000), randomBytes(5000).toString('latin1')]) {
      writeFileSync(join(repo.main, 'h.bin'), Buffer.from(content, 'latin1'));
      expect(blobOid(readFileSync(join(repo.main, 'h.bin')), 20)).toBe(repo.git(['hash-object', 'h.bin']).trim());
    }
  });
});

describe('SHA-1 in plain code', () => {
  it.each([0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 1000, 4096, 65_537])('matches node for %i bytes', (length) => {
    const data = randomBytes(length);
    expect(sha1Hex(data)).toBe(createHash('sha1').update(data).digest('hex'));
  });
});

describe('the worktree verdict', () => {
  const entry = (over: Partial<IndexEntry> = {}): IndexEntry => ({
    path: 'f',
    stage: 0,
    mode: 0o100644,
    oid: 'ce013625030ba8dba906f756967f9e9ca394464a',
    ctimeSec: 100,
    ctimeNsec: 5,
    mtimeSec: 100,
    mtimeNsec: 7,
    ino: 42,
    uid: 1,
    gid: 2,
    size: 6,
    assumeValid: false,
    skipWorktree: false,
    intentToAdd: false,
    ...over,
  });
  const disk = (over: Partial<DiskFacts> = {}): DiskFacts => ({
    kind: 'file',
    executable: false,
    size: 6n,
    mtimeNs: 100_000_000_007n,
    ctimeNs: 100_000_000_005n,
    ino: 42n,
    uid: 1,
    gid: 2,
    ...over,
  });
  const lookup = (entries: IndexEntry[], over: { folder?: boolean; insideSubmodule?: boolean } = {}) => ({
    entries,
    folder: false,
    insideSubmodule: false,
    ...over,
  });
  const indexTime = 200_000_000_000n;

  it.each<[string, ReturnType<typeof lookup>, DiskFacts, string]>([
    ['stat data match, index written later', lookup([entry()]), disk(), 'clean'],
    ['not in the index, not on disk', lookup([]), disk({ kind: 'missing' }), 'clean'],
    ['a new file', lookup([]), disk(), 'untracked'],
    ['deleted', lookup([entry()]), disk({ kind: 'missing' }), 'changed'],
    ['a folder where the file was', lookup([entry()]), disk({ kind: 'folder' }), 'changed'],
    ['a conflict', lookup([entry({ stage: 1 }), entry({ stage: 2 })]), disk(), 'changed'],
    ['git add -N', lookup([entry({ intentToAdd: true })]), disk(), 'changed'],
    ['skip-worktree', lookup([entry({ skipWorktree: true })]), disk(), 'ask-git'],
    ['assume-unchanged', lookup([entry({ assumeValid: true })]), disk(), 'ask-git'],
    ['a submodule', lookup([entry({ mode: 0o160000 })]), disk({ kind: 'folder' }), 'ask-git'],
    ['inside a submodule', lookup([], { insideSubmodule: true }), disk(), 'ask-git'],
    ['a folder in the index', lookup([], { folder: true }), disk({ kind: 'folder' }), 'ask-git'],
    ['chmod +x', lookup([entry()]), disk({ executable: true }), 'ask-git'],
    ['a symlink where a file was', lookup([entry()]), disk({ kind: 'symlink' }), 'ask-git'],
    ['behind a symlinked folder', lookup([entry()]), disk({ kind: 'other' }), 'ask-git'],
    ['same size, other mtime nanoseconds', lookup([entry()]), disk({ mtimeNs: 100_000_000_008n }), 'hash'],
    ['back-dated mtime, new ctime', lookup([entry()]), disk({ ctimeNs: 300_000_000_000n }), 'hash'],
    ['another size', lookup([entry()]), disk({ size: 7n }), 'hash'],
    ['another inode', lookup([entry()]), disk({ ino: 43n }), 'hash'],
    [
      'written in the second the index was',
      lookup([entry({ mtimeSec: 200 })]),
      disk({ mtimeNs: 200_000_000_007n }),
      'hash',
    ],
    ['smudged by git (size 0)', lookup([entry({ size: 0 })]), disk({ size: 0n }), 'hash'],
    [
      'an empty file, stat data match',
      lookup([entry({ size: 0, oid: 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391' })]),
      disk({ size: 0n }),
      'clean',
    ],
  ])('%s', (_name, found, facts, verdict) => {
    expect(worktreeVerdict(found, facts, indexTime).verdict).toBe(verdict);
  });

  it('counts nanoseconds only where git recorded them', () => {
    expect(statMatches(entry({ mtimeNsec: 0, ctimeNsec: 0 }), disk())).toBe(true);
    expect(statMatches(entry(), disk({ ctimeNs: 100_000_000_006n }))).toBe(false);
    expect(isRacy(entry({ mtimeSec: 199 }), indexTime)).toBe(false);
    expect(isRacy(entry({ mtimeSec: 200 }), indexTime)).toBe(true);
    expect(isSmudged(entry({ size: 0 }))).toBe(true);
  });
});

describe('racy entries', () => {
  it('an entry as new as its index is racy, whatever its stat data say', () => {
    repo = makeRepo();
    const future = new Date(Date.now() + 3600_000);
    utimesSync(join(repo.main, 'src/app.js'), future, future);
    repo.git(['add', 'src/app.js']);
    const bytes = indexBytes();
    const layout = indexLayout(bytes, 20);
    const found = lookupPath(layout, reader(bytes), 'src/app.js');
    const indexTime = statSync(join(repo.main, '.git/index'), { bigint: true }).mtimeNs;
    expect(isRacy(found.entries[0]!, indexTime)).toBe(true);
    expect(
      worktreeVerdict(
        found,
        {
          kind: 'file',
          executable: false,
          size: 16n,
          mtimeNs: BigInt(future.getTime()) * 1_000_000n,
          ctimeNs: 0n,
          ino: 0n,
          uid: 0,
          gid: 0,
        },
        indexTime,
      ).verdict,
    ).toBe('hash');
  });
});
