/**
 * Limits the helper sets itself must hold for what it writes, and inputs at the size a
 * caller may send must not make it slow.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, ROOT, type Repo } from '../helpers/gitdir.js';
import { MAX_GOAL_LENGTH, MAX_GOALS } from '../../scripts/core/names.js';
import { MAX_MANIFEST_BYTES } from '../../scripts/core/manifest-store.js';
import { expectDone, refExists } from '../helpers/safety.js';
import { runBounded } from '../helpers/processes.js';

const HOOK = join(ROOT, 'dist/hook.mjs');
let repo: Repo;
afterEach(() => repo?.cleanup());

describe('the manifest size limit', () => {
  it('a start that would push the manifest past the read limit is refused, and everything keeps working', async () => {
    repo = makeRepo();
    // The longest goals the helper accepts, in CJK: three bytes a character in the manifest.
    const goal = (session: number, n: number) => `${session}-${n}-${'漢字テスト'.repeat(MAX_GOAL_LENGTH)}`.slice(0, MAX_GOAL_LENGTH);
    const goalArgs = (session: number) => Array.from({ length: MAX_GOALS }, (_, n) => ['--goal', goal(session, n)]).flat();
    const perSession = MAX_GOALS * MAX_GOAL_LENGTH * 3;
    const needed = Math.ceil(MAX_MANIFEST_BYTES / perSession) + 1;
    expect(needed).toBeLessThanOrEqual(10);

    let refused: { id: string; exitCode: number } | null = null;
    for (let i = 1; i <= needed; i++) {
      const id = `big-${i}`;
      const result = await repo.helperAsync(['start', id, '--no-setup', '--copy', 'none', ...goalArgs(i)]);
      if (result.exitCode !== 0) {
        refused = { id, exitCode: result.exitCode };
        break;
      }
      expect(statSync(repo.manifestPath).size, `the manifest grew past ${MAX_MANIFEST_BYTES} bytes with ${id}`).toBeLessThanOrEqual(MAX_MANIFEST_BYTES);
    }

    expect(refused, 'no start was refused, though together they exceed the limit').not.toBeNull();
    expect([1, 2]).toContain(refused!.exitCode);
    expect(statSync(repo.manifestPath).size).toBeLessThanOrEqual(MAX_MANIFEST_BYTES);
    expect(existsSync(join(repo.sessions, refused!.id))).toBe(false);
    expect(refExists(repo, `refs/heads/session/${refused!.id}`)).toBe(false);
    const status = repo.helper(['status', '--json']);
    expect(status.exitCode).toBe(0);
    expect(status.json.problems).toEqual([]);
    expectDone(repo.helper(['start', 'other', '--no-setup']));
  });
});

describe('the pre-tool-use hook with a huge file_path', () => {
  it('answers within a couple of seconds for an 800 KB path', () => {
    repo = makeRepo();
    expectDone(repo.helper(['start', 'a', '--no-setup']));
    expectDone(repo.helper(['start', 'b', '--no-setup']));
    const worktree = join(repo.sessions, 'a');
    const filePath = join(worktree, `${'d/'.repeat(400_000)}f.txt`);
    const input = { session_id: 's', transcript_path: join(repo.root, 't.jsonl'), cwd: worktree, permission_mode: 'default', hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: filePath, content: 'x' } };

    const run = runBounded(repo, HOOK, ['pre-tool-use'], { cwd: worktree, input: JSON.stringify(input), timeoutMs: 10_000 });

    expect({ exitCode: run.exitCode, timedOut: run.timedOut }).toEqual({ exitCode: 0, timedOut: false });
    expect(run.ms).toBeLessThan(2_500);
  });
});
