/**
 * Hostile input from the corpus in test/fixtures/hostile/: every case gets a clear error that
 * names the problem (or, for free text, is stored verbatim), nothing executes, and nothing is
 * written outside the sessions folder and the session's worktree.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, snapshot, ROOT, type Repo } from './helpers/gitdir.js';
import { outputSchemaErrors } from './helpers/schemas.js';

const corpus = (file: string) => JSON.parse(readFileSync(join(ROOT, 'test/fixtures/hostile', file), 'utf8'));
const names: Record<string, string> = corpus('names.json');
const optionLikeNames: Record<string, string> = corpus('option-like-names.json');
const goals: Record<string, string> = corpus('goals.json');
const badGoals: Record<string, string> = corpus('bad-goals.json');
const manifests: Record<string, { content: string; problem: string }> = corpus('manifests.json');

let repo: Repo;
afterEach(() => repo?.cleanup());

/** Files named PWNED anywhere under the temp root mean something executed. */
function pwned(repo: Repo): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name === '.git' || entry.name === 'node_modules') continue;
      if (entry.name === 'PWNED') found.push(join(folder, entry.name));
      if (entry.isDirectory()) walk(join(folder, entry.name));
    }
  };
  walk(repo.root);
  return found;
}

describe('hostile session names', () => {
  const commands: Array<(name: string) => string[]> = [
    (name) => ['start', name],
    (name) => ['end', name, '--strategy', 'keep'],
    (name) => ['sync', name],
    (name) => ['setup', name],
    (name) => ['restore', name],
    (name) => ['ready', name],
    (name) => ['land', name],
    (name) => ['land', 'existing', name, '--dry-run'],
    (name) => ['overlap', name],
    (name) => ['open', name],
  ];

  it.each(Object.entries(names))(
    '%s is refused by every command with exit 2, naming the rule',
    async (_label, name) => {
      repo = makeRepo();
      await repo.cli(['start', 'existing', '--no-setup']);
      const before = snapshot(repo);
      for (const command of commands) {
        const args = command(name);
        const result = await repo.cli([...args, '--json']);
        // overlap is read-only and always exits 0, but still names the problem.
        const expected = args[0] === 'overlap' ? [0, 2] : [2];
        expect(expected, `${args[0]}: ${result.stdout}`).toContain(result.exitCode);
        expect(outputSchemaErrors(result.json)).toBe('');
        expect(JSON.stringify(result.json)).toMatch(/invalid session name/);
      }
      expect(pwned(repo)).toEqual([]);
      expect(snapshot(repo)).toEqual(before);
    },
  );

  it.each(Object.entries(optionLikeNames))('%s is taken as an option, never a name (exit 2)', async (_label, name) => {
    repo = makeRepo();
    const before = snapshot(repo);
    const result = await repo.cli(['start', name]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout + result.stderr).toMatch(/usage error|"kind":"usage"/);
    expect(snapshot(repo)).toEqual(before);
  });
});

