import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeRepo, snapshot, type Repo } from './helpers/gitdir.js';
import { outputSchemaErrors } from './helpers/schemas.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const worktree = (name: string) => join(repo.sessions, name);

/** alpha and beta both rewrite shared.txt (a real conflict); alpha also changes more; gamma is disjoint. */
function threeSessions(): void {
  repo = makeRepo({ files: { 'shared.txt': 'one\ntwo\nthree\n', 'alpha-only.txt': 'a\n', 'gamma.txt': 'g\n' } });
  for (const name of ['alpha', 'beta', 'gamma']) expect(repo.helper(['start', name]).exitCode).toBe(0);
  repo.write('shared.txt', 'one\nALPHA\nthree\n', worktree('alpha'));
  repo.write('alpha-only.txt', 'alpha\n', worktree('alpha'));
  repo.write('extra.txt', 'alpha\n', worktree('alpha'));
  repo.commitAll('alpha work', worktree('alpha'));
  repo.write('shared.txt', 'one\nBETA\nthree\n', worktree('beta'));
  repo.commitAll('beta work', worktree('beta'));
  repo.write('gamma.txt', 'gamma\n', worktree('gamma'));
  repo.commitAll('gamma work', worktree('gamma'));
}

describe('session overlap', () => {
  it('finds the shared file, predicts the conflict, and orders the merges', async () => {
    threeSessions();
    const before = snapshot(repo);
    const result = await repo.cli(['overlap', '--json']);
    expect(result.exitCode).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.overlaps).toEqual([
      {
        file: 'shared.txt',
        sessions: [
          { id: 'alpha', committed: true, uncommitted: false },
          { id: 'beta', committed: true, uncommitted: false },
        ],
      },
    ]);
    expect(result.json.pairs.map((p: any) => [p.a, p.b, p.prediction, p.conflicts, p.method])).toEqual([
      ['alpha', 'beta', 'conflict', ['shared.txt'], 'merge-tree'],
      ['alpha', 'gamma', 'clean', [], 'no-shared-commits'],
      ['beta', 'gamma', 'clean', [], 'no-shared-commits'],
    ]);
    // gamma conflicts with nobody; of alpha and beta, beta is the smaller change.
    expect(result.json.mergeOrder).toEqual([
      { id: 'gamma', conflictsWith: [], reason: 'no predicted conflict with the sessions still open' },
      {
        id: 'beta',
        conflictsWith: ['alpha'],
        reason: 'conflicts with alpha; after it merges, sync that session and resolve there',
      },
      { id: 'alpha', conflictsWith: [], reason: 'no predicted conflict with the sessions still open' },
    ]);
    expect(result.json.notes[0]).toContain('cover committed work only');
    expect(snapshot(repo)).toEqual(before);

    const text = await repo.cli(['overlap']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatchInlineSnapshot(`
      "! 1 file changed by more than one session (3 active sessions):
        shared.txt: alpha (committed), beta (committed)

      ! Predicted conflicts between sessions:
        alpha × beta: shared.txt

      Suggested merge order:
        1. gamma: no predicted conflict with the sessions still open
        2. beta: conflicts with alpha; after it merges, sync that session and resolve there
        3. alpha: no predicted conflict with the sessions still open

      - Conflict predictions come from git merge-tree and cover committed work only; overlaps cover committed and uncommitted changes.

      Next:
        - Merge in the suggested order: gamma, beta, alpha; after each merge, \`session sync <name>\` the sessions it conflicts with.
        - Agree which session owns each shared file before both change it further.
      "
    `);
  });

  it('counts uncommitted changes as overlaps but predicts only committed work', async () => {
    threeSessions();
    repo.write('gamma.txt', 'gamma edits on alpha\n', worktree('alpha'));
    const result = await repo.cli(['overlap', 'gamma', '--json']);
    expect(result.exitCode).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.session).toBe('gamma');
    expect(result.json.overlaps).toEqual([
      {
        file: 'gamma.txt',
        sessions: [
          { id: 'alpha', committed: false, uncommitted: true },
          { id: 'gamma', committed: true, uncommitted: false },
        ],
      },
    ]);
    expect(result.json.pairs.map((p: any) => [p.a, p.b, p.prediction])).toEqual([
      ['alpha', 'gamma', 'clean'],
      ['beta', 'gamma', 'clean'],
    ]);
  });

  it('refuses an unknown session name, changing nothing', async () => {
    threeSessions();
    const before = snapshot(repo);
    const result = await repo.cli(['overlap', 'nope', '--json']);
    expect(result.exitCode).toBe(1);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.error.code).toBe('no-such-session');
    expect(snapshot(repo)).toEqual(before);
  });

  it('exits 0 and says so outside a repository', async () => {
    repo = makeRepo();
    const result = await repo.cli(['overlap', '--json'], { cwd: join(repo.root, 'home') });
    expect(result.exitCode).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.problems[0].code).toBe('not-a-repository');
  });
});
