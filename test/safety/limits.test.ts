/**
 * Limits the helper sets itself must hold for what it writes, and inputs at the size a
 * caller may send must not make it slow.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, ROOT, type Repo } from '../helpers/gitdir.js';
import { MAX_GOAL_BYTES, MAX_GOALS, MAX_GOALS_BYTES } from '../../scripts/core/names.js';
import { MAX_MANIFEST_BYTES, updateManifest } from '../../scripts/store/manifest-store.js';
import { expectDone } from '../helpers/safety.js';
import { runBounded } from '../helpers/processes.js';

const HOOK = join(ROOT, 'dist/hook.cjs');
let repo: Repo;
afterEach(() => repo?.cleanup());

describe('the manifest size limit', () => {
  // The longest goals the helper accepts, in CJK: three bytes a character in the manifest.
  const cjkGoal = (bytes: number, tag: string) =>
    `${tag}-${'漢字テスト'.repeat(bytes)}`.slice(0, Math.floor((bytes - tag.length - 1) / 3) + tag.length + 1);
  const maxGoals = (tag: string) =>
    Array.from({ length: MAX_GOALS }, (_, n) => cjkGoal(Math.floor(MAX_GOALS_BYTES / MAX_GOALS), `${tag}${n}`));

  it('a thousand sessions with the longest goals the helper accepts fit the read limit', async () => {
    const entry = (i: number) => ({
      id: `session-number-${i}`,
      branch: `session/session-number-${i}`,
      worktree: `../project-sessions/session-number-${i}`,
      startedAt: '2026-01-15T10:00:00Z',
      sessionLog: `docs/session_logs/20260115_1000_session-number-${i}_session.md`,
      goals: maxGoals(String(i)),
      status: 'active',
      base: { branch: 'main', commit: 'a'.repeat(40) },
      packFiles: ['.env', '.env.session', '.claude/commands/flight-rules/'],
      copiedFiles: ['.env'],
      copiedDigests: { '.env': 'b'.repeat(64) },
      port: { base: 3100 + i, count: 10 },
      setup: {
        status: 'ok',
        command: 'npm ci --prefer-offline --no-audit --no-fund',
        log: `../project-sessions/session-number-${i}.setup.log`,
        at: '2026-01-15T10:00:00Z',
      },
    });
    expect(maxGoals('x').reduce((sum, goal) => sum + Buffer.byteLength(goal), 0)).toBeLessThanOrEqual(MAX_GOALS_BYTES);
    const manifest = { version: 1, project: 'project', sessions: Array.from({ length: 1000 }, (_, i) => entry(i)) };
    expect(Buffer.byteLength(`${JSON.stringify(manifest, null, 2)}\n`)).toBeLessThanOrEqual(MAX_MANIFEST_BYTES);
  });

  it('goals over the byte limit are a usage error, and nothing is written', async () => {
    repo = makeRepo();
    const tooMany = [...maxGoals('a'), 'one more'];
    const result = await repo.cli(['start', 'big', '--no-setup', ...tooMany.flatMap((goal) => ['--goal', goal])]);
    expect(result.exitCode).toBe(2);
    expect(existsSync(repo.manifestPath)).toBe(false);
    const long = await repo.cli(['start', 'big', '--no-setup', '--goal', cjkGoal(MAX_GOAL_BYTES + 3, 'x')]);
    expect(long.exitCode).toBe(2);
    expect(existsSync(join(repo.sessions, 'big'))).toBe(false);
  });

  it('a write that would outgrow the read limit is refused and the manifest stays as it was', async () => {
    repo = makeRepo();
    expectDone(await repo.cli(['start', 'small', '--no-setup']));
    const before = readFileSync(repo.manifestPath, 'utf8');
    await expect(
      updateManifest(repo.manifestPath, 'project', (manifest) => {
        manifest.sessions[0]!.packFiles = Array.from({ length: 10_000 }, (_, i) => `${'p'.repeat(1000)}/${i}`);
      }),
    ).rejects.toMatchObject({ code: 'manifest-full' });
    expect(readFileSync(repo.manifestPath, 'utf8')).toBe(before);
    const status = await repo.cli(['status', '--json']);
    expect(status.exitCode).toBe(0);
    expect(status.json.problems).toEqual([]);
    expectDone(await repo.cli(['start', 'other', '--no-setup']));
  });
});

describe('the pre-tool-use hook with a huge file_path', () => {
  it('answers within a couple of seconds for an 800 KB path', async () => {
    repo = makeRepo();
    expectDone(await repo.cli(['start', 'a', '--no-setup']));
    expectDone(await repo.cli(['start', 'b', '--no-setup']));
    const worktree = join(repo.sessions, 'a');
    const filePath = join(worktree, `${'d/'.repeat(400_000)}f.txt`);
    const input = {
      session_id: 's',
      transcript_path: join(repo.root, 't.jsonl'),
      cwd: worktree,
      permission_mode: 'default',
      hook_event_name: 'PreToolUse',
      tool_name: 'Write',
      tool_input: { file_path: filePath, content: 'x' },
    };

    const run = runBounded(repo, HOOK, ['pre-tool-use'], {
      cwd: worktree,
      input: JSON.stringify(input),
      timeoutMs: 10_000,
    });

    expect({ exitCode: run.exitCode, timedOut: run.timedOut }).toEqual({ exitCode: 0, timedOut: false });
    expect(run.ms).toBeLessThan(2_500);
  });
});
