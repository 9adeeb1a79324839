import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { existsSync, readdirSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INVOCATION, makeRepo, normalise, snapshot, type Repo } from './helpers/gitdir.js';
import { outputSchemaErrors } from './helpers/schemas.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const worktree = (name: string) => join(repo.sessions, name);
const states = (json: any) => Object.fromEntries(json.sessions.map((s: any) => [s.id, s.state]));
const session = (json: any, id: string) => json.sessions.find((s: any) => s.id === id);

/** A pid that surely belongs to no running process: one that has just exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

function addManifestEntry(extra: Record<string, unknown>): void {
  const manifest = repo.manifest();
  const base = manifest.sessions[0].base;
  manifest.sessions.push({
    branch: `session/${extra.id}`,
    worktree: `../project-sessions/${extra.id}`,
    startedAt: '2026-01-15T09:00:00Z',
    sessionLog: null,
    goals: [],
    base,
    ...extra,
  });
  writeFileSync(repo.manifestPath, JSON.stringify(manifest, null, 2));
}

/** The index of the main checkout and of every linked worktree, hashed. */
function indexHashes(): Record<string, string> {
  const gitDir = join(repo.main, '.git');
  const files = [
    join(gitDir, 'index'),
    ...(existsSync(join(gitDir, 'worktrees'))
      ? readdirSync(join(gitDir, 'worktrees')).map((name) => join(gitDir, 'worktrees', name, 'index'))
      : []),
  ];
  return Object.fromEntries(
    files.filter(existsSync).map((file) => [file, createHash('sha1').update(readFileSync(file)).digest('hex')]),
  );
}

