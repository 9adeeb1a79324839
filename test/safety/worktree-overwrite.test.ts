/**
 * Bringing the base into a session must never write over a file git does not track in the session's worktree:
 * the user's edited, ignored `.env` once the base starts tracking a `.env` template, the pack's untracked copy of a
 * file the base now commits, a whole ignored folder. Git treats ignored files as expendable on a rebase's checkout
 * and on a merge, and the abort of a conflict then removes them: sync and `end --rebase` refuse first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { lstatSync, readdirSync, readFileSync, readlinkSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, snapshot, type Repo } from '../helpers/gitdir.js';
import { expectDone, expectRefused, rev, settle } from '../helpers/safety.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const LATER = '2026-01-17T08:30:00Z';

/** The commands that bring the base into the session's worktree, each as the user runs it. */
const commands: Array<{ label: string; args: (name: string) => string[]; inWorktree: boolean }> = [
  { label: 'sync (rebase)', args: () => ['sync'], inWorktree: true },
  { label: 'sync --merge', args: () => ['sync', '--merge'], inWorktree: true },
  {
    label: 'end --strategy keep --rebase',
    args: (name) => ['end', name, '--strategy', 'keep', '--rebase'],
    inWorktree: false,
  },
  {
    label: 'end --strategy merge --rebase',
    args: (name) => ['end', name, '--strategy', 'merge', '--rebase'],
    inWorktree: false,
  },
];

/** What stands at a path, as bytes a refusal must leave alone: a file's text, a link's target, a folder's files. */
function standing(path: string): unknown {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat) return null;
  if (stat.isSymbolicLink()) return { link: readlinkSync(path) };
  if (stat.isDirectory())
    return Object.fromEntries(
      readdirSync(path, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => {
          const full = join(entry.parentPath, entry.name);
          return [full.slice(path.length + 1), readFileSync(full, 'utf8')];
        }),
    );
  return readFileSync(path, 'utf8');
}

interface Case {
  label: string;
  gitignore: string;
  /** Main's files before the session starts: the pack copies its uncommitted .claude/ files into the worktree. */
  mainBefore?: Record<string, string>;
  /** What the user keeps in the worktree, untracked or ignored. */
  keep: (worktree: string, r: Repo) => void;
  /** The path that stands in the way, as the refusal names it. */
  named: string;
  /** What the base commits afterwards (force-added). */
  baseAdds: Record<string, string>;
  /** The session and the base both change README.md: the rebase or merge would conflict too. */
  conflicting?: boolean;
}

const cases: Case[] = [
  {
    label: "the user's edited, ignored .env when the base starts tracking .env",
    gitignore: '.env\n',
    keep: (w, r) => r.write('.env', 'API_KEY=the-users-own\n', w),
    named: '.env',
    baseAdds: { '.env': 'API_KEY=\n' },
  },
  {
    label: "the pack's untracked (not ignored) copy of a .claude/ file the base now commits",
    gitignore: '',
    mainBefore: { '.claude/commands/review.md': 'review, as main had it uncommitted\n' },
    keep: (w, r) => r.write('.claude/commands/review.md', 'review, as the session edited it\n', w),
    named: '.claude/commands/review.md',
    baseAdds: { '.claude/commands/review.md': 'review, as main committed it\n' },
  },
  {
    label: 'an ignored folder where the base adds a file of that name',
    gitignore: 'out/\n',
    keep: (w, r) => r.write('out/result.bin', 'hours of computation\n', w),
    named: 'out',
    baseAdds: { out: 'a file called out\n' },
  },
  {
    label: 'an ignored symlink where the base adds a file',
    gitignore: 'current\n',
    keep: (w) => symlinkSync('releases/v2', join(w, 'current')),
    named: 'current',
    baseAdds: { current: 'a file called current\n' },
  },
  {
    label: 'the ignored .env when the rebase or merge would also conflict (it aborted, and the abort removed .env)',
    gitignore: '.env\n',
    keep: (w, r) => r.write('.env', 'API_KEY=the-users-own\n', w),
    named: '.env',
    baseAdds: { '.env': 'API_KEY=\n' },
    conflicting: true,
  },
];

/** A session `name` with one commit of its own (README.md when `conflicting`), and the user's files kept in it. */
function sessionWithKeptFiles(c: Case, name: string): string {
  repo = makeRepo({
    files: { 'README.md': '# sample\n', ...(c.gitignore ? { '.gitignore': c.gitignore } : {}) },
  });
  for (const [path, content] of Object.entries(c.mainBefore ?? {})) repo.write(path, content);
  expectDone(repo.helper(['start', name, '--copy', 'none', '--no-setup']));
  const worktree = join(repo.sessions, name);
  repo.write(c.conflicting ? 'README.md' : 'feature.txt', 'the session works here\n', worktree);
  repo.git(['add', '--', c.conflicting ? 'README.md' : 'feature.txt'], worktree);
  repo.git(['commit', '-q', '-m', `work of ${name}`], worktree);
  c.keep(worktree, repo);
  // Meanwhile the base, checked out in the main checkout, starts tracking files at those paths.
  for (const path of Object.keys(c.mainBefore ?? {})) repo.git(['rm', '-q', '--cached', '--ignore-unmatch', path]);
  for (const [path, content] of Object.entries(c.baseAdds)) repo.write(path, content);
  if (c.conflicting) repo.write('README.md', '# sample, as main has it now\n');
  repo.git(['add', '-f', '--', ...Object.keys(c.baseAdds), ...(c.conflicting ? ['README.md'] : [])]);
  repo.git(['commit', '-q', '-m', 'main tracks files the session keeps untracked']);
  return worktree;
}

