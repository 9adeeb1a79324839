/**
 * `/dev-session.end --strategy merge` run by the real client from inside the session's worktree, as the end ritual
 * is meant to be run: the work lands on main and the worktree the client stands in is removed.
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
  let overlap: ToolExchange;
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
        if (turn === 0) return [bash(commandFromText(text, { subcommand: 'overlap', values: { name: NAME } }), 'Check whether the base moved')];
        if (turn === 1) return [bash(commandFromText(text, { subcommand: 'end', containing: '--strategy merge', values: { name: NAME } }), 'Merge the session')];
        return 'Merged. This session\'s worktree is gone.';
      },
    });
    [overlap, end] = toolExchanges(run.main.at(-1)!) as [ToolExchange, ToolExchange];
  });
  afterAll(() => project?.cleanup());

  it('runs the overlap and end lines the text gives, without a permission prompt', () => {
    expect(run.result.permission_denials).toEqual([]);
    const helper = `${project.worktree(NAME)}/.claude/commands/flight-rules/session.mjs`;
    expect(overlap.input.command).toBe(`node "${helper}" overlap ${NAME}`);
    expect(overlap.isError).toBe(false);
    expect(end.input.command).toBe(`node "${helper}" end ${NAME} --strategy merge --json`);
    expect(run.result.result).toBe('Merged. This session\'s worktree is gone.');
  });

  it('lands the merge on main and removes the worktree, the branch and the manifest entry', () => {
    expect(project.repo.git(['log', '-1', '--format=%s', 'main']).trim()).toBe(`Merge session ${NAME}: ${GOAL}`);
    expect(readFileSync(join(project.repo.main, 'src/greeting.js'), 'utf8')).toBe('export const greeting = "hello";\n');
    expect(project.repo.git(['status', '--porcelain'])).toBe('');
    expect(existsSync(project.worktree(NAME))).toBe(false);
    expect(project.repo.git(['worktree', 'list', '--porcelain'])).not.toContain(project.worktree(NAME));
    expect(project.repo.git(['branch', '--list', `session/${NAME}`])).toBe('');
    expect(project.repo.manifest().sessions).toEqual([]);
  });

  it('shows the model a failed tool call although the end succeeded: the Bash tool cannot find its folder afterwards', () => {
    // What the client reports when a command removes the folder it runs in. The helper printed ok:true and
    // exited 0; the tool's own `pwd` afterwards fails, so the model reads "Exit code 1" and an error result.
    expect(end.isError).toBe(true);
    const lines = end.output.split('\n');
    expect(lines[0]).toBe('Exit code 1');
    expect(lines.at(-1)).toBe('pwd: error retrieving current directory: getcwd: cannot access parent directories: No such file or directory');
    const json = JSON.parse(lines.slice(1, -1).join('\n'));
    expect(json).toMatchObject({ ok: true, command: 'end', strategy: 'merge', worktreeRemoved: true, branch: { deleted: true }, next: [`cd ${project.repo.main}`] });
  });
});
