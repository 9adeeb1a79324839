/**
 * `/dev-session.end` run inside a session worktree, once per way the work comes back: a PR (after the whole ritual:
 * review, session log, progress entry, commit; the PR's body is the committed log's summary), keep without a push,
 * keep with a push to origin (typed by the user, since beside other active sessions Ready to land takes Keep's
 * place among the four options), abandon, confirmed by the name the user types (a mistyped one first), and ready to
 * land, which only marks the session. The user picks the strategy, the push and the typed name in AskUserQuestion,
 * whose answers come back in the command's own turn, so no step after them asks for permission. Each follows the lines and questions the command text gives,
 * and each ends with the worktree gone and the strategy's promises kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addOrigin, ghCalls, ghPresentEnv, history, sessionWithWork } from '../helpers/end.js';
import { describeClient } from './availability.js';
import { exitOf, gone, jsonOf, permissionAsks, refExists, stateOf, worktreePaths, withoutAgentColumn } from './flow.js';
import {
  commandFromText,
  fencedBlocks,
  fillTemplate,
  lineFromText,
  pickedOption,
  questionFromText,
  type TextQuestion,
} from './follow-text.js';
import {
  allText,
  answerTo,
  askUser,
  bash,
  commandText,
  edit,
  hookContexts,
  lastToolResult,
  say,
  toolExchanges,
  write,
  type ModelRequest,
  type ToolExchange,
  type TurnBlock,
} from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude, type ClientRun } from './runner.js';

const read = (file_path: string): TurnBlock => ({ type: 'tool_use', name: 'Read', input: { file_path } });
const TITLE = 'Add the shipping notes';
const COMMIT = 'Close the shipping session';
const SUMMARY = 'Added the shipping notes; nothing is left open.';

/** The facts of session `name` the inlined status gives: its base branch and its session log. */
/** The other sessions the inlined status lists as active. */
function otherActive(inlined: string, name: string): string[] {
  return [...withoutAgentColumn(inlined).matchAll(/^([a-z0-9-]+) +active +/gm)]
    .map((match) => match[1]!)
    .filter((id) => id !== name);
}

function statusFacts(inlined: string, name: string): { base: string; log: string } {
  const text = withoutAgentColumn(inlined);
  const base = new RegExp(`^${name} +\\S+ +(\\S+) +[+-]`, 'm').exec(text)?.[1];
  const log = new RegExp(`^${name} +session/${name} +\\S+ +(docs/\\S+_session\\.md)$`, 'm').exec(text)?.[1];
  if (!base || !log) throw new Error(`the inlined status gives no base or session log for ${name}`);
  return { base, log };
}