describe('bringing the base into a session over files its worktree does not track', () => {
  const table = commands.flatMap((command) => cases.map((c) => ({ ...c, command })));

  it.each(table)('$command.label refuses would-overwrite for $label, and changes nothing', async (c) => {
    const worktree = sessionWithKeptFiles(c, 'x');
    const kept = standing(join(worktree, c.named));
    expect(kept).not.toBeNull();
    const tip = rev(repo, 'refs/heads/session/x');
    const base = rev(repo, 'refs/heads/main');
    settle(repo, worktree);
    const before = snapshot(repo);

    const result = await repo.cli([...c.command.args('x'), '--json'], {
      cwd: c.command.inWorktree ? worktree : repo.main,
      env: { FLIGHT_RULES_NOW: LATER },
    });

    expect(standing(join(worktree, c.named))).toEqual(kept);
    const error = expectRefused(result, 'would-overwrite');
    expect(error.details.paths).toEqual([c.named]);
    expect(error.message).toContain(`untracked or ignored file(s) in the worktree ${worktree}`);
    expect(error.message).toContain('nothing was changed');
    expect(error.message).toContain(`\n  ${c.named}`);
    expect(error.next).toContain('Move them out of the worktree');
    expect(error.next).toContain(
      c.command.inWorktree ? `run \`session ${c.command.args('x').join(' ')}\` again` : 'run the same command again',
    );
    expect(rev(repo, 'refs/heads/session/x')).toBe(tip);
    expect(rev(repo, 'refs/heads/main')).toBe(base);
    expect(repo.manifest().sessions.find((s: any) => s.id === 'x').status).toBe('active');
    expect(snapshot(repo)).toEqual(before);
  });

  it.each(commands)('$label goes ahead once the file is moved out of the worktree', async (command) => {
    const worktree = sessionWithKeptFiles(cases[0]!, 'x');
    const aside = join(repo.root, 'x.env.aside');
    renameSync(join(worktree, '.env'), aside);

    const result = await repo.cli([...command.args('x'), '--json'], {
      cwd: command.inWorktree ? worktree : repo.main,
      env: { FLIGHT_RULES_NOW: LATER },
    });

    expectDone(result);
    expect(readFileSync(aside, 'utf8')).toBe('API_KEY=the-users-own\n');
    if (command.inWorktree) expect(readFileSync(join(worktree, '.env'), 'utf8')).toBe('API_KEY=\n');
  });
});

/** A repository of `files` and a session `x` with one commit of its own (feature.txt); its worktree. */
function sessionWithOneCommit(files: Record<string, string>): string {
  repo = makeRepo({ files });
  expectDone(repo.helper(['start', 'x', '--copy', 'none', '--no-setup']));
  const worktree = join(repo.sessions, 'x');
  repo.write('feature.txt', 'the session works here\n', worktree);
  repo.commitAll('work of x', worktree);
  return worktree;
}

describe('bringing the base in when it adds files elsewhere', () => {
  it.each(commands)('$label goes ahead and leaves the ignored .env alone', async (command) => {
    const worktree = sessionWithOneCommit({ 'README.md': '# sample\n', '.gitignore': '.env\nout/\n' });
    repo.write('.env', 'API_KEY=the-users-own\n', worktree);
    repo.write('out/result.bin', 'hours of computation\n', worktree);
    // The base gains files beside them: another session's log in the same folder, a file in a new folder.
    const log = repo.manifest().sessions.find((s: any) => s.id === 'x').sessionLog as string;
    const otherLog = join(log, '..', 'another_session.md');
    repo.write(otherLog, '# another session\n');
    repo.write('src/new.ts', 'export {};\n');
    repo.write('.env.example', 'API_KEY=\n');
    repo.commitAll('main gains files elsewhere');

    const result = await repo.cli([...command.args('x'), '--json'], {
      cwd: command.inWorktree ? worktree : repo.main,
      env: { FLIGHT_RULES_NOW: LATER },
    });

    expectDone(result);
    // An end removes the worktree afterwards (saving what it must); a sync leaves the files where they were.
    if (command.inWorktree) {
      expect(readFileSync(join(worktree, '.env'), 'utf8')).toBe('API_KEY=the-users-own\n');
      expect(readFileSync(join(worktree, 'out/result.bin'), 'utf8')).toBe('hours of computation\n');
    }
    const branch = command.label.startsWith('end --strategy merge') ? 'main' : 'session/x';
    expect(repo.git(['show', `${branch}:src/new.ts`])).toBe('export {};\n');
    expect(repo.git(['show', `${branch}:${otherLog}`])).toBe('# another session\n');
  });
});