describe('session status: one state per session', () => {
  it('reports active, orphaned, unregistered, locked, prunable, merged, interrupted and in-progress sessions', async () => {
    repo = makeRepo();
    for (const name of ['active', 'orphaned', 'locked', 'prunable', 'merged'])
      expect((await repo.cli(['start', name, '--goal', `Goal of ${name}`])).exitCode).toBe(0);
    repo.write('feature.txt', 'work\n', worktree('active'));
    repo.commitAll('active work', worktree('active'));
    rmSync(worktree('orphaned'), { recursive: true, force: true });
    repo.git(['worktree', 'add', '-q', '-b', 'stray', worktree('stray')]);
    repo.git(['worktree', 'lock', '--reason', 'on a slow disk', worktree('locked')]);
    unlinkSync(join(worktree('prunable'), '.git'));
    repo.write('merged.txt', 'done\n', worktree('merged'));
    repo.commitAll('merged work', worktree('merged'));
    repo.git(['merge', '-q', '--no-ff', '-m', 'Merge merged', 'session/merged']);
    addManifestEntry({ id: 'crashed', status: 'starting', owner: { pid: deadPid(), host: hostname() } });
    addManifestEntry({ id: 'busy', status: 'ending', owner: { pid: process.pid, host: hostname() } });

    const result = await repo.cli(['status', '--json']);
    expect(result.exitCode).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(states(result.json)).toEqual({
      active: 'active',
      busy: 'ending',
      crashed: 'interrupted',
      locked: 'locked',
      merged: 'merged',
      orphaned: 'orphaned',
      prunable: 'prunable',
      stray: 'unregistered',
    });
    expect(result.json.sessions.map((s: any) => s.id)).toEqual([
      'active',
      'busy',
      'crashed',
      'locked',
      'merged',
      'orphaned',
      'prunable',
      'stray',
    ]);
    expect(session(result.json, 'active')).toMatchObject({
      ahead: 1,
      behind: 2,
      goals: ['Goal of active'],
      uncommitted: 0,
      merge: { predicted: true, clean: true },
      port: { base: expect.any(Number), count: 10 },
      attention: [],
    });
    expect(session(result.json, 'locked').locked).toEqual({ reason: 'on a slow disk' });
    expect(session(result.json, 'crashed').attention[0].next).toContain('session cleanup');
    expect(session(result.json, 'stray')).toMatchObject({ registered: false, branch: 'stray' });
    expect(result.json.next.join('\n')).toContain('session cleanup');
    // There is no `session` program: what the agent reads names the helper's own file.
    expect(JSON.parse(result.raw.stdout).next.join('\n')).toContain(`\`${INVOCATION} cleanup\``);
    expect(result.raw.stdout).not.toMatch(/`session (cleanup|sync|overlap|start|end|setup)/);
    expect(result.json.mainCheckout).toEqual({
      busy: null,
      path: repo.main,
      branch: 'main',
      clean: true,
      changes: 0,
      untracked: 0,
      startStashes: [],
    });
  });
});

describe('session status: what needs attention', () => {
  function twoSessionsAndMain(): void {
    repo = makeRepo({
      files: { 'README.md': '# sample\n', 'src/app.js': 'console.log(1);\n', 'src/lib.js': 'export {};\n' },
    });
    repo.helper(['start', 'auth', '--goal', 'Refactor auth']);
    repo.helper(['start', 'api', '--goal', 'Add endpoints', '--goal', 'Write tests']);
    repo.write('src/app.js', 'console.log("auth");\n', worktree('auth'));
    repo.commitAll('auth: app', worktree('auth'));
    repo.write('src/lib.js', 'export const api = 1;\n', worktree('api'));
    repo.commitAll('api: lib', worktree('api'));
    repo.write('src/app.js', 'console.log("api");\n', worktree('api'));
    repo.write('src/app.js', 'console.log("main");\n');
    repo.commitAll('main: app');
    for (let i = 0; i < 11; i++) {
      repo.write('CHANGELOG.md', `entry ${i}\n`);
      repo.commitAll(`main ${i}`);
    }
    repo.write('scratch.txt', 'untracked\n');
  }

  it('predicts conflicts with the base, warns about age and lag, names overlapping sessions, and suggests sync', async () => {
    twoSessionsAndMain();
    const later = { FLIGHT_RULES_NOW: '2026-01-20T12:00:00Z' };
    const result = await repo.cli(['status', '--json'], { env: later });
    expect(result.exitCode).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    const auth = session(result.json, 'auth');
    expect(auth.merge).toEqual({ predicted: true, clean: false, conflicts: ['src/app.js'], note: null });
    expect(auth.behind).toBe(12);
    expect(auth.overlaps).toEqual([{ file: 'src/app.js', sessions: ['api'] }]);
    expect(auth.attention.map((a: any) => a.code)).toEqual(['conflicts', 'stale', 'overlap']);
    expect(auth.attention[1].message).toBe('started 5 days ago (over 3) and 12 commits behind main (over 10)');
    expect(session(result.json, 'api').uncommitted).toBe(1);
    expect(result.json.next).toContain('`session sync auth` brings main into auth.');

    const text = await repo.cli(['status'], { env: later });
    expect(text.exitCode).toBe(0);
    expect(normalise(text.stdout, repo)).toMatchInlineSnapshot(`
      "! 2 parallel sessions, 2 needing attention (sessions folder: ../project-sessions)
      - You are in the main checkout.

      SESSION  STATE   BASE  AHEAD/BEHIND  DIRTY  LAST COMMIT  STARTED  MERGE         OVERLAPS  PORT       GOALS
      api      active  main  +1/-12            1  5d ago       5d ago   clean         1 (auth)  3640-3649  Add endpoints; Write tests
      auth     active  main  +1/-12            0  5d ago       5d ago   conflict (1)  1 (api)   3140-3149  Refactor auth

      SESSION  BRANCH        WORKTREE                  SESSION LOG
      api      session/api   ../project-sessions/api   docs/session_logs/20260115_1000_api_session.md
      auth     session/auth  ../project-sessions/auth  docs/session_logs/20260115_1000_auth_session.md

      Needs attention:
      ! api: started 5 days ago (over 3) and 12 commits behind main (over 10). Run \`session sync api\` to bring in main.
      ! api: 1 uncommitted file, and the last commit was 5d ago. Commit the work in <root>/project-sessions/api so that it is saved on the branch.
      ! api: 1 file also changed by auth: src/app.js. Run \`session overlap api\` for predicted conflicts and a merge order.
      ! auth: would conflict with main in src/app.js. Run \`session sync auth\` and resolve the conflicts in the session.
      ! auth: started 5 days ago (over 3) and 12 commits behind main (over 10). Run \`session sync auth\` to bring in main.
      ! auth: 1 file also changed by api: src/app.js. Run \`session overlap auth\` for predicted conflicts and a merge order.

      To work in a session, open a new terminal and run:
        api: cd <root>/project-sessions/api && claude
        auth: cd <root>/project-sessions/auth && claude

      Main checkout: <root>/project on main, clean, 1 untracked

      Next:
        - \`session sync api\` brings main into api.
        - \`session sync auth\` brings main into auth.
        - \`session overlap\` predicts conflicts between sessions and suggests a merge order.
        - Commit the uncommitted work in api.
      "
    `);
  });

  it('never writes an index, a ref or a working tree: every index is byte-identical afterwards, and its kept comparisons are the only file it writes', async () => {
    twoSessionsAndMain();
    // Touched files make a normal `git status` rewrite the index; status must not.
    const future = new Date('2030-01-01T00:00:00Z');
    utimesSync(join(repo.main, 'README.md'), future, future);
    utimesSync(join(worktree('auth'), 'README.md'), future, future);
    const indexes = indexHashes();
    expect(Object.keys(indexes)).toHaveLength(3);
    const before = snapshot(repo) as { files: Record<string, string> };
    expect((await repo.cli(['status'])).exitCode).toBe(0);
    expect((await repo.cli(['status', '--json'])).exitCode).toBe(0);
    expect((await repo.cli(['overlap', '--json'])).exitCode).toBe(0);
    expect(indexHashes()).toEqual(indexes);
    const after = snapshot(repo) as { files: Record<string, string> };
    const predictions = 'project-sessions/.tip-comparisons.json';
    expect(before.files[predictions]).toBeUndefined();
    expect(after.files[predictions]).toBeDefined();
    const { [predictions]: _written, ...rest } = after.files;
    expect({ ...after, files: rest }).toEqual(before);
  });
});

