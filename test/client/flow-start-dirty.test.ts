/**
 * `/dev-session.start`, parallel, with uncommitted changes in the main checkout: the first start is refused
 * `main-dirty`, the model offers what the text's refusal table offers, and on the user's answer reruns the start
 * line with the flags that table gives for it: commit them first (with the user's message), stash them, or
 * proceed without them. Each answer in its own client session, in one project.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeClient } from './availability.js';
import { bashAsks, exitOf, jsonOf, permissionAsks } from './flow.js';
import { codeSpans, commandFromText, fillPlaceholders, tableRow } from './follow-text.js';
import { bash, commandText, lastToolResult, latestUserText, toolExchanges, type ToolExchange } from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude, type ClientRun } from './runner.js';

/** The uncommitted change each answer finds: a line of its own, so that it is a change after the commit before it. */
const changed = (name: string) => `# sample\n\nA note in progress before ${name}.\n`;
const MESSAGE = 'Notes before the session';

interface Answer {
  name: string;
  reply: string;
  /** The word that picks the table's rerun flags for this answer. */
  option: 'commit' | 'stash' | 'proceed';
  values: Record<string, string>;
}

const ANSWERS: Answer[] = [
  { name: 'dirty-commit', reply: `Commit them first, with the message "${MESSAGE}".`, option: 'commit', values: { message: MESSAGE } },
  { name: 'dirty-stash', reply: 'Stash them.', option: 'stash', values: {} },
  { name: 'dirty-proceed', reply: 'Proceed anyway; leave them here.', option: 'proceed', values: {} },
];

describeClient('/dev-session.start with uncommitted changes in the main checkout', () => {
  let project: ClientProject;
  beforeAll(async () => {
    project = await installedProject();
  });
  afterAll(() => project?.cleanup());

  describe.each(ANSWERS)('the user answers: $reply', (answer) => {
    let run: ClientRun;
    let refused: ToolExchange;
    let rerun: ToolExchange;
    let rerunCommand = '';
    let flags = '';
    let atRefusal = { worktree: true, branch: '' };
    let stashesBefore = 0;
    let headBefore = '';
    const CHANGED = changed(answer.name);
    beforeAll(async () => {
      project.repo.write('README.md', CHANGED);
      stashesBefore = project.repo.git(['stash', 'list']).split('\n').filter(Boolean).length;
      headBefore = project.repo.git(['rev-parse', 'HEAD']).trim();
      const goal = `Work on ${answer.name}`;
      run = await runClaude({
        home: project.home,
        cwd: project.repo.main,
        prompt: `/dev-session.start ${goal}. A parallel session named ${answer.name}, with that one goal; the plan is agreed.`,
        replies: [answer.reply],
        approve: true,
        script: (request) => {
          const text = commandText(request, '/dev-session.start');
          const start = commandFromText(text, { subcommand: 'start', containing: '--claude-session', values: { name: answer.name, 'goal 1': goal, 'goal 2': null, 'the agreed plan': '1. Do it.' } });
          const exchanges = toolExchanges(request);
          if (exchanges.length === 0) return [bash(start, 'Start the parallel session')];
          if (exchanges.length === 2) return `Parallel session created. To work in it: ${jsonOf(exchanges[1]!).next}`;
          const row = tableRow(text, jsonOf(exchanges[0]!).error?.code ?? 'none');
          if (exchanges.length === 1 && lastToolResult(request) !== null) {
            atRefusal = { worktree: existsSync(project.worktree(answer.name)), branch: project.repo.git(['branch', '--list', `session/${answer.name}`]) };
            // What the row says to tell the user and offer, as the model would put it.
            const offers = ['**commit them first**', '**stash them**', '**proceed anyway**'].every((offer) => row.includes(offer));
            return `You have uncommitted changes in the main checkout (README.md). ${offers ? 'Commit them first, stash them, or proceed anyway?' : row}`;
          }
          if (exchanges.length === 1) {
            if (latestUserText(request) !== answer.reply) throw new Error(`expected the user's answer, got ${latestUserText(request)}`);
            const options = codeSpans(row).filter((span) => span.startsWith('--if-dirty '));
            const chosen = options.filter((span) => span.startsWith(`--if-dirty ${answer.option}`));
            if (chosen.length !== 1) throw new Error(`expected one rerun for "${answer.option}" in the main-dirty row, found ${JSON.stringify(options)}`);
            flags = fillPlaceholders(chosen[0]!, answer.values);
            rerunCommand = start.replace(/ --json$/, ` ${flags} --json`);
            return [bash(rerunCommand, 'Start the parallel session again, as the user chose')];
          }
          throw new Error('unexpected turn');
        },
      });
      [refused, rerun] = toolExchanges(run.main.at(-1)!) as [ToolExchange, ToolExchange];
    });

    it('is refused main-dirty first, with nothing created', () => {
      expect(exitOf(refused)).toBe(1);
      expect(jsonOf(refused)).toMatchObject({ ok: false, error: { code: 'main-dirty', details: { tracked: [' M README.md'] } } });
      expect(atRefusal).toEqual({ worktree: false, branch: '' });
      expect(run.results[0]!.result).toBe('You have uncommitted changes in the main checkout (README.md). Commit them first, stash them, or proceed anyway?');
    });

    it('reruns the start line with the flags the refusal table gives for the answer, and it succeeds', () => {
      expect(flags).toBe({ commit: `--if-dirty commit --commit-message "${MESSAGE}"`, stash: '--if-dirty stash', proceed: '--if-dirty proceed' }[answer.option]);
      expect(exitOf(rerun)).toBe(0);
      expect(rerun.isError).toBe(false);
      expect(jsonOf(rerun)).toMatchObject({ ok: true, dirty: { action: answer.option, tracked: [' M README.md'] }, worktreePath: project.worktree(answer.name) });
      expect(project.repo.manifest().sessions.map((session: any) => session.id)).toContain(answer.name);
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
        expect(readFileSync(join(project.repo.main, 'README.md'), 'utf8')).toBe(project.repo.git(['show', 'HEAD:README.md']));
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

    it('asks the user about no call but the rerun after their answer (see the next test)', () => {
      expect(permissionAsks(run)).toEqual([`Bash: ${rerunCommand}`]);
    });

    // Defect: the command's allowed-tools grant its helper calls only in the turn of the slash command. The user's
    // answer to the refusal is a new turn, so the rerun the text prescribes there needs the user's approval again
    // (and is denied outright in -p mode).
    it.fails('runs the rerun after the user\'s answer without a permission prompt', () => {
      expect(bashAsks(run)).toEqual([]);
    });
  });

  it('leaves one session per answer and no other', () => {
    expect(project.repo.manifest().sessions.map((session: any) => session.id).sort()).toEqual(ANSWERS.map((answer) => answer.name).sort());
  });
});
