/**
 * `/dev-session.start`, standard session: the user asks for one in the main checkout, and the model writes the
 * session log there with the Write tool, from the template and at the path the command text gives, filled with
 * the agreed goal and plan; then it shows the log's path and asks the text's "Ready to start?" with
 * AskUserQuestion, the text's options as the question's. No helper runs, no session is registered, git sees only
 * the new log, and nothing asks for permission.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeClient } from './availability.js';
import { permissionAsks } from './flow.js';
import { fencedBlocks, fillTemplate, questionFromText } from './follow-text.js';
import { allText, answerTo, askUser, commandText, say, toolExchanges, write } from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude, type ClientRun } from './runner.js';

const GOAL = 'Add a changelog';
const PLAN = ['Write CHANGELOG.md', 'Link it from the README'];
const pad = (value: number) => String(value).padStart(2, '0');

describeClient('/dev-session.start, standard session', () => {
  let project: ClientProject;
  let run: ClientRun;
  let logPath = '';
  let content = '';
  let shown = '';
  beforeAll(async () => {
    project = await installedProject();
    run = await runClaude({
      home: project.home,
      cwd: project.repo.main,
      prompt: `/dev-session.start ${GOAL}. A standard session, here in the main checkout. The plan: 1. ${PLAN[0]}. 2. ${PLAN[1]}.`,
      permissionMode: 'acceptEdits',
      // The user at the keyboard picks the first option: start now.
      answer: (asked) => asked.options[0]!.label,
      script: (request, turn) => {
        const text = commandText(request, '/dev-session.start');
        if (turn === 0) {
          if (!text.includes('- You are in the main checkout.'))
            throw new Error('the status does not say this is the main checkout');
          // The log's path and template, as section 5a gives them, for the local time now (the client runs in UTC).
          const now = new Date();
          const stamp = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}_${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}`;
          const path = /Write the session log `(docs\/session_logs\/YYYYMMDD_HHMM_session\.md)`/.exec(text)?.[1];
          if (!path) throw new Error('the text names no session log path for a standard session');
          logPath = join(project.repo.main, path.replace('YYYYMMDD_HHMM', stamp));
          const [template, ...others] = fencedBlocks(text, ['markdown']).filter((block) =>
            block.startsWith('# Session:'),
          );
          if (!template || others.length > 0) throw new Error('expected one session log template in the text');
          const filled = fillTemplate(template, {
            'short title': GOAL,
            'YYYY-MM-DD HH:MM': `${now.getUTCFullYear()}-${pad(now.getUTCMonth() + 1)}-${pad(now.getUTCDate())} ${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}`,
            'goal agreed with the user': GOAL,
            step: PLAN.join('\n2. '),
            'HH:MM': `${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}`,
            'what was done, decided or found': 'Agreed the goal and the plan',
          });
          content = filled;
          return [say('A standard session, here in the main checkout.'), write(logPath, filled)];
        }
        // Step 2: the log's path, and the text's question with its options.
        const ready = questionFromText(text, 'Ready to start');
        if (turn === 1) {
          shown = `The session log is ${logPath}.`;
          return [
            say(shown),
            askUser(
              ready.question,
              ready.options.map((option) => option.label),
              'Start',
            ),
          ];
        }
        return `Starting: ${answerTo(toolExchanges(request).at(-1)!, ready.question)}.`;
      },
    });
  });
  afterAll(() => project?.cleanup());

  it('writes the log with the Write tool, with no permission prompt', () => {
    expect(permissionAsks(run)).toEqual([]);
    const exchanges = toolExchanges(run.main.at(-1)!);
    expect(exchanges.map((exchange) => [exchange.name, exchange.input.file_path, exchange.isError])).toEqual([
      ['Write', logPath, false],
      ['AskUserQuestion', undefined, false],
    ]);
  });

  it('shows the log\'s path and asks "Ready to start?" with AskUserQuestion, in the same turn', () => {
    expect(allText(run.main.at(-1)!)).toContain(`The session log is ${logPath}.`);
    expect(shown).toBe(`The session log is ${logPath}.`);
    expect(
      run.questions.map((asked) => [asked.question, asked.options.map((option) => option.label), asked.answer]),
    ).toEqual([['Ready to start?', ['Start now', 'Change something first'], 'Start now']]);
    expect(run.result.result).toBe('Starting: Start now.');
    expect(run.results).toHaveLength(1);
  });

  it("leaves the log in the main checkout with the template's headings, the goal and the plan", () => {
    expect(logPath).toMatch(new RegExp(`^${project.repo.main}/docs/session_logs/\\d{8}_\\d{4}_session\\.md$`));
    expect(existsSync(logPath)).toBe(true);
    const log = readFileSync(logPath, 'utf8');
    expect(log).toBe(content);
    const headings = log.split('\n').filter((line) => line.startsWith('#'));
    expect(headings).toEqual([
      `# Session: ${GOAL}`,
      '## Goals',
      '## Plan',
      '## Work log',
      '## Summary',
      '## Learnings',
    ]);
    expect(log).toContain('**Mode:** standard (main checkout)');
    expect(log).toContain(`## Goals\n\n- ${GOAL}\n`);
    expect(log).toContain(`## Plan\n\n1. ${PLAN[0]}\n2. ${PLAN[1]}\n`);
    expect(log).not.toMatch(/<[^>]+>/);
  });

  it('starts no parallel session: git sees only the new log, and no sessions folder appears', () => {
    expect(project.repo.git(['status', '--porcelain', '--untracked-files=all'])).toBe(
      `?? ${logPath.slice(project.repo.main.length + 1)}\n`,
    );
    expect(project.repo.git(['branch', '--list']).trim()).toBe('* main');
    expect(project.repo.git(['worktree', 'list', '--porcelain']).match(/^worktree /gm)).toHaveLength(1);
    expect(existsSync(project.repo.sessions)).toBe(false);
  });
});