describe('hostile goals', () => {
  it('stores every goal verbatim in the manifest, one line each in the log, and executes nothing', async () => {
    repo = makeRepo();
    const texts = Object.values(goals);
    const result = await repo.cli([
      'start',
      'goals',
      '--no-setup',
      '--json',
      ...texts.flatMap((goal) => ['--goal', goal]),
    ]);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(repo.manifest().sessions[0].goals).toEqual(texts.map((goal) => goal.trim()));
    const log = readFileSync(join(repo.sessions, 'goals', repo.manifest().sessions[0].sessionLog), 'utf8');
    expect(log).not.toMatch(/^## Injected heading/m);
    expect(log).toContain('- first line ## Injected heading - [ ] injected');
    expect(pwned(repo)).toEqual([]);
  });

  it.each(Object.entries(badGoals))('refuses a goal with %s (exit 2)', async (_label, goal) => {
    repo = makeRepo();
    const before = snapshot(repo);
    const result = await repo.cli(['start', 'bad-goal', '--goal', goal, '--json']);
    expect(result.exitCode).toBe(2);
    expect(result.json.error.message).toMatch(/invalid --goal/);
    expect(snapshot(repo)).toEqual(before);
  });
});

describe('hostile manifests', () => {
  const place = (repo: Repo, content: string) => {
    mkdirSync(repo.sessions, { recursive: true });
    writeFileSync(repo.manifestPath, content);
  };

  it.each(Object.entries(manifests))(
    '%s: start and end refuse (exit 1) naming it, status reports it (exit 0), nothing changes',
    async (_label, { content, problem }) => {
      repo = makeRepo();
      place(repo, content);
      const before = snapshot(repo);
      const start = await repo.cli(['start', 'x', '--json']);
      expect(start.exitCode).toBe(1);
      expect(start.json.error.code).toBe('manifest-invalid');
      expect(start.json.error.message).toContain(problem);
      const end = await repo.cli(['end', 'x', '--strategy', 'keep', '--json']);
      expect(end.exitCode).toBe(1);
      expect(end.json.error.message).toContain(problem);
      const status = await repo.cli(['status']);
      expect(status.exitCode).toBe(0);
      expect(status.stdout + status.stderr).toContain(problem);
      expect(snapshot(repo)).toEqual(before);
    },
  );

  it('a 50 MB manifest is refused by size, without being parsed', async () => {
    repo = makeRepo();
    place(repo, `{"version":1,"project":"p","sessions":[],"pad":"${'x'.repeat(50 * 1024 * 1024)}"}`);
    const result = await repo.cli(['start', 'x', '--json']);
    expect(result.exitCode).toBe(1);
    expect(result.json.error.message).toMatch(/over the \d+-byte limit/);
    expect((await repo.cli(['status'])).exitCode).toBe(0);
  });

  it('a symlink in place of the manifest is refused, and cleanup moves the link aside without touching its target', async () => {
    repo = makeRepo();
    mkdirSync(repo.sessions, { recursive: true });
    const target = join(repo.root, 'elsewhere.json');
    const targetContent = '{"version":1,"project":"p","sessions":[]}';
    writeFileSync(target, targetContent);
    symlinkSync(target, repo.manifestPath);
    const result = await repo.cli(['start', 'x', '--json']);
    expect(result.exitCode).toBe(1);
    expect(result.json.error.message).toMatch(/symbolic link/);
    const cleanup = await repo.cli(['cleanup', '--yes', '--json']);
    expect(cleanup.exitCode).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe(targetContent);
    expect(readdirSync(repo.sessions).some((name) => name.startsWith('.manifest.json.corrupt-'))).toBe(true);
    expect((await repo.cli(['start', 'after', '--no-setup'])).exitCode).toBe(0);
  });
});

describe('hostile config and env inputs', () => {
  it('a .worktreeinclude pattern pointing outside the repository copies nothing from outside', async () => {
    repo = makeRepo({ files: { 'README.md': '# x\n', '.gitignore': '.env\n*.secret\n' } });
    writeFileSync(join(repo.root, 'outside.secret'), 'do not copy');
    writeFileSync(join(repo.main, '.worktreeinclude'), '../outside.secret\n/../*.secret\n.env\n');
    writeFileSync(join(repo.main, '.env'), 'A=1\n');
    const result = await repo.cli(['start', 'inc', '--no-setup', '--json']);
    expect(result.exitCode, result.stdout).toBe(0);
    const worktree = join(repo.sessions, 'inc');
    expect(existsSync(join(worktree, '.env'))).toBe(true);
    expect(readdirSync(repo.sessions).filter((n) => n.endsWith('.secret'))).toEqual([]);
    expect(existsSync(join(worktree, 'outside.secret'))).toBe(false);
    expect(result.json.workspace.copy.rejected.map((item: any) => item.pattern)).toEqual(
      expect.arrayContaining(['../outside.secret']),
    );
    expect(result.json.workspace.copy.copied).toEqual(['.env']);
  });

  it('a config copy glob pointing outside the repository is reported, not followed', async () => {
    repo = makeRepo({ files: { 'README.md': '# x\n', '.gitignore': '.env\n' } });
    writeFileSync(join(repo.root, 'outside.env'), 'SECRET=1');
    mkdirSync(join(repo.main, '.claude'), { recursive: true });
    writeFileSync(
      join(repo.main, '.claude/flight-rules.json'),
      JSON.stringify({ copy: ['../outside.env', '/etc/passwd'] }),
    );
    repo.git(['add', '-A']);
    repo.git(['commit', '-qm', 'config']);
    const result = await repo.cli(['start', 'glob', '--no-setup', '--json']);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json.workspace.copy.rejected).toEqual([
      { pattern: '../outside.env', source: 'config copy', reason: 'it climbs out of the repository with ..' },
    ]);
    expect(result.json.workspace.copy.copied).toEqual([]);
    expect(existsSync(join(repo.sessions, 'glob', 'outside.env'))).toBe(false);
    expect(existsSync(join(repo.sessions, 'glob', 'passwd'))).toBe(false);
  });

  it('a symlinked env file is not followed', async () => {
    repo = makeRepo({ files: { 'README.md': '# x\n', '.gitignore': '.env\n' } });
    writeFileSync(join(repo.root, 'real-secrets'), 'SECRET=1');
    symlinkSync(join(repo.root, 'real-secrets'), join(repo.main, '.env'));
    const result = await repo.cli(['start', 'link', '--no-setup', '--json']);
    expect(result.exitCode).toBe(0);
    expect(existsSync(join(repo.sessions, 'link', '.env'))).toBe(false);
    expect(JSON.stringify(result.json.workspace)).toMatch(/symlink|symbolic/i);
  });
});
