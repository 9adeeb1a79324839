/**
 * `/dev-session.end --strategy merge` run by the real client from inside the session's worktree, as the end ritual
 * is meant to be run: the work lands on main, the worktree the client stands in is removed, and the tool call
 * reports the success plainly (its shell's folder stays, empty, until that shell exits).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeClient } from './availability.js';
import { commandFromText } from './follow-text.js';
import { bash, commandText, toolExchanges, type ToolExchange } from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude, type ClientRun } from './runner.js';

const NAME = 'merge-me';
const GOAL = 'Add the greeting';

describeClient('/dev-session.end --strategy merge from inside the worktree', () => {
  let project: ClientProject;
  let run: ClientRun;
  let end: ToolExchange;
  beforeAll(async () => {
    project = await installedProject();
    const worktree = project.worktree(NAME);
    const started = project.repo.helper(['start', NAME, '--goal', GOAL]);
    if (started.exitCode !== 0) throw new Error(started.stderr);
    project.repo.write('src/greeting.js', 'export const greeting = "hello";\n', worktree);
    project.repo.commitAll('Add the greeting', worktree);
    run = await runClaude({
      home: project.home,
      cwd: worktree,
      prompt: '/dev-session.end Merge it directly.',
      script: (request, turn) => {
        const text = commandText(request, '/dev-session.end');
        if (turn === 0)
          return [
            bash(
              commandFromText(text, { subcommand: 'end', containing: '--strategy merge', values: { name: NAME } }),
              'Merge the session',
            ),
          ];
        return "Merged. This session's worktree is gone.";
      },
    });
    [end] = toolExchanges(run.main.at(-1)!) as [ToolExchange];
  });
  afterAll(() => project?.cleanup());

  it('runs the end line the text gives, without a permission prompt, reading the base facts from the status it has', () => {
    expect(run.result.permission_denials).toEqual([]);
    const helper = `${project.worktree(NAME)}/.claude/commands/flight-rules/session.mjs`;
    expect(end.input.command).toBe(`node "${helper}" end ${NAME} --strategy merge --json`);
    expect(run.result.result).toBe("Merged. This session's worktree is gone.");
  });

  it('lands the merge on main and removes the worktree, the branch and the manifest entry', async () => {
    expect(project.repo.git(['log', '-1', '--format=%s', 'main']).trim()).toBe(`Merge session ${NAME}: ${GOAL}`);
    expect(readFileSync(join(project.repo.main, 'src/greeting.js'), 'utf8')).toBe('export const greeting = "hello";\n');
    expect(project.repo.git(['status', '--porcelain'])).toBe('');
    expect(project.repo.git(['worktree', 'list', '--porcelain'])).not.toContain(project.worktree(NAME));
    expect(project.repo.git(['branch', '--list', `session/${NAME}`])).toBe('');
    expect(project.repo.manifest().sessions).toEqual([]);
    // The folder the tool's shell stood in goes once that shell has exited.
    for (let i = 0; i < 50 && existsSync(project.worktree(NAME)); i++)
      await new Promise((done) => setTimeout(done, 100));
    expect(existsSync(project.worktree(NAME))).toBe(false);
  });

  it('shows the model a success it cannot misread: exit 0, ok true, and where to go next', () => {
    expect(end.isError).toBe(false);
    expect(end.output).not.toContain('Exit code');
    expect(end.output).not.toContain('getcwd');
    const json = JSON.parse(end.output);
    expect(json).toMatchObject({
      ok: true,
      command: 'end',
      strategy: 'merge',
      worktreeRemoved: true,
      branch: { deleted: true },
      next: [`cd ${project.repo.main}`],
    });
    expect(json.leftForCaller).toEqual([project.worktree(NAME)]);
  });
});
