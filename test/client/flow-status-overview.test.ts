/**
 * `/parallel.status` and then `/parallel.overview`, typed one after the other in one client session, from the main
 * checkout and from a session worktree, with two sessions that change the same file in ways that conflict: the
 * helper's own output, as the installed helper prints it in that folder, reaches the model whole, with the
 * status table, the predicted conflict between the two sessions and the suggested merge order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { sessionWithWork } from '../helpers/end.js';
import { describeClient } from './availability.js';
import { permissionAsks, withoutAgentColumn } from './flow.js';
import { commandText, hookContexts } from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude, type ClientRun } from './runner.js';

describeClient('/parallel.status and /parallel.overview with two sessions that conflict', () => {
  let project: ClientProject;
  beforeAll(async () => {
    project = await installedProject();
    sessionWithWork(project.repo, 'alpha', { 'src/app.js': 'console.log("alpha");\n', 'alpha.txt': 'alpha\n' }, [
      'Polish the app',
    ]);
    sessionWithWork(project.repo, 'beta', { 'src/app.js': 'console.log("beta");\n' }, ['Rewrite the app']);
  });
  afterAll(() => project?.cleanup());

  /** What the installed helper in `folder` prints there, as the `!` line runs it. */
  const helperOutput = (folder: string, subcommand: string) => {
    const result = spawnSync('node', [join(folder, '.claude/commands/flight-rules/session.mjs'), subcommand], {
      cwd: folder,
      env: project.repo.env,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    return withoutAgentColumn(result.stdout.trim());
  };

  describe.each([
    {
      where: 'the main checkout',
      folder: () => project.repo.main,
      here: '- You are in the main checkout.',
      context: null,
    },
    {
      where: 'a session worktree',
      folder: () => project.worktree('alpha'),
      here: '- You are in session "alpha" (its worktree).',
      context: 'This is parallel dev session "alpha"',
    },
  ])('from $where', ({ folder, here, context }) => {
    let run: ClientRun;
    let status: string;
    let overview: string;
    beforeAll(async () => {
      run = await runClaude({
        home: project.home,
        cwd: folder(),
        prompt: '/parallel.status',
        replies: ['/parallel.overview'],
        approve: true,
        script: (request, turn) => {
          if (turn === 0) {
            status = commandText(request, '/parallel.status');
            return 'Two sessions, both active; they both change src/app.js.';
          }
          overview = commandText(request, '/parallel.overview');
          return 'Merge alpha first, then sync beta.';
        },
      });
    });

    it('loads both commands without a permission prompt, each with its own turn', () => {
      expect(permissionAsks(run)).toEqual([]);
      expect(run.results.map((result) => result.result)).toEqual([
        'Two sessions, both active; they both change src/app.js.',
        'Merge alpha first, then sync beta.',
      ]);
      expect(run.main).toHaveLength(2);
      // The SessionStart hook speaks only in a session worktree.
      const contexts = hookContexts(run.main[0]!, 'SessionStart');
      if (context) expect(contexts).toEqual([expect.stringContaining(context)]);
      else expect(contexts).toEqual([]);
    });

    it('/parallel.status inlines the whole status, with both sessions, their overlap and this folder', () => {
      const printed = helperOutput(folder(), 'status');
      // The agent's state moved on since (working then, gone now): the rest is the same.
      expect(withoutAgentColumn(status)).toContain(printed);
      expect(printed).toMatch(/^! 2 parallel sessions, 2 needing attention/);
      expect(printed).toContain(here);
      expect(printed).toMatch(/\nalpha +active +main +\+1\/-0 .* 1 \(beta\) .* Polish the app\n/);
      expect(printed).toMatch(/\nbeta +active +main +\+1\/-0 .* 1 \(alpha\) .* Rewrite the app\n/);
      expect(printed).toContain('! alpha: 1 file also changed by beta: src/app.js.');
      expect(printed).toContain(`Main checkout: ${project.repo.main} on main, clean`);
    });

    it('/parallel.overview inlines the status and the overlap, with the predicted conflict and the merge order', () => {
      const sessions = helperOutput(folder(), 'status');
      const overlap = helperOutput(folder(), 'overlap');
      expect(withoutAgentColumn(overview)).toContain(`## Sessions\n\n${sessions}`);
      expect(overview).toContain(`## Overlaps and predicted conflicts\n\n${overlap}`);
      expect(overlap).toContain('src/app.js: alpha (committed), beta (committed)');
      expect(overlap).toContain('! Predicted conflicts between sessions:\n  alpha × beta: src/app.js');
      // Both conflict with one other; beta, the smaller change, goes first.
      expect(overlap).toContain(
        'Suggested merge order:\n  1. beta: conflicts with alpha; after it merges, sync that session and resolve there\n  2. alpha: no predicted conflict with the sessions still open',
      );
      expect(overview).not.toMatch(/^!`/m);
    });
  });
});
