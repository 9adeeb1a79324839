/**
 * `/dev-session.start`, parallel: the scripted model takes the start line from the text the client sent, runs it
 * with the plan and the conversation id, and the conversation then continues inside the new worktree with the line
 * the helper printed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { describeClient } from './availability.js';
import { commandFromText } from './follow-text.js';
import {
  bash,
  commandText,
  hookContexts,
  lastToolResult,
  say,
  toolExchanges,
  workingDirectories,
  type TurnBlock,
} from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude, type ClientRun } from './runner.js';

const NAME = 'login-form';
const GOAL = 'Add the login form';
const PLAN = '1. Add the form. 2. Test it.';

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
          const command = commandFromText(commandText(request, '/dev-session.start'), {
            subcommand: 'start',
            containing: '--claude-session',
            values: { name: NAME, 'goal 1': GOAL, 'goal 2': null, 'the agreed plan': PLAN },
          });
          return [say('Starting the parallel session.'), bash(command, 'Start the parallel session')];
        }
        startJson = JSON.parse(lastToolResult(request)!.output);
        return `Parallel session created. To work in it: ${startJson.next}`;
      },
    });
  });
  afterAll(() => project?.cleanup());

  it('runs the start line the text gives, with the plan and this conversation, without a permission prompt', () => {
    const [started, ...rest] = toolExchanges(run.main[1]!);
    expect(rest).toEqual([]);
    // ${CLAUDE_PROJECT_DIR} and ${CLAUDE_SESSION_ID} substituted by the client; the placeholders filled, the optional second goal dropped.
    expect(started!.input.command).toBe(
      `node "${project.repo.main}/.claude/commands/flight-rules/session.mjs" start ${NAME} --goal "${GOAL}" --plan "${PLAN}" --claude-session "${run.result.session_id}" --json`,
    );
    expect(started!.isError).toBe(false);
    expect(run.result.permission_denials).toEqual([]);
    expect(startJson.ok).toBe(true);
    expect(startJson.worktreePath).toBe(project.worktree(NAME));
  });

  it('leaves the worktree, the branch and the manifest entry, with the conversation to continue', () => {
    expect(existsSync(project.worktree(NAME))).toBe(true);
    expect(project.repo.git(['worktree', 'list', '--porcelain'])).toContain(`worktree ${project.worktree(NAME)}\n`);
    expect(project.repo.git(['rev-parse', '--abbrev-ref', 'HEAD'], project.worktree(NAME)).trim()).toBe(
      `session/${NAME}`,
    );
    const entry = project.repo.manifest().sessions.find((session: any) => session.id === NAME);
    expect(entry).toMatchObject({
      branch: `session/${NAME}`,
      goals: [GOAL],
      status: 'active',
      base: { branch: 'main' },
      claudeSession: run.result.session_id,
    });
    expect(startJson.next).toBe(`cd ${project.worktree(NAME)} && claude --resume ${run.result.session_id}`);
  });

  it('writes the goals and the plan into the log itself, so nothing in the worktree is touched from here', () => {
    const log = readFileSync(startJson.sessionLogPath, 'utf8');
    expect(log).toContain(`## Goals\n\n- ${GOAL}\n`);
    expect(log).toContain(`## Plan\n\n${PLAN}\n`);
    // The untouched stub is the pack's own: a fresh session is not dirty.
    const status = project.repo.helper(['status', '--json']);
    expect(status.json.sessions.find((session: any) => session.id === NAME)).toMatchObject({
      uncommitted: 0,
      open: startJson.next,
    });
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
    expect(context).toContain(
      `This is parallel dev session "${NAME}": branch session/${NAME}, based on main, worktree ${project.worktree(NAME)}.`,
    );
    expect(context).toContain(`Goals:\n- ${GOAL}\n`);
    // The earlier conversation is there: the start call and its result.
    expect(JSON.stringify(request.messages)).toContain(`start ${NAME} --goal`);
  });
});
