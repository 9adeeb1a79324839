/**
 * `/dev-session.start`, parallel, with uncommitted changes in the main checkout: the first start is refused
 * `main-dirty`; the model tells the user what the text's refusal table says and asks its question with
 * AskUserQuestion, the table's options as the question's; on the user's pick it reruns the start line with the
 * flags the table gives for it, in the same turn: commit them first (with the message the user types as their own
 * answer to the follow-up question), stash them, or proceed without them. Each answer in its own client session, in
 * one project, and none asks for any permission.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeClient } from './availability.js';
import { exitOf, jsonOf, permissionAsks } from './flow.js';
import {
  codeSpans,
  commandFromText,
  fillPlaceholders,
  fillTemplate,
  pickedOption,
  questionFromText,
  tableRow,
} from './follow-text.js';
import { allText, answerTo, askUser, bash, commandText, say, toolExchanges, type ToolExchange } from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude, type ClientRun } from './runner.js';

/** The uncommitted change each answer finds: a line of its own, so that it is a change after the commit before it. */
const changed = (name: string) => `# sample\n\nA note in progress before ${name}.\n`;
const MESSAGE = 'Notes before the session';

interface Answer {
  name: string;
  /** The option the user picks, by its label. */
  pick: string;
  /** The word of the `--if-dirty` flag the table gives for that option. */
  option: 'commit' | 'stash' | 'proceed';
  /** What the user types as their own answer to the follow-up question, if the option has one. */
  typed?: string;
}

const ANSWERS: Answer[] = [
  { name: 'dirty-commit', pick: 'Commit them first', option: 'commit', typed: MESSAGE },
  { name: 'dirty-stash', pick: 'Stash them', option: 'stash' },
  { name: 'dirty-proceed', pick: 'Proceed anyway', option: 'proceed' },
];

