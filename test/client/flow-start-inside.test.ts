/**
 * `/dev-session.start` typed inside a session worktree: the status the text inlines says so, and the text says to
 * stop there, so the model tells the user where to start instead, asks with AskUserQuestion whether to continue this
 * session instead, and on the user's "Stop here" runs nothing. A model that runs the start line anyway is refused
 * `inside-session` by the helper, and no second session appears.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { describeClient } from './availability.js';
import { exitOf, jsonOf, permissionAsks } from './flow.js';
import { commandFromText, fillTemplate, pickedOption, questionFromText, tableRow } from './follow-text.js';
import {
  allText,
  answerTo,
  askUser,
  bash,
  commandText,
  hookContexts,
  say,
  toolExchanges,
  type ToolExchange,
} from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude, type ClientRun } from './runner.js';

const HERE = 'already-here';
const NEW = 'second-one';

describeClient('/dev-session.start inside a session worktree', () => {
  let project: ClientProject;
  let stopped: ClientRun;
  let regardless: ClientRun;
  let refused: ToolExchange;
  let relayed = '';
  let told = '';
  beforeAll(async () => {
    project = await installedProject();
    const started = project.repo.helper(['start', HERE, '--goal', 'Be here first']);
    if (started.exitCode !== 0) throw new Error(started.stderr);
    const prompt = `/dev-session.start Add a footer. A parallel session named ${NEW}.`;
    stopped = await runClaude({
      home: project.home,
      cwd: project.worktree(HERE),
      prompt,
      // The user at the keyboard declines to continue this session.
      answer: () => 'Stop here',
      script: (request, turn) => {
        const text = commandText(request, '/dev-session.start');
        const inside = /^- You are in session "([^"]+)" \(its worktree\)\.$/m.exec(text);
        const main = /^Main checkout: (\S+) on /m.exec(text);
        if (!inside || !main)
          throw new Error(
            'the inlined status does not say which session this folder is, or where the main checkout is',
          );
        // Section 1: what to tell the user, quoted in the text, filled from the status; then the text's question.
        const words = /Tell the user: "(You're already in the parallel session `<name>`\. [^"]*)"/.exec(text);
        if (!words) throw new Error('the text gives no words for a start inside a session');
        told = fillTemplate(words[1]!.replace(/\s+/g, ' '), { name: inside[1]!, 'main checkout': main[1]! });
        const offer = questionFromText(text, 'Continue the parallel session');
        const question = fillTemplate(offer.question, { name: inside[1]! });
        if (turn === 0)
          return [
            say(told),
            askUser(
              question,
              offer.options.map((option) => option.label),
              'Continue',
            ),
          ];
        const picked = pickedOption(offer, answerTo(toolExchanges(request).at(-1)!, question));
        if (picked.label !== 'Stop here') throw new Error(`this test's user stops, but the answer was ${picked.label}`);
        return `Stopping here. ${told}`;
      },
    });
    regardless = await runClaude({
      home: project.home,
      cwd: project.worktree(HERE),
      prompt,
      approve: true,
      script: (request, turn) => {
        const text = commandText(request, '/dev-session.start');
        if (turn === 0)
          return [
            bash(
              commandFromText(text, {
                subcommand: 'start',
                containing: '--claude-session',
                values: { name: NEW, 'goal 1': 'Add a footer', 'goal 2': null, 'the agreed plan': '1. Add it.' },
              }),
              'Start the parallel session',
            ),
          ];
        const exchange = toolExchanges(request).at(-1)!;
        const code = jsonOf(exchange).error.code;
        relayed = tableRow(text, code);
        return relayed;
      },
    });
    [refused] = toolExchanges(regardless.main.at(-1)!) as [ToolExchange];
  });
  afterAll(() => project?.cleanup());

  it('reads the status, tells the user where to start instead, asks whether to continue this session, and runs nothing', () => {
    expect(stopped.main).toHaveLength(2);
    expect(toolExchanges(stopped.main[0]!)).toEqual([]);
    expect(toolExchanges(stopped.main[1]!).map((exchange) => exchange.name)).toEqual(['AskUserQuestion']);
    expect(told).toBe(
      `You're already in the parallel session \`${HERE}\`. Start a new one from the main checkout instead: \`cd ${project.repo.main} && claude\`.`,
    );
    expect(allText(stopped.main[1]!)).toContain(told);
    expect(
      stopped.questions.map((asked) => [asked.question, asked.options.map((option) => option.label), asked.answer]),
    ).toEqual([[`Continue the parallel session \`${HERE}\` here instead?`, ['Continue it', 'Stop here'], 'Stop here']]);
    expect(stopped.result.result).toBe(`Stopping here. ${told}`);
    expect(stopped.results).toHaveLength(1);
    expect(permissionAsks(stopped)).toEqual([]);
    // The SessionStart hook said so too, before the command.
    expect(hookContexts(stopped.main[0]!, 'SessionStart')[0]).toContain(`This is parallel dev session "${HERE}"`);
  });

  it('run anyway, the start is refused inside-session: exit 1, and the table tells the model not to retry', () => {
    expect(permissionAsks(regardless)).toEqual([]);
    expect(refused.input.command).toBe(
      `node "${project.worktree(HERE)}/.claude/commands/flight-rules/session.mjs" start ${NEW} --goal "Add a footer" --plan "1. Add it." --claude-session "${regardless.result.session_id}" --json`,
    );
    expect(exitOf(refused)).toBe(1);
    expect(jsonOf(refused)).toMatchObject({ ok: false, command: 'start', error: { code: 'inside-session' } });
    expect(relayed).toContain('Do not retry here.');
    expect(toolExchanges(regardless.main.at(-1)!)).toHaveLength(1);
  });

  it('leaves one session only: no second worktree, branch or manifest entry', () => {
    expect(project.repo.manifest().sessions.map((session: any) => session.id)).toEqual([HERE]);
    expect(project.repo.git(['branch', '--list', `session/${NEW}`])).toBe('');
    expect(existsSync(project.worktree(NEW))).toBe(false);
    expect(project.repo.git(['worktree', 'list', '--porcelain']).match(/^worktree /gm)).toHaveLength(2);
  });
});