/**
 * The session's own history can write over an ignored file too: it committed `.env` by mistake, then untracked it
 * (`git rm --cached` and an ignore rule) and kept editing it. A rebase replays the first commit (writing the
 * committed copy over the file) and then the second (removing it). The base adds nothing at that path.
 */
describe("a rebase replaying the session's own commits of a file it no longer tracks", () => {
  const rebasing = commands.filter((command) => !command.label.includes('--merge'));

  function sessionThatUntrackedEnv(name: string): string {
    repo = makeRepo({ files: { 'README.md': '# sample\n' } });
    expectDone(repo.helper(['start', name, '--copy', 'none', '--no-setup']));
    const worktree = join(repo.sessions, name);
    repo.write('.env', 'API_KEY=committed-by-mistake\n', worktree);
    repo.commitAll('add config', worktree);
    repo.git(['rm', '-q', '--cached', '.env'], worktree);
    repo.write('.gitignore', '.env\n', worktree);
    repo.git(['add', '.gitignore'], worktree);
    repo.git(['commit', '-q', '-m', 'stop tracking .env'], worktree);
    repo.write('.env', 'API_KEY=the-users-own-edited-later\n', worktree);
    repo.write('src/elsewhere.ts', 'export {};\n');
    repo.commitAll('main moves on elsewhere');
    return worktree;
  }

  it.each(rebasing)('$label refuses would-overwrite, and changes nothing', async (command) => {
    const worktree = sessionThatUntrackedEnv('x');
    const tip = rev(repo, 'refs/heads/session/x');
    settle(repo, worktree);
    const before = snapshot(repo);

    const result = await repo.cli([...command.args('x'), '--json'], {
      cwd: command.inWorktree ? worktree : repo.main,
      env: { FLIGHT_RULES_NOW: LATER },
    });

    const error = expectRefused(result, 'would-overwrite');
    expect(error.details.paths).toEqual(['.env']);
    expect(error.message).toContain("that the session's own commits it replays held there");
    expect(readFileSync(join(worktree, '.env'), 'utf8')).toBe('API_KEY=the-users-own-edited-later\n');
    expect(rev(repo, 'refs/heads/session/x')).toBe(tip);
    expect(snapshot(repo)).toEqual(before);
  });

  it('sync --merge goes ahead: a merge replays nothing, and the file stays as it was', async () => {
    const worktree = sessionThatUntrackedEnv('x');
    expectDone(await repo.cli(['sync', '--merge', '--json'], { cwd: worktree, env: { FLIGHT_RULES_NOW: LATER } }));
    expect(readFileSync(join(worktree, '.env'), 'utf8')).toBe('API_KEY=the-users-own-edited-later\n');
  });

  it('a file the session deleted and later tracked again is tracked work, not in the way', async () => {
    const worktree = sessionThatUntrackedEnv('x');
    repo.git(['add', '-f', '.env'], worktree);
    repo.git(['commit', '-q', '-m', 'track .env again'], worktree);
    expectDone(await repo.cli(['sync', '--json'], { cwd: worktree, env: { FLIGHT_RULES_NOW: LATER } }));
    expect(readFileSync(join(worktree, '.env'), 'utf8')).toBe('API_KEY=the-users-own-edited-later\n');
  });
});

describe('a tracked file the base turns into a folder', () => {
  it.each(commands)(
    '$label goes ahead: git replaces the tracked file itself, nothing is in the way',
    async (command) => {
      const worktree = sessionWithOneCommit({ 'README.md': '# sample\n', config: 'one file of settings\n' });
      repo.git(['rm', '-q', 'config']);
      repo.write('config/app.json', '{}\n');
      repo.commitAll('main splits config into a folder');

      const result = await repo.cli([...command.args('x'), '--json'], {
        cwd: command.inWorktree ? worktree : repo.main,
        env: { FLIGHT_RULES_NOW: LATER },
      });

      expectDone(result);
      if (command.inWorktree) expect(readFileSync(join(worktree, 'config/app.json'), 'utf8')).toBe('{}\n');
    },
  );

  it('an untracked file where the base puts a folder is still in the way', async () => {
    const worktree = sessionWithOneCommit({ 'README.md': '# sample\n', '.gitignore': 'config\n' });
    repo.write('config', 'the users own settings\n', worktree);
    repo.write('config/app.json', '{}\n');
    repo.git(['add', '-f', 'config/app.json']);
    repo.git(['commit', '-q', '-m', 'main adds a config folder']);

    const error = expectRefused(
      await repo.cli(['sync', '--json'], { cwd: worktree, env: { FLIGHT_RULES_NOW: LATER } }),
      'would-overwrite',
    );
    expect(error.details.paths).toEqual(['config/app.json']);
    expect(readFileSync(join(worktree, 'config'), 'utf8')).toBe('the users own settings\n');
  });
});