describeClient('/dev-session.start with uncommitted changes in the main checkout', () => {
  let project: ClientProject;
  beforeAll(async () => {
    project = await installedProject();
  });
  afterAll(() => project?.cleanup());

  describe.each(ANSWERS)('the user answers: $pick', (answer) => {
    let run: ClientRun;
    let refused: ToolExchange;
    let rerun: ToolExchange;
    let rerunCommand = '';
    let flags = '';
    let told = '';
    let atRefusal = { worktree: true, branch: '' };
    let stashesBefore = 0;
    let headBefore = '';
    const CHANGED = changed(answer.name);
    beforeAll(async () => {
      project.repo.write('README.md', CHANGED);
      stashesBefore = project.repo.git(['stash', 'list']).split('\n').filter(Boolean).length;
      headBefore = project.repo.git(['rev-parse', 'HEAD']).trim();
      const goal = `Work on ${answer.name}`;
      let asked = 0;
      run = await runClaude({
        home: project.home,
        cwd: project.repo.main,
        prompt: `/dev-session.start ${goal}. A parallel session named ${answer.name}, with that one goal; the plan is agreed.`,
        // The user at the keyboard: the option they chose first, then, if asked, their own words.
        answer: () => (asked++ === 0 ? answer.pick : (answer.typed ?? 'no second question was expected')),
        script: (request) => {
          const text = commandText(request, '/dev-session.start');
          const start = commandFromText(text, {
            subcommand: 'start',
            containing: '--claude-session',
            values: { name: answer.name, 'goal 1': goal, 'goal 2': null, 'the agreed plan': '1. Do it.' },
          });
          const exchanges = toolExchanges(request);
          if (exchanges.length === 0) return [bash(start, 'Start the parallel session')];
          const refusal = jsonOf(exchanges[0]!);
          const row = tableRow(text, refusal.error?.code ?? 'none');
          // What the row says to tell the user, the files, and its question with its options.
          const files = (refusal.error.details.tracked as string[]).map((line) => line.slice(3)).join(', ');
          const choice = questionFromText(row, 'What should happen');
          const question = fillTemplate(choice.question, { files });
          if (exchanges.length === 1) {
            atRefusal = {
              worktree: existsSync(project.worktree(answer.name)),
              branch: project.repo.git(['branch', '--list', `session/${answer.name}`]),
            };
            const words = /^"([^"]+)"/.exec(row)?.[1];
            if (!words) throw new Error(`the main-dirty row gives no words to tell the user: ${row}`);
            told = `${words} The changes: ${files}.`;
            return [
              say(told),
              askUser(
                question,
                choice.options.map((option) => option.label),
                'Changes',
              ),
            ];
          }
          const picked = pickedOption(choice, answerTo(exchanges[1]!, question));
          // An option with a question of its own (the commit's message) asks it next, with messages the model proposes.
          const followUp = /\bask "([^"]+)"/.exec(picked.body)?.[1];
          if (followUp && exchanges.length === 2)
            return [
              askUser(
                followUp,
                [`Work in progress before ${answer.name}`, `Save the notes before ${answer.name}`],
                'Message',
              ),
            ];
          if (exchanges.length === (followUp ? 3 : 2)) {
            const rerunFlags = codeSpans(picked.body).filter((span) => span.startsWith('--if-dirty '));
            if (rerunFlags.length !== 1)
              throw new Error(
                `expected one rerun for "${picked.label}" in the main-dirty row, found ${JSON.stringify(rerunFlags)}`,
              );
            flags = fillPlaceholders(rerunFlags[0]!, followUp ? { message: answerTo(exchanges[2]!, followUp) } : {});
            rerunCommand = start.replace(/ --json$/, ` ${flags} --json`);
            return [bash(rerunCommand, 'Start the parallel session again, as the user chose')];
          }
          return `Parallel session created. To work in it: ${jsonOf(exchanges.at(-1)!).next}`;
        },
      });
      const exchanges = toolExchanges(run.main.at(-1)!);
      refused = exchanges[0]!;
      rerun = exchanges.at(-1)!;
    });

    it('is refused main-dirty first, with nothing created, and tells the user what the table says', () => {
      expect(exitOf(refused)).toBe(1);
      expect(jsonOf(refused)).toMatchObject({
        ok: false,
        error: { code: 'main-dirty', details: { tracked: [' M README.md'] } },
      });
      expect(atRefusal).toEqual({ worktree: false, branch: '' });
      expect(told).toBe(
        'You have uncommitted changes in the main checkout. Parallel sessions branch from the last commit, so they would not be in the new worktree. The changes: README.md.',
      );
      expect(allText(run.main.at(-1)!)).toContain(told);
    });

    it("asks the table's question with AskUserQuestion, its three options the table's, and the commit's message as a follow-up", () => {
      const [choice, ...more] = run.questions;
      expect(choice).toMatchObject({
        question: 'What should happen to the uncommitted changes in README.md?',
        answer: answer.pick,
      });
      expect(choice!.options.map((option) => option.label)).toEqual([
        'Commit them first',
        'Stash them',
        'Proceed anyway',
      ]);
      expect(more.map((asked) => [asked.question, asked.answer])).toEqual(
        answer.typed ? [['Which commit message should the changes get?', answer.typed]] : [],
      );
      expect(toolExchanges(run.main.at(-1)!).map((exchange) => exchange.name)).toEqual([
        'Bash',
        'AskUserQuestion',
        ...(answer.typed ? ['AskUserQuestion'] : []),
        'Bash',
      ]);
    });

    it('reruns the start line with the flags the refusal table gives for the answer, and it succeeds', () => {
      expect(flags).toBe(
        {
          commit: `--if-dirty commit --commit-message "${MESSAGE}"`,
          stash: '--if-dirty stash',
          proceed: '--if-dirty proceed',
        }[answer.option],
      );
      expect(rerun.input.command).toBe(rerunCommand);
      expect(exitOf(rerun)).toBe(0);
      expect(rerun.isError).toBe(false);
      expect(jsonOf(rerun)).toMatchObject({
        ok: true,
        dirty: { action: answer.option, tracked: [' M README.md'] },
        worktreePath: project.worktree(answer.name),
      });
      expect(project.repo.manifest().sessions.map((session: any) => session.id)).toContain(answer.name);
      expect(run.result.result).toBe(`Parallel session created. To work in it: ${jsonOf(rerun).next}`);
    });

    it('leaves the main checkout as the answer promises', () => {
      const worktreeReadme = readFileSync(join(project.worktree(answer.name), 'README.md'), 'utf8');
      const stashes = project.repo.git(['stash', 'list']).split('\n').filter(Boolean);
      if (answer.option === 'commit') {
        expect(project.repo.git(['log', '-1', '--format=%s', 'main']).trim()).toBe(MESSAGE);
        expect(project.repo.git(['rev-parse', 'main~1']).trim()).toBe(headBefore);
        expect(project.repo.git(['show', 'main:README.md'])).toBe(CHANGED);
        expect(project.repo.git(['status', '--porcelain'])).toBe('');
        expect(jsonOf(rerun).dirty.commit).toBe(project.repo.git(['rev-parse', 'main']).trim());
        // The session branches from that commit, so the change comes along.
        expect(worktreeReadme).toBe(CHANGED);
      } else if (answer.option === 'stash') {
        expect(stashes).toHaveLength(stashesBefore + 1);
        expect(jsonOf(rerun).dirty.stash).toBe(project.repo.git(['rev-parse', 'stash@{0}']).trim());
        expect(project.repo.git(['show', 'stash@{0}:README.md'])).toBe(CHANGED);
        expect(project.repo.git(['status', '--porcelain'])).toBe('');
        expect(readFileSync(join(project.repo.main, 'README.md'), 'utf8')).toBe(
          project.repo.git(['show', 'HEAD:README.md']),
        );
        expect(project.repo.git(['rev-parse', 'HEAD']).trim()).toBe(headBefore);
      } else {
        expect(stashes).toHaveLength(stashesBefore);
        expect(project.repo.git(['rev-parse', 'HEAD']).trim()).toBe(headBefore);
        expect(project.repo.git(['status', '--porcelain'])).toBe(' M README.md\n');
        expect(readFileSync(join(project.repo.main, 'README.md'), 'utf8')).toBe(CHANGED);
        expect(worktreeReadme).toBe(project.repo.git(['show', 'HEAD:README.md']));
        expect(worktreeReadme).not.toBe(CHANGED);
      }
    });

    it("runs the rerun after the user's answer in the same turn, with no permission prompt at all", () => {
      expect(permissionAsks(run)).toEqual([]);
      expect(run.results).toHaveLength(1);
    });
  });

  it('leaves one session per answer and no other', () => {
    expect(
      project.repo
        .manifest()
        .sessions.map((session: any) => session.id)
        .sort(),
    ).toEqual(ANSWERS.map((answer) => answer.name).sort());
  });
});