describeClient('/dev-session.end from inside the worktree, by strategy', () => {
  let project: ClientProject;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    project = await installedProject();
    addOrigin(project.repo);
    env = ghPresentEnv(project.repo);
    sessionWithWork(project.repo, 'shipped', { 'notes/shipping.md': '# Shipping\n' }, ['Add the shipping notes']);
    sessionWithWork(project.repo, 'parked', { 'notes/parked.md': '# Parked\n' }, ['Park the idea']);
    sessionWithWork(project.repo, 'backed-up', { 'notes/backup.md': '# Backup\n' }, ['Back it up']);
    const dropped = sessionWithWork(project.repo, 'dropped', { 'notes/dropped.md': '# Dropped\n' }, ['Try an idea']);
    project.repo.write('README.md', '# sample\n\nAn unfinished thought.\n', dropped);
    project.repo.write('notes/scratch.txt', 'scratch\n', dropped);
  });
  afterAll(() => project?.cleanup());

  /** What every end promises: exit 0 and ok, the worktree out of git's list and, once the shell exits, gone. */
  function itEndsCleanly(name: string, strategy: string, get: () => { run: ClientRun; end: ToolExchange }) {
    it(`reports ok with exit 0, and the worktree is gone from git and from disk (${strategy})`, async () => {
      const { end } = get();
      expect(exitOf(end)).toBe(0);
      expect(end.isError).toBe(false);
      expect(end.output).not.toContain('getcwd');
      expect(jsonOf(end)).toMatchObject({
        ok: true,
        command: 'end',
        strategy,
        worktreeRemoved: true,
        next: expect.arrayContaining([`cd ${project.repo.main}`]),
      });
      expect(jsonOf(end).leftForCaller).toEqual([project.worktree(name)]);
      expect(worktreePaths(project.repo)).not.toContain(project.worktree(name));
      expect(await gone(project.worktree(name))).toBe(true);
      expect(project.repo.manifest().sessions.map((session: any) => session.id)).not.toContain(name);
      expect(
        history(project.repo)
          .filter((entry) => entry.id === name)
          .map((entry) => entry.strategy),
      ).toEqual([strategy]);
    });

    it(`gives the model the session context at start-up, and the helper's Next line to relay (${strategy})`, () => {
      const { run } = get();
      const [context] = hookContexts(run.main[0]!, 'SessionStart');
      expect(context).toContain(
        `This is parallel dev session "${name}": branch session/${name}, based on main, worktree ${project.worktree(name)}.`,
      );
      expect(run.result.result).toContain(
        `Close this Claude session and continue in the main checkout: \`cd ${project.repo.main}\``,
      );
    });
  }

  /** B2's question, as the text words it, with its options. */
  /**
   * B2's question as the text has it asked of session `name`: its four options, with the one the text names standing
   * in for Keep when the inlined status lists other active sessions.
   */
  const integrate = (text: string, name: string): TextQuestion => {
    const question = questionFromText(text, 'How would you like to integrate');
    if (otherActive(text, name).length === 0) return question;
    const swap = /ask with \*\*([^*]+)\*\* \(([^)]*)\) in place of \*\*([^*]+)\*\*/.exec(text.replace(/\s+/g, ' '));
    if (!swap) throw new Error('the text says nothing of the option to offer beside other sessions');
    return {
      ...question,
      options: question.options.map((option) =>
        option.label === swap[3] ? { label: swap[1]!, body: swap[2]! } : option,
      ),
    };
  };
  /** The strategy each of B2's options means, as its bullets below the question say; "keep" is what a user types. */
  const STRATEGY: Record<string, string> = {
    'Create a PR': 'pr',
    'Merge directly': 'merge',
    'Keep the branch for later': 'keep',
    'Ready to land': 'ready',
    Abandon: 'abandon',
  };
  /** Asks B2's question with AskUserQuestion. */
  const askIntegrate = (text: string, name: string): TurnBlock =>
    askUser(
      integrate(text, name).question,
      integrate(text, name).options.map((option) => option.label),
      'Integrate',
    );
  /** The strategy the user picked, or typed as their own answer, in the answer to B2's question. */
  const strategyFrom = (text: string, name: string, exchange: ToolExchange): string => {
    const question = integrate(text, name);
    const answer = answerTo(exchange, question.question);
    return answer.trim().toLowerCase() === 'keep' ? 'keep' : STRATEGY[pickedOption(question, answer).label]!;
  };

  /** The text's closing words, with the helper's Next line. */
  const closing = (request: ModelRequest, exchange: ToolExchange) => {
    const text = commandText(request, '/dev-session.end');
    const told = /tell the user: "(This session is over[^"]*)"/.exec(text.replace(/\s+/g, ' '));
    if (!told) throw new Error('the text gives no closing words');
    return fillTemplate(told[1]!, { "the helper's Next line": jsonOf(exchange).next[0] });
  };

  describe('pr, after the ritual', () => {
    let run: ClientRun;
    let end: ToolExchange;
    let logPath = '';
    beforeAll(async () => {
      const worktree = project.worktree('shipped');
      run = await runClaude({
        home: project.home,
        cwd: worktree,
        env,
        prompt: `/dev-session.end Commit the session log and the progress entry as "${COMMIT}".`,
        permissionMode: 'acceptEdits',
        answer: () => 'Create a PR',
        maxTurns: 12,
        script: (request) => {
          const text = commandText(request, '/dev-session.end');
          const { base, log } = statusFacts(text, 'shipped');
          logPath = join(worktree, log);
          const done = toolExchanges(request).length;
          const steps: Array<() => TurnBlock[] | string> = [
            // A1: review, as the text lists it, and the session's own commits since its base.
            () => [
              bash(lineFromText(text, { startsWith: 'git status', values: {} })),
              bash(lineFromText(text, { startsWith: 'git log', containing: '-20', values: {} })),
              bash(lineFromText(text, { startsWith: 'git diff', containing: '--stat', values: {} })),
              bash(
                lineFromText(text, {
                  startsWith: 'git log',
                  containing: '..HEAD',
                  inline: true,
                  values: { 'base branch': base },
                }),
              ),
              read(logPath),
            ],
            // A3 and A4: the session log's summary, and a progress entry from the text's template.
            () => {
              const [template] = fencedBlocks(text, ['markdown']).filter((block) => block.startsWith('### '));
              if (!template) throw new Error('the text gives no progress entry template');
              const name = log.split('/').at(-1)!;
              const entry = fillTemplate(template, {
                'YYYY-MM-DD HH:MM': '2026-01-15 11:00',
                'what changed, in one line': 'Added the shipping notes',
                'a decision, or what is still open': 'Nothing is open',
                'log file name': name,
              });
              return [
                edit(logPath, '## Summary\n\n_Written at /dev-session.end._', `## Summary\n\n${SUMMARY}`),
                write(join(worktree, 'docs/progress.md'), `# Progress\n\n${entry}\n`),
              ];
            },
            // A7: commit, staging by name.
            () => [bash(lineFromText(text, { startsWith: 'git add', values: { paths: [log, 'docs/progress.md'] } }))],
            () => [bash(lineFromText(text, { startsWith: 'git commit', values: { message: COMMIT } }))],
            // B2: how the work comes back, asked with AskUserQuestion.
            () => [askIntegrate(text, 'shipped')],
            // B3, as the user chose: the title the model proposes, and no body file (the helper takes the log's summary).
            () => {
              const strategy = strategyFrom(text, 'shipped', lastToolResult(request)!);
              return [
                bash(
                  commandFromText(text, {
                    subcommand: 'end',
                    containing: `--strategy ${strategy}`,
                    values: { name: 'shipped', title: TITLE },
                  }),
                  'Push and open the PR',
                ),
              ];
            },
          ];
          // Each step is one turn; a step's results must be in before the next.
          const turn = [0, 5, 7, 8, 9, 10, 11].indexOf(done);
          if (turn < 0) throw new Error(`unexpected number of tool results: ${done}`);
          return turn < steps.length ? steps[turn]!() : closing(request, lastToolResult(request)!);
        },
      });
      end = toolExchanges(run.main.at(-1)!).at(-1)!;
    });

    itEndsCleanly('shipped', 'pr', () => ({ run, end }));

    it('runs every git and helper line the text gives, and each succeeds', () => {
      const exchanges = toolExchanges(run.main.at(-1)!);
      expect(exchanges.filter((exchange) => exchange.isError)).toEqual([]);
      // The review's reads run side by side, so their results may come in any order.
      expect(exchanges.map((exchange) => exchange.name).sort()).toEqual([
        'AskUserQuestion',
        'Bash',
        'Bash',
        'Bash',
        'Bash',
        'Bash',
        'Bash',
        'Bash',
        'Edit',
        'Read',
        'Write',
      ]);
      const commands = exchanges
        .filter((exchange) => exchange.name === 'Bash')
        .map((exchange) => exchange.input.command);
      expect(commands.slice(0, 4).sort()).toEqual([
        'git diff --stat',
        'git log --oneline -20',
        'git log --oneline main..HEAD',
        'git status',
      ]);
      expect(commands.slice(4)).toEqual([
        `git add ${logPath.slice(project.worktree('shipped').length + 1)} docs/progress.md`,
        `git commit -m "${COMMIT}"`,
        `node "${project.worktree('shipped')}/.claude/commands/flight-rules/session.mjs" end shipped --strategy pr --pr-title "${TITLE}" --json`,
      ]);
    });

    it("asks how the work comes back with AskUserQuestion, B2's options as its own, and runs the end in the same turn", () => {
      expect(
        run.questions.map((asked) => [asked.question, asked.options.map((option) => option.label), asked.answer]),
      ).toEqual([
        // The other sessions are active, so Ready to land stands in for Keep.
        [
          'How would you like to integrate these changes?',
          ['Create a PR', 'Merge directly', 'Ready to land', 'Abandon'],
          'Create a PR',
        ],
      ]);
      expect(
        toolExchanges(run.main.at(-1)!)
          .slice(-2)
          .map((exchange) => exchange.name),
      ).toEqual(['AskUserQuestion', 'Bash']);
      expect(run.results).toHaveLength(1);
    });

    it('asks for no permission at all: the edits are in the worktree, and no body file is written', () => {
      expect(permissionAsks(run)).toEqual([]);
      expect(
        toolExchanges(run.main.at(-1)!)
          .filter((exchange) => exchange.name === 'Write')
          .map((exchange) => exchange.input.file_path),
      ).toEqual([join(project.worktree('shipped'), 'docs/progress.md')]);
    });

    it('commits the session log and the progress entry on the branch, pushes it and opens the PR from the main checkout', () => {
      const json = jsonOf(end);
      expect(json).toMatchObject({
        push: { remote: 'origin', pushed: true },
        pr: { created: true, url: 'https://github.com/example/project/pull/42', title: TITLE },
        branch: { name: 'session/shipped', kept: true, deleted: false },
      });
      const tip = project.repo.git(['rev-parse', 'session/shipped']).trim();
      expect(json.head).toBe(tip);
      expect(project.repo.git(['ls-remote', 'origin', 'refs/heads/session/shipped']).split('\t')[0]).toBe(tip);
      expect(project.repo.git(['log', '-1', '--format=%s', tip]).trim()).toBe(COMMIT);
      const log = logPath.slice(project.worktree('shipped').length + 1);
      expect(
        project.repo
          .git(['diff', '--name-only', `${tip}~1`, tip])
          .trim()
          .split('\n')
          .sort(),
      ).toEqual(['docs/progress.md', log].sort());
      expect(project.repo.git(['show', `${tip}:${log}`])).toContain(`## Summary\n\n${SUMMARY}\n`);
      expect(project.repo.git(['show', `${tip}:docs/progress.md`])).toContain(
        `- Session log: [${log.split('/').at(-1)}](session_logs/${log.split('/').at(-1)})`,
      );
      const calls = ghCalls(project.repo);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.argv.slice(0, 2)).toEqual(['pr', 'create']);
      expect(calls[0]!.argv).toEqual(expect.arrayContaining(['--title', TITLE, '--head', 'session/shipped']));
      expect(calls[0]!.cwd).toBe(project.repo.main);
    });

    it("gives gh the committed session log's Summary as the PR's body", () => {
      const calls = ghCalls(project.repo);
      expect(calls[0]!.body).toBe(SUMMARY);
      expect(jsonOf(end).pr.body).toBe(SUMMARY);
      expect(end.input.command).not.toContain('--pr-body-file');
    });
  });

  describe.each([
    { name: 'parked', push: 'Keep it local', pushed: false },
    { name: 'backed-up', push: 'Push it', pushed: true },
  ])('keep, and to the push question the user answers: $push', ({ name, push, pushed }) => {
    let run: ClientRun;
    let end: ToolExchange;
    let before = '';
    beforeAll(async () => {
      before = project.repo.git(['rev-parse', `session/${name}`]).trim();
      let asked = 0;
      run = await runClaude({
        home: project.home,
        cwd: project.worktree(name),
        env,
        prompt: '/dev-session.end',
        // Keep is not among the options beside other active sessions: the user types it.
        answer: () => (asked++ === 0 ? 'keep' : push),
        script: (request) => {
          const text = commandText(request, '/dev-session.end');
          const exchanges = toolExchanges(request);
          // B2's Keep bullet: whether to push too, and to which remote.
          const pushing = questionFromText(text, 'Push the branch too');
          const keep = (values: Record<string, string>) => [
            bash(
              commandFromText(text, {
                subcommand: 'end',
                containing: values.remote ? '--strategy keep --remote' : '--strategy keep --json',
                values: { name, ...values },
              }),
              'Keep the branch',
            ),
          ];
          if (exchanges.length === 0) return [askIntegrate(text, name)];
          if (exchanges.length === 1) {
            if (strategyFrom(text, name, exchanges[0]!) !== 'keep')
              throw new Error(`expected keep, got ${exchanges[0]!.output}`);
            return [
              askUser(
                pushing.question,
                pushing.options.map((option) => option.label),
                'Push',
              ),
            ];
          }
          if (exchanges.length === 2) {
            const picked = pickedOption(pushing, answerTo(exchanges[1]!, pushing.question));
            if (picked.label !== 'Push it') return keep({});
            // "usually origin; if `git remote` lists several, ask which".
            return [
              bash(lineFromText(text, { startsWith: 'git remote', inline: true, values: {} }), 'List the remotes'),
            ];
          }
          const last = lastToolResult(request)!;
          if (last.input.command === 'git remote') {
            const remotes = last.output.trim().split('\n');
            if (remotes.length !== 1) throw new Error(`expected one remote, got ${last.output}`);
            return keep({ remote: remotes[0]! });
          }
          return closing(request, last);
        },
      });
      end = toolExchanges(run.main.at(-1)!).at(-1)!;
    });

    itEndsCleanly(name, 'keep', () => ({ run, end }));

    it("asks the strategy and then the push with AskUserQuestion, each with the text's options", () => {
      expect(
        run.questions.map((asked) => [asked.question, asked.options.map((option) => option.label), asked.answer]),
      ).toEqual([
        [
          'How would you like to integrate these changes?',
          ['Create a PR', 'Merge directly', 'Ready to land', 'Abandon'],
          'keep',
        ],
        ['Push the branch too, as a backup or to share it?', ['Push it', 'Keep it local'], push],
      ]);
      expect(toolExchanges(run.main.at(-1)!).map((exchange) => exchange.input.command ?? exchange.name)).toEqual([
        'AskUserQuestion',
        'AskUserQuestion',
        ...(pushed ? ['git remote'] : []),
        end.input.command,
      ]);
    });

    it('runs the keep line after the answers in the same turn, with no permission prompt', () => {
      expect(permissionAsks(run)).toEqual([]);
      expect(run.results).toHaveLength(1);
      expect(end.input.command).toBe(
        `node "${project.worktree(name)}/.claude/commands/flight-rules/session.mjs" end ${name} --strategy keep${pushed ? ' --remote origin' : ''} --json`,
      );
    });

    it(
      pushed
        ? 'keeps the branch with the merge-pending note, and pushes it to origin'
        : 'keeps the branch with the merge-pending note, and pushes nothing',
      () => {
        const tip = project.repo.git(['rev-parse', `session/${name}`]).trim();
        expect(project.repo.git(['rev-parse', `${tip}~1`]).trim()).toBe(before);
        expect(project.repo.git(['log', '-1', '--format=%s', tip]).trim()).toMatch(/merge pending/);
        expect(project.repo.git(['diff', '--name-only', before, tip]).trim()).toMatch(
          /^docs\/session_logs\/\S+_session\.md$/,
        );
        expect(jsonOf(end)).toMatchObject({
          head: tip,
          branch: { name: `session/${name}`, kept: true, deleted: false },
        });
        const remote = project.repo.git(['ls-remote', 'origin', `refs/heads/session/${name}`]);
        if (pushed) {
          expect(jsonOf(end).push).toMatchObject({ remote: 'origin', pushed: true });
          expect(remote.split('\t')[0]).toBe(tip);
        } else {
          expect(jsonOf(end).push).toBeNull();
          expect(remote).toBe('');
        }
      },
    );
  });

  describe('abandon, confirmed by the typed name (mistyped first)', () => {
    const NAME = 'dropped';
    const TYPO = 'droped';
    let run: ClientRun;
    let mistyped: ToolExchange;
    let end: ToolExchange;
    let before: Record<string, unknown> = {};
    let atRefusal: Record<string, unknown> = {};
    let tip = '';
    let retold = '';
    beforeAll(async () => {
      tip = project.repo.git(['rev-parse', `session/${NAME}`]).trim();
      before = stateOf(project.repo);
      // The user at the keyboard: Abandon, then the name as their own answer, mistyped the first time.
      const answers = ['Abandon', TYPO, NAME];
      run = await runClaude({
        home: project.home,
        cwd: project.worktree(NAME),
        env,
        prompt: '/dev-session.end',
        answer: () => answers.shift() ?? 'no further question was expected',
        script: (request) => {
          const text = commandText(request, '/dev-session.end');
          const exchanges = toolExchanges(request);
          const last = lastToolResult(request);
          // B2's Abandon bullet: its question, for this session's name.
          const typeIt = questionFromText(text, 'Type `<name>`');
          const question = fillTemplate(typeIt.question, { name: NAME });
          const askToType = () =>
            askUser(
              question,
              typeIt.options.map((option) => option.label),
              'Confirm',
            );
          if (exchanges.length === 0) return [askIntegrate(text, NAME)];
          if (exchanges.length === 1) {
            if (strategyFrom(text, NAME, exchanges[0]!) !== 'abandon')
              throw new Error(`expected abandon, got ${exchanges[0]!.output}`);
            return [askToType()];
          }
          if (last === null) throw new Error('expected a tool result');
          if (last.name === 'AskUserQuestion') {
            const typed = answerTo(last, question);
            if (typeIt.options.some((option) => option.label === typed))
              throw new Error(`this test's user types the name, but picked ${typed}`);
            // Exactly what they typed, as --confirm.
            return [
              bash(
                commandFromText(text, {
                  subcommand: 'end',
                  containing: '--strategy abandon',
                  values: { name: NAME, 'typed name': typed },
                }),
                'Abandon the session',
              ),
            ];
          }
          const json = jsonOf(last);
          if (!json.ok) {
            atRefusal = stateOf(project.repo);
            // The text's rule for this code: ask again, never fill it in.
            const rule = new RegExp(`\`${json.error.code}\`: ([^\n]*(?:\n {2}[^\n]*)*)`)
              .exec(text)?.[1]
              ?.replace(/\s+/g, ' ');
            if (exitOf(last) !== 1 || !rule?.includes('Ask the user again to type it'))
              throw new Error(`the text gives no rule to ask again for ${last.output}`);
            retold = `That did not match, so nothing was discarded: ${json.error.message}`;
            return [say(retold), askToType()];
          }
          return `Saved: ${json.saved.restore.join('; ')}. ${closing(request, last)}`;
        },
      });
      const exchanges = toolExchanges(run.main.at(-1)!).filter((exchange) => exchange.name === 'Bash');
      [mistyped, end] = exchanges as [ToolExchange, ToolExchange];
    });

    it('asks the strategy, then for the typed name, with AskUserQuestion, before anything runs; and again after the mismatch', () => {
      const typeIt = `Type \`${NAME}\` to discard this session's changes.`;
      expect(
        run.questions.map((asked) => [asked.question, asked.options.map((option) => option.label), asked.answer]),
      ).toEqual([
        [
          'How would you like to integrate these changes?',
          ['Create a PR', 'Merge directly', 'Keep the branch for later', 'Abandon'],
          'Abandon',
        ],
        [typeIt, ['Keep the branch instead', 'Do not end it now'], TYPO],
        [typeIt, ['Keep the branch instead', 'Do not end it now'], NAME],
      ]);
      expect(toolExchanges(run.main.at(-1)!).map((exchange) => exchange.name)).toEqual([
        'AskUserQuestion',
        'AskUserQuestion',
        'Bash',
        'AskUserQuestion',
        'Bash',
      ]);
      expect(allText(run.main.at(-1)!)).toContain(retold);
    });

    it('refuses the mistyped confirmation with exit 1, confirmation-mismatch, and nothing changes', () => {
      expect(mistyped.input.command).toBe(
        `node "${project.worktree(NAME)}/.claude/commands/flight-rules/session.mjs" end ${NAME} --strategy abandon --confirm ${TYPO} --json`,
      );
      expect(exitOf(mistyped)).toBe(1);
      expect(jsonOf(mistyped)).toMatchObject({
        ok: false,
        error: {
          code: 'confirmation-mismatch',
          message: expect.stringContaining(`--confirm "${TYPO}" does not match the session's name`),
        },
      });
      expect(atRefusal).toEqual(before);
    });

    it('has the refusal say to ask the user again, without spelling out the name to pass', () => {
      const next: string = jsonOf(mistyped).error.next;
      expect(next).toMatch(/^Ask the user to type the session's name/);
      expect(next).not.toContain(`--confirm ${NAME}`);
      expect(next).not.toContain(`--confirm "${NAME}"`);
      expect(next).toContain('--confirm "<exactly what they typed>"');
    });

    it("finds the text's rule for confirmation-mismatch among the exit-1 refusals, the exit the helper gives it", () => {
      const text = commandText(run.main[0]!, '/dev-session.end').replace(/\s+/g, ' ');
      const exit1 = text.indexOf('**`"ok": false`, exit 1: refused.**');
      const exit2 = text.indexOf('**Exit 2: usage error.**');
      const mismatch = text.indexOf('`confirmation-mismatch`: ');
      expect([exit1 >= 0, exit1 < mismatch, mismatch < exit2]).toEqual([true, true, true]);
      // The bullet, up to the next one.
      expect(text.slice(mismatch, text.indexOf(' - ', mismatch))).toContain(
        'nothing was discarded. Ask the user again to type it, or drop the abandon; never fill it in yourself.',
      );
      expect(text.slice(exit2)).not.toContain('confirmation');
    });

    itEndsCleanly(NAME, 'abandon', () => ({ run, end }));

    it('saves the tip and the uncommitted work under refs/sessions/abandoned/, deletes the branch, and the printed commands restore both', () => {
      const json = jsonOf(end);
      expect(json.saved.tip).toMatch(new RegExp(`^refs/sessions/abandoned/${NAME}/\\d{8}T\\d{6}Z$`));
      expect(project.repo.git(['rev-parse', json.saved.tip]).trim()).toBe(tip);
      expect(json.branch).toMatchObject({ name: `session/${NAME}`, deleted: true });
      expect(refExists(project.repo, `refs/heads/session/${NAME}`)).toBe(false);
      const [restoreBranch, restoreWork] = json.saved.restore as string[];
      expect(restoreBranch).toBe(`git branch session/${NAME} ${json.saved.tip}`);
      expect(restoreWork).toMatch(
        new RegExp(`^git stash apply ${json.saved.worktree} +\\(inside a checkout of session/${NAME}\\)$`),
      );
      project.repo.git(restoreBranch!.split(' ').slice(1));
      const checkout = join(project.repo.root, 'restored');
      project.repo.git(['worktree', 'add', '-q', checkout, `session/${NAME}`]);
      project.repo.git(
        restoreWork!
          .replace(/ +\(.*\)$/, '')
          .split(' ')
          .slice(1),
        checkout,
      );
      expect(readFileSync(join(checkout, 'README.md'), 'utf8')).toBe('# sample\n\nAn unfinished thought.\n');
      expect(readFileSync(join(checkout, 'notes/scratch.txt'), 'utf8')).toBe('scratch\n');
      expect(readFileSync(join(checkout, 'notes/dropped.md'), 'utf8')).toBe('# Dropped\n');
    });

    it('runs both abandon lines after the typed names in the same turn, with no permission prompt', () => {
      expect(end.input.command).toBe(
        `node "${project.worktree(NAME)}/.claude/commands/flight-rules/session.mjs" end ${NAME} --strategy abandon --confirm ${NAME} --json`,
      );
      expect(permissionAsks(run)).toEqual([]);
      expect(run.results).toHaveLength(1);
    });
  });

  describe('ready to land, beside another active session', () => {
    let run: ClientRun;
    let marked: ToolExchange;
    let tip = '';
    beforeAll(async () => {
      const worktree = sessionWithWork(project.repo, 'finished', { 'notes/finished.md': '# Finished\n' }, [
        'Finish the notes',
      ]);
      sessionWithWork(project.repo, 'neighbour', { 'notes/neighbour.md': '# Neighbour\n' }, ['Work beside it']);
      tip = project.repo.git(['rev-parse', 'session/finished']).trim();
      run = await runClaude({
        home: project.home,
        cwd: worktree,
        env,
        prompt: '/dev-session.end',
        answer: () => 'Ready to land',
        script: (request) => {
          const text = commandText(request, '/dev-session.end');
          const exchanges = toolExchanges(request);
          if (exchanges.length === 0) return [askIntegrate(text, 'finished')];
          if (exchanges.length === 1) {
            if (strategyFrom(text, 'finished', exchanges[0]!) !== 'ready')
              throw new Error(`expected ready, got ${exchanges[0]!.output}`);
            return [
              bash(commandFromText(text, { subcommand: 'ready', values: { name: 'finished' } }), 'Mark it ready'),
            ];
          }
          return 'Marked ready; the coordinator lands it with /parallel.land in the main checkout.';
        },
      });
      marked = toolExchanges(run.main.at(-1)!).at(-1)!;
    });

    it("offers Ready to land in place of Keep, and marks the session at its tip with the text's ready line", () => {
      expect(
        run.questions.map((asked) => [asked.question, asked.options.map((option) => option.label), asked.answer]),
      ).toEqual([
        [
          'How would you like to integrate these changes?',
          ['Create a PR', 'Merge directly', 'Ready to land', 'Abandon'],
          'Ready to land',
        ],
      ]);
      expect(marked.input.command).toBe(
        `node "${project.worktree('finished')}/.claude/commands/flight-rules/session.mjs" ready finished --json`,
      );
      expect(exitOf(marked)).toBe(0);
      expect(jsonOf(marked)).toMatchObject({ ok: true, command: 'ready', session: { id: 'finished' }, ready: { tip } });
      expect(permissionAsks(run)).toEqual([]);
    });

    it('leaves the worktree, the branch and the session as they were, with the mark in the manifest', () => {
      expect(worktreePaths(project.repo)).toContain(project.worktree('finished'));
      expect(project.repo.git(['rev-parse', 'session/finished']).trim()).toBe(tip);
      const entry = project.repo.manifest().sessions.find((session: any) => session.id === 'finished');
      expect(entry).toMatchObject({ status: 'active', ready: { tip } });
    });
  });
});
