/**
 * `/dev-session.start`, parallel: the scripted model takes the start line from the text the client sent, runs it,
 * fills in the session log as the text says, and the conversation then continues inside the new worktree.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { describeClient } from './availability.js';
import { commandFromText } from './follow-text.js';
import { bash, commandText, edit, hookContexts, lastToolResult, say, toolExchanges, workingDirectories, type TurnBlock } from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude, type ClientRun } from './runner.js';

const NAME = 'login-form';
const GOAL = 'Add the login form';
const PLAN_PLACEHOLDER = '_Agreed with the user before coding._';

describeClient('/dev-session.start in the real client', () => {
  let project: ClientProject;
  let run: ClientRun;
  let startJson: any;
  beforeAll(async () => {
    project = await installedProject();
    run = await runClaude({
      home: project.home,
      cwd: project.repo.main,
      prompt: `/dev-session.start ${GOAL}. A parallel session named ${NAME}, with that one goal.`,
      permissionMode: 'acceptEdits',
      script: (request, turn): TurnBlock[] | string => {
        if (turn === 0) {
          const command = commandFromText(commandText(request, '/dev-session.start'), { subcommand: 'start', values: { name: NAME, 'goal 1': GOAL, 'goal 2': null } });
          return [say('Starting the parallel session.'), bash(command, 'Start the parallel session')];
        }
        if (turn === 1) {
          startJson = JSON.parse(lastToolResult(request)!.output);
          return [{ type: 'tool_use', name: 'Read', input: { file_path: startJson.sessionLogPath } }];
        }
        if (turn === 2) return [edit(startJson.sessionLogPath, PLAN_PLACEHOLDER, '1. Add the form.')];
        return `Parallel session created. cd ${startJson.worktreePath} && claude`;
      },
    });
  });
  afterAll(() => project?.cleanup());

  it('runs the start line the text gives, without a permission prompt', () => {
    const [started, ...rest] = toolExchanges(run.main[1]!);
    expect(rest).toEqual([]);
    // ${CLAUDE_PROJECT_DIR} substituted by the client; the placeholders filled, the optional second goal dropped.
    expect(started!.input.command).toBe(`node "${project.repo.main}/.claude/commands/flight-rules/session.mjs" start ${NAME} --goal "${GOAL}" --json`);
    expect(started!.isError).toBe(false);
    expect(run.result.permission_denials.filter((denial) => denial.tool_name === 'Bash')).toEqual([]);
    expect(startJson.ok).toBe(true);
    expect(startJson.worktreePath).toBe(project.worktree(NAME));
  });

  it('leaves the worktree, the branch and the manifest entry', () => {
    expect(existsSync(project.worktree(NAME))).toBe(true);
    expect(project.repo.git(['worktree', 'list', '--porcelain'])).toContain(`worktree ${project.worktree(NAME)}\n`);
    expect(project.repo.git(['rev-parse', '--abbrev-ref', 'HEAD'], project.worktree(NAME)).trim()).toBe(`session/${NAME}`);
    const entry = project.repo.manifest().sessions.find((session: any) => session.id === NAME);
    expect(entry).toMatchObject({ branch: `session/${NAME}`, goals: [GOAL], status: 'active', base: { branch: 'main' } });
  });

  it('cannot fill in the session log from the main checkout: the worktree is outside the working folder', () => {
    // Documents a defect: the text says to fill in the log the helper wrote, in the new worktree, from here. The
    // client allows Read and Edit only under the folder it runs in, acceptEdits or not; -p mode denies the Read
    // (interactively the user is asked twice), and the Edit then fails for want of a Read.
    expect(run.result.permission_denials).toEqual([{ tool_name: 'Read', tool_use_id: expect.any(String), tool_input: { file_path: startJson.sessionLogPath } }]);
    const [read, edited] = toolExchanges(run.main.at(-1)!).slice(-2);
    expect(read).toMatchObject({ name: 'Read', isError: true, output: `Claude requested permissions to read from ${startJson.sessionLogPath}, but you haven't granted it yet.` });
    expect(edited).toMatchObject({ name: 'Edit', isError: true, output: '<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>' });
    const log = readFileSync(startJson.sessionLogPath, 'utf8');
    expect(log).toContain(`## Goals\n\n- ${GOAL}\n`);
    expect(log).toContain(PLAN_PLACEHOLDER);
    expect(run.result.result).toBe(`Parallel session created. cd ${startJson.worktreePath} && claude`);
  });

  it('continues in the worktree with --resume: the client says where it was, and SessionStart names the session', async () => {
    const resumed = await runClaude({
      home: project.home,
      cwd: project.worktree(NAME),
      prompt: 'Go on with the plan.',
      resume: run.result.session_id,
      script: () => 'Going on.',
    });
    expect(resumed.result.session_id).toBe(run.result.session_id);
    const request = resumed.main[0]!;
    expect(workingDirectories(request)).toContain(`${project.worktree(NAME)} (was ${project.repo.main})`);
    const [context, ...more] = hookContexts(request, 'SessionStart');
    expect(more).toEqual([]);
    expect(context).toContain(`This is parallel dev session "${NAME}": branch session/${NAME}, based on main, worktree ${project.worktree(NAME)}.`);
    expect(context).toContain(`Goals:\n- ${GOAL}\n`);
    // The earlier conversation is there: the start call and its result.
    expect(JSON.stringify(request.messages)).toContain(`start ${NAME} --goal`);
  });
});
