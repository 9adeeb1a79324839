/**
 * The agent's state as the real client's hooks report it, in a session worktree of an installed project: while a
 * prompt's turn runs the agent is working (the model asks status mid-turn), at the end of the turn it is waiting and
 * status lists it as needing you with the line that resumes that very conversation, and once the client exits it is
 * gone. The status is read between turns, while the client waits at its prompt for the next message.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeClient } from './availability.js';
import { jsonOf } from './flow.js';
import { bash, toolExchanges } from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude, type ClientResult, type ClientRun } from './runner.js';

describeClient("agent state from the real client's hooks", () => {
  let project: ClientProject;
  let worktree: string;
  let run: ClientRun;
  let midTurn: any;
  let betweenTurns: { status: any; text: string; result: ClientResult } | null = null;
  const record = () => JSON.parse(readFileSync(join(project.repo.sessions, '.agent-alpha.json'), 'utf8'));

  beforeAll(async () => {
    project = await installedProject();
    for (const name of ['alpha', 'beta']) {
      const started = project.repo.helper(['start', name, '--goal', `Work on ${name}`, '--no-setup']);
      if (started.exitCode !== 0) throw new Error(started.stderr);
    }
    worktree = project.worktree('alpha');
    const helper = `${worktree}/.claude/commands/flight-rules/session.mjs`;
    run = await runClaude({
      home: project.home,
      cwd: worktree,
      prompt: 'Where do the sessions stand?',
      replies: ['Thanks.'],
      // The user, at the prompt after the first turn: a coordinator looks at the status from the main checkout.
      betweenTurns: async (result) => {
        // The Stop hook runs as the turn ends; wait for its file rather than for a fixed time.
        for (let i = 0; i < 50 && record().state !== 'waiting'; i++) await new Promise((done) => setTimeout(done, 100));
        const status = await project.repo.cli(['status', '--json']);
        const text = await project.repo.cli(['status']);
        betweenTurns = { status: status.json, text: text.stdout, result };
      },
      script: (request, turn) => {
        if (turn === 0) return [bash(`node "${helper}" status --json`, 'Read the status')];
        if (turn === 1) {
          midTurn = jsonOf(toolExchanges(request).at(-1)!);
          return 'Both sessions are active.';
        }
        return 'You are welcome.';
      },
    });
  });
  afterAll(() => project?.cleanup());

  it("is working while a prompt's turn runs, in the conversation the client runs", () => {
    expect(run.result.permission_denials).toEqual([]);
    const alpha = midTurn.sessions.find((session: any) => session.id === 'alpha');
    expect(alpha.agent).toMatchObject({
      state: 'working',
      event: 'UserPromptSubmit',
      conversation: run.results[0]!.session_id,
      needsYou: false,
      client: { alive: true },
    });
    // Hooks in one worktree say nothing about another.
    expect(midTurn.sessions.find((session: any) => session.id === 'beta').agent).toBeNull();
  });

  it('is waiting once the turn ended, listed first as needing you, with the line that resumes the conversation', () => {
    expect(betweenTurns).not.toBeNull();
    const { status, text, result } = betweenTurns!;
    const alpha = status.sessions.find((session: any) => session.id === 'alpha');
    expect(alpha.agent).toMatchObject({
      state: 'waiting',
      event: 'Stop',
      conversation: result.session_id,
      needsYou: true,
      reason: 'its turn ended',
      client: { alive: true },
    });
    expect(status.needsYou).toEqual(['alpha']);
    expect(alpha.open).toBe(`cd ${worktree} && claude --resume ${result.session_id}`);
    expect(text).toMatch(/^! 2 parallel sessions, 1 needs you, 0 needing attention/);
    expect(text).toContain(
      `Needs you:\n! alpha: waiting <1 min: its turn ended\n    cd ${worktree} && claude --resume ${result.session_id}\n`,
    );
  });

  it('is gone once the client exits', async () => {
    expect(record()).toMatchObject({ state: 'gone', event: 'SessionEnd', conversation: run.result.session_id });
    const status = await project.repo.cli(['status', '--json']);
    expect(status.json.sessions.find((session: any) => session.id === 'alpha').agent).toMatchObject({
      state: 'gone',
      needsYou: false,
    });
    expect(status.json.needsYou).toEqual([]);
  });
});
