/**
 * What start copies or writes into a worktree for the pack (the main checkout's untracked .claude/commands and
 * settings.local.json, and .env.session) is the pack's own while it is as written, and goes with the worktree.
 * Edited in the session (an "always allow" answer Claude Code saved, a refined command, a line added to
 * .env.session) it is work: saved before the worktree goes, by every strategy, and never written over by setup.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, type Repo } from '../helpers/gitdir.js';
import { expectDone } from '../helpers/safety.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

/** A repository whose main checkout has the pack's own untracked files, and a session x with a commit. */
function withPackFiles(): string {
  repo = makeRepo();
  mkdirSync(join(repo.main, '.claude/commands'), { recursive: true });
  writeFileSync(join(repo.main, '.claude/settings.local.json'), '{"permissions":{}}\n');
  writeFileSync(join(repo.main, '.claude/commands/mine.md'), '# my command\n');
  expectDone(repo.helper(['start', 'x', '--no-setup']));
  const worktree = join(repo.sessions, 'x');
  repo.write('work.txt', 'work\n', worktree);
  repo.git(['add', '--', 'work.txt'], worktree);
  repo.git(['commit', '-q', '-m', 'work'], worktree);
  return worktree;
}

const savedIgnored = (json: any) => json.savedItems.find((item: any) => item.what === 'ignored');

describe.each([
  ['keep', ['--strategy', 'keep']],
  ['abandon', ['--strategy', 'abandon', '--confirm', 'x']],
])('end --strategy %s', (_label, args) => {
  it('saves the pack files edited in the session, each with its bytes', () => {
    const worktree = withPackFiles();
    writeFileSync(join(worktree, '.claude/settings.local.json'), '{"permissions":{"allow":["Bash(npm test)"]}}\n');
    appendFileSync(join(worktree, '.claude/commands/mine.md'), 'a better step\n');
    appendFileSync(join(worktree, '.env.session'), 'MY_FLAG=1\n');
    const ended = repo.helper(['end', 'x', ...args, '--json']);
    expectDone(ended);
    const saved = savedIgnored(ended.json);
    expect(saved.paths).toEqual(['.claude/commands/mine.md', '.claude/settings.local.json', '.env.session']);
    expect(repo.git(['show', `${saved.ref}:.claude/settings.local.json`])).toContain('Bash(npm test)');
    expect(repo.git(['show', `${saved.ref}:.claude/commands/mine.md`])).toContain('a better step');
    expect(repo.git(['show', `${saved.ref}:.env.session`])).toContain('MY_FLAG=1');
  });

  it('saves nothing for pack files left as they were written', () => {
    withPackFiles();
    const ended = repo.helper(['end', 'x', ...args, '--json']);
    expectDone(ended);
    expect(savedIgnored(ended.json)).toBeUndefined();
  });
});

describe('session setup', () => {
  it('writes .env.session again while it is as written, and leaves an edited one alone, saying so', () => {
    const worktree = withPackFiles();
    const path = join(worktree, '.env.session');
    const first = readFileSync(path, 'utf8');
    writeFileSync(path, 'stale\n');
    // Not as written any more: the user's. Setup leaves it.
    const kept = repo.helper(['setup', 'x', '--json']);
    expect(kept.exitCode, kept.stdout).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('stale\n');
    expect(JSON.stringify(kept.json)).toContain('.env.session was edited in the session, so it was left as it is');
    // Deleted, it is written afresh, and counts as the pack's again.
    writeFileSync(path, first);
    expect(repo.helper(['setup', 'x']).exitCode).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(first);
  });
});

describe('the session log after abandon', () => {
  it('is named as saved only when a saved ref holds it, and then the printed command shows it', () => {
    withPackFiles();
    const untouched = repo.helper(['end', 'x', '--strategy', 'abandon', '--confirm', 'x', '--json']);
    expectDone(untouched);
    expect(untouched.json.notes.join('\n')).not.toContain('The session log is saved with the work');

    expectDone(repo.helper(['start', 'y', '--no-setup']));
    const worktree = join(repo.sessions, 'y');
    const log = repo.manifest().sessions.find((s: any) => s.id === 'y').sessionLog;
    appendFileSync(join(worktree, log), 'what I learnt\n');
    const edited = repo.helper(['end', 'y', '--strategy', 'abandon', '--confirm', 'y', '--json']);
    expectDone(edited);
    const note = edited.json.notes.find((line: string) => line.startsWith('The session log is saved with the work: '));
    const [, , revision] = note.replace('The session log is saved with the work: ', '').split(' ');
    expect(repo.git(['show', revision])).toContain('what I learnt');
  });
});