describe('session status always exits 0', () => {
  it('reports a corrupt manifest and still lists the worktrees git knows', async () => {
    repo = makeRepo();
    await repo.cli(['start', 'one']);
    writeFileSync(repo.manifestPath, '{ not json');
    const before = snapshot(repo);
    const result = await repo.cli(['status', '--json']);
    expect(result.exitCode).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.problems[0].code).toBe('manifest-invalid');
    expect(result.json.problems[0].next).toContain('session cleanup --yes');
    expect(states(result.json)).toEqual({ one: 'unregistered' });
    const text = await repo.cli(['status']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain('✗ The session manifest');
    expect(text.stdout).toMatch(/one\s+unregistered/);
    expect(snapshot(repo)).toEqual(before);
  });

  it('reports being outside a repository', async () => {
    repo = makeRepo();
    const cwd = join(repo.root, 'home');
    const result = await repo.cli(['status', '--json'], { cwd });
    expect(result.exitCode).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json).toMatchObject({ repository: false, sessions: [], problems: [{ code: 'not-a-repository' }] });
    const text = await repo.cli(['status'], { cwd });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain('is not inside a git repository');
  });

  it('says there are no sessions yet, from inside a subfolder', async () => {
    repo = makeRepo();
    const result = await repo.cli(['status'], { cwd: join(repo.main, 'src') });
    expect(result.exitCode).toBe(0);
    expect(normalise(result.stdout, repo)).toMatchInlineSnapshot(`
      "- No parallel sessions (sessions folder: ../../project-sessions).
      - You are in the main checkout.

      Main checkout: <root>/project on main, clean

      Next:
        - \`session start <name>\` (or /dev-session.start) creates a parallel session.
      "
    `);
  });
});

describe('session status: what a start stashed of the main checkout', () => {
  it('names each stash a start made until it is popped, and not the user’s own', async () => {
    repo = makeRepo();
    repo.write('README.md', 'an edit the user had not committed\n');
    expect((await repo.cli(['start', 'cut', '--no-setup', '--if-dirty', 'stash'])).exitCode).toBe(0);
    repo.write('README.md', 'another edit, stashed by the user\n');
    repo.git(['stash', 'push', '--quiet', '--message', 'mine']);
    const stash = repo.git(['rev-parse', 'stash@{1}']).trim();

    const shown = await repo.cli(['status', '--json']);
    expect(outputSchemaErrors(shown.json)).toBe('');
    expect(shown.json.mainCheckout.startStashes).toEqual([{ ref: 'stash@{1}', commit: stash, session: 'cut' }]);
    const text = (await repo.cli(['status'])).stdout;
    const line = `- stash@{1} (${stash.slice(0, 12)}) holds the uncommitted changes the start of "cut" set aside here; put them back with: git -C ${repo.main} stash pop 'stash@{1}'`;
    expect(text).toContain(`${line}\n`);

    // The line's own command puts the changes back, and then there is nothing to name.
    repo.git(['checkout', '--', 'README.md']);
    repo.git(['stash', 'pop', '--quiet', 'stash@{1}']);
    expect(readFileSync(join(repo.main, 'README.md'), 'utf8')).toBe('an edit the user had not committed\n');
    expect((await repo.cli(['status', '--json'])).json.mainCheckout.startStashes).toEqual([]);
    expect((await repo.cli(['status'])).stdout).not.toContain('set aside here');
  });
});
