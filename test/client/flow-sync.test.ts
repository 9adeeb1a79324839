/**
 * `/parallel.sync` inside a session worktree after the base moved. Clean: the helper rebases the branch onto the
 * base and commits the session log's "Last synced with base" line itself, so the worktree stays clean and the
 * model edits nothing. Conflicting: the helper stops with `sync-conflict` and changes nothing, and the model
 * resolves it with the git steps the text gives (read both sides, ask the user with AskUserQuestion unless they
 * already said, `git rebase <base>`, edit the file, `git add`, `git rebase --continue`), each granted by the
 * command's allowed-tools in the command's own turn; then it runs the sync line once more, which records the sync.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sessionWithWork } from '../helpers/end.js';
import { describeClient } from './availability.js';
import { exitOf, jsonOf, permissionAsks } from './flow.js';
import { commandFromText, lineFromText } from './follow-text.js';
import {
  answerTo,
  askUser,
  bash,
  commandText,
  hookContexts,
  lastToolResult,
  toolExchanges,
  write,
  type ToolExchange,
  type TurnBlock,
} from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude, type ClientRun } from './runner.js';

const read = (file_path: string): TurnBlock => ({ type: 'tool_use', name: 'Read', input: { file_path } });
const SYNCED_AT = '2026-01-16T09:30:00Z';
/** Both lines, the base's first: what the user agrees for a session's conflicted src/app.js. */
const agreed = (name: string) => `console.log("main");\nconsole.log("${name}");\n`;

describeClient('/parallel.sync inside a session worktree', () => {
  let project: ClientProject;
  let mainTip = '';
  beforeAll(async () => {
    project = await installedProject();
    sessionWithWork(project.repo, 'tidy', { 'notes/tidy.md': '# Tidy\n' }, ['Tidy the notes']);
    sessionWithWork(project.repo, 'clash', { 'src/app.js': 'console.log("clash");\n' }, ['Log the clash']);
    sessionWithWork(project.repo, 'clash-later', { 'src/app.js': 'console.log("clash-later");\n' }, [
      'Log the clash later',
    ]);
    sessionWithWork(project.repo, 'bystander', { 'src/app.js': 'console.log("bystander");\n' }, ['Stand by']);
    project.repo.write('src/app.js', 'console.log("main");\n');
    project.repo.write('main.txt', 'main\n');
    mainTip = project.repo.commitAll('Main moves on');
  });
  afterAll(() => project?.cleanup());

  const logOf = (name: string): string =>
    project.repo.manifest().sessions.find((session: any) => session.id === name).sessionLog;

  describe('clean', () => {
    let run: ClientRun;
    let sync: ToolExchange;
    let before = '';
    beforeAll(async () => {
      before = project.repo.git(['rev-parse', 'session/tidy']).trim();
      run = await runClaude({
        home: project.home,
        cwd: project.worktree('tidy'),
        prompt: '/parallel.sync',
        env: { FLIGHT_RULES_NOW: SYNCED_AT },
        approve: true,
        script: (request, turn) => {
          const text = commandText(request, '/parallel.sync');
          if (turn === 0)
            return [
              bash(
                commandFromText(text, { subcommand: 'sync', containing: 'sync --json', values: {} }),
                'Sync with the base',
              ),
            ];
          const json = jsonOf(lastToolResult(request)!);
          return json.ok ? 'Synced: the session is up to date with its base.' : `Sync refused: ${json.error.message}`;
        },
      });
      [sync] = toolExchanges(run.main.at(-1)!) as [ToolExchange];
    });

    it('runs the sync line without a permission prompt, and it succeeds', () => {
      expect(permissionAsks(run)).toEqual([]);
      expect(sync.input.command).toBe(
        `node "${project.worktree('tidy')}/.claude/commands/flight-rules/session.mjs" sync --json`,
      );
      expect(exitOf(sync)).toBe(0);
      expect(jsonOf(sync)).toMatchObject({ ok: true, command: 'sync' });
      expect(run.result.result).toBe('Synced: the session is up to date with its base.');
    });

    it("puts the branch on the base, with its own commit and the helper's log commit on top", () => {
      const tip = project.repo.git(['rev-parse', 'session/tidy']).trim();
      project.repo.git(['merge-base', '--is-ancestor', mainTip, tip]);
      expect(
        project.repo
          .git(['log', '--format=%s', `${mainTip}..${tip}`])
          .trim()
          .split('\n'),
      ).toHaveLength(2);
      expect(project.repo.git(['log', '--format=%s', `${mainTip}..${tip}`])).toContain('Work of tidy');
      expect(project.repo.git(['diff', '--name-only', `${tip}~1`, tip]).trim()).toBe(logOf('tidy'));
      expect(tip).not.toBe(before);
    });

    it('has the helper set and commit the "Last synced with base" line, leaving the worktree clean, with no edit by the model', () => {
      expect(project.repo.git(['show', `session/tidy:${logOf('tidy')}`])).toContain(
        '**Last synced with base:** 2026-01-16 09:30\n',
      );
      expect(project.repo.git(['status', '--porcelain', '--untracked-files=all'], project.worktree('tidy'))).toBe('');
      expect(toolExchanges(run.main.at(-1)!).map((exchange) => exchange.name)).toEqual(['Bash']);
      expect(commandText(run.main[0]!, '/parallel.sync').replace(/\s+/g, ' ')).toContain(
        'do not edit the log for this',
      );
      const entry = project.repo.manifest().sessions.find((session: any) => session.id === 'tidy');
      expect(entry).toMatchObject({ status: 'active', lastSyncedAt: SYNCED_AT, base: { commit: mainTip } });
    });

    it('gives the model the session context at start-up', () => {
      expect(hookContexts(run.main[0]!, 'SessionStart')[0]).toContain('This is parallel dev session "tidy"');
    });
  });

  describe.each([
    {
      name: 'clash',
      when: "agreed up front, in the command's own words",
      prompt: "/parallel.sync If it conflicts, resolve it here: keep both lines, the base's first.",
      asks: false,
    },
    {
      name: 'clash-later',
      when: 'agreed in AskUserQuestion, after the model reads both sides',
      prompt: '/parallel.sync',
      asks: true,
    },
  ])("conflicting, resolved by the text's git steps, $when", ({ name, prompt, asks }) => {
    let run: ClientRun;
    let exchanges: ToolExchange[];
    let before = '';
    let base = '';
    let file = '';
    const question = `Both sides change the same line of src/app.js: the base logs "main", this session logs "${name}". Which do you want?`;
    const BOTH = "Both, the base's first";
    const SYNCED_AGAIN = '2026-01-16T10:45:00Z';
    beforeAll(async () => {
      before = project.repo.git(['rev-parse', `session/${name}`]).trim();
      const worktree = project.worktree(name);
      run = await runClaude({
        home: project.home,
        cwd: worktree,
        prompt,
        env: { FLIGHT_RULES_NOW: SYNCED_AGAIN },
        permissionMode: 'acceptEdits',
        // The user at the keyboard keeps both lines (a question where they said it up front would be a failure below).
        answer: (asked) => asked.options.find((option) => option.label === BOTH)?.label ?? 'none of these',
        maxTurns: 14,
        script: (request) => {
          const text = commandText(request, '/parallel.sync');
          const done = toolExchanges(request);
          // Step 2, when the user has not said it already: the question, and the rest one step later.
          const asked = asks ? 1 : 0;
          const steps: Record<number, () => TurnBlock[] | string> = {
            0: () => [
              bash(
                commandFromText(text, { subcommand: 'sync', containing: 'sync --json', values: {} }),
                'Sync with the base',
              ),
            ],
            // Step 1: what each side meant, for the file the refusal lists.
            1: () => {
              const json = jsonOf(done[0]!);
              if (json.error?.code !== 'sync-conflict')
                throw new Error(`expected sync-conflict, got ${done[0]!.output}`);
              [file] = json.error.details.conflicts;
              base = /with (\S+) by rebase/.exec(json.error.message)?.[1] ?? '';
              if (!file || !base) throw new Error(`the refusal names no file or no base: ${done[0]!.output}`);
              return [
                bash(lineFromText(text, { startsWith: 'git log -p', inline: true, values: { base, file } })),
                bash(
                  lineFromText(text, {
                    startsWith: 'git diff',
                    containing: '...HEAD',
                    inline: true,
                    values: { base, file },
                  }),
                ),
              ];
            },
            // Step 3, with the go-ahead: start the rebase, resolve, stage, continue.
            [3 + asked]: () => {
              if (asks && answerTo(done.at(-1)!, question) !== BOTH)
                throw new Error(`this test's user keeps both lines, but answered ${done.at(-1)!.output}`);
              return [
                bash(
                  lineFromText(text, {
                    startsWith: 'git rebase',
                    containing: '<base branch>',
                    inline: true,
                    values: { 'base branch': base },
                  }),
                ),
              ];
            },
            [4 + asked]: () => [read(`${worktree}/${file}`)],
            [5 + asked]: () => [write(`${worktree}/${file}`, agreed(name))],
            [6 + asked]: () => [bash(lineFromText(text, { startsWith: 'git add', inline: true, values: { file } }))],
            [7 + asked]: () => [
              bash(
                lineFromText(text, { startsWith: 'git rebase', containing: '--continue', inline: true, values: {} }),
              ),
            ],
            // Step 5: the sync line once more, which records the sync.
            [8 + asked]: () => [
              bash(
                commandFromText(text, { subcommand: 'sync', containing: 'sync --json', values: {} }),
                'Record the sync',
              ),
            ],
            [9 + asked]: () => {
              const json = jsonOf(lastToolResult(request)!);
              return json.ok
                ? "Resolved: both lines kept, the base's first; the branch is rebased onto the base, and the sync is recorded."
                : `Sync refused: ${json.error.message}`;
            },
          };
          // Step 2, unless the user already said: the options the text names, for this conflict.
          if (asks) {
            steps[3] = () => {
              if (
                !/ask the user which behaviour they want \(options: the base's, this session's, and a combination/.test(
                  text.replace(/\s+/g, ' '),
                )
              )
                throw new Error('the text gives no question for contradicting intents');
              return [askUser(question, ["The base's line", "This session's line", BOTH], 'Conflict')];
            };
          }
          const step = steps[done.length];
          if (!step) throw new Error(`unexpected number of tool results: ${done.length}`);
          return step();
        },
      });
      exchanges = toolExchanges(run.main.at(-1)!);
    });

    it('is refused sync-conflict with exit 1, the branch left as it was', () => {
      const [sync] = exchanges;
      expect(exitOf(sync!)).toBe(1);
      expect(jsonOf(sync!)).toMatchObject({
        ok: false,
        error: { code: 'sync-conflict', details: { conflicts: ['src/app.js'], intact: true, tip: before } },
      });
    });

    it('runs every git step the text gives, each as the text writes it, and each does its part', () => {
      // The two reads run side by side, so their results may come in either order.
      const bashes = exchanges
        .filter((exchange) => exchange.name === 'Bash')
        .slice(1)
        .map((exchange) => [exchange.input.command, exitOf(exchange)]);
      expect(bashes.slice(0, 2).sort()).toEqual([
        ['git diff main...HEAD -- src/app.js', 0],
        ['git log -p main -- src/app.js', 0],
      ]);
      expect(bashes.slice(2)).toEqual([
        // The rebase stops on the conflict, as expected.
        ['git rebase main', 1],
        ['git add src/app.js', 0],
        ['git rebase --continue', 0],
        [`node "${project.worktree(name)}/.claude/commands/flight-rules/session.mjs" sync --json`, 0],
      ]);
      expect(run.result.result).toBe(
        "Resolved: both lines kept, the base's first; the branch is rebased onto the base, and the sync is recorded.",
      );
    });

    it(
      asks
        ? 'asks which behaviour the user wants with AskUserQuestion, before the rebase, in the same turn'
        : 'asks nothing: the user said it up front',
      () => {
        expect(run.questions.map((asked) => [asked.question, asked.answer])).toEqual(asks ? [[question, BOTH]] : []);
        const names = exchanges.map((exchange) => exchange.input.command ?? exchange.name);
        expect(names.indexOf('AskUserQuestion')).toBe(asks ? 3 : -1);
        expect(run.results).toHaveLength(1);
      },
    );

    it("asks no permission for any of them: the command's allowed-tools grant each", () => {
      expect(permissionAsks(run)).toEqual([]);
      expect(exchanges.filter((exchange) => exchange.output === 'This command requires approval')).toEqual([]);
    });

    it('shows the model both sides before it resolves', () => {
      const log = exchanges.find((exchange) => exchange.input.command === 'git log -p main -- src/app.js');
      const diff = exchanges.find((exchange) => exchange.input.command === 'git diff main...HEAD -- src/app.js');
      expect(log!.output).toContain('+console.log("main");');
      expect(diff!.output).toContain(`+console.log("${name}");`);
    });

    it('warns, before the edit, that another session changes the same file', () => {
      const warnings = hookContexts(run.main.at(-1)!, 'PreToolUse:Write');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^Warning: src\/app\.js is also changed in parallel sessions? .*"bystander"/);
      expect(hookContexts(run.main[0]!, 'SessionStart')[0]).toContain(`This is parallel dev session "${name}"`);
    });

    it('ends with the branch rebased onto the base and the agreed content, the rebase finished', () => {
      const tip = project.repo.git(['rev-parse', `session/${name}`]).trim();
      // The session's own commit on the base, and the sync's log commit on top (see the next test).
      expect(project.repo.git(['rev-parse', `${tip}~2`]).trim()).toBe(mainTip);
      expect(project.repo.git(['log', '-1', '--format=%s', `${tip}~1`]).trim()).toBe(`Work of ${name}`);
      expect(project.repo.git(['show', `${tip}:src/app.js`])).toBe(agreed(name));
      const worktree = project.worktree(name);
      expect(project.repo.git(['rev-parse', '--abbrev-ref', 'HEAD'], worktree).trim()).toBe(`session/${name}`);
      expect(
        existsSync(
          project.repo.git(['rev-parse', '--path-format=absolute', '--git-path', 'rebase-merge'], worktree).trim(),
        ),
      ).toBe(false);
      expect(project.repo.git(['status', '--porcelain', '--untracked-files=no'], worktree)).toBe('');
      expect(project.repo.manifest().sessions.find((session: any) => session.id === name)).toMatchObject({
        status: 'active',
      });
    });

    it('records the sync once the resolution is committed: the rerun commits the log\'s "Last synced with base" line, and the manifest has the new base', () => {
      const rerun = exchanges.at(-1)!;
      const tip = project.repo.git(['rev-parse', `session/${name}`]).trim();
      expect(jsonOf(rerun)).toMatchObject({
        ok: true,
        command: 'sync',
        upToDate: true,
        pickedUp: 0,
        logUpdated: true,
        logCommit: tip,
        after: tip,
        base: { branch: 'main', commit: mainTip },
        lastSyncedAt: SYNCED_AGAIN,
      });
      expect(project.repo.git(['diff', '--name-only', `${tip}~1`, tip]).trim()).toBe(logOf(name));
      expect(project.repo.git(['show', `${tip}:${logOf(name)}`])).toContain(
        '**Last synced with base:** 2026-01-16 10:45\n',
      );
      expect(project.repo.git(['status', '--porcelain', '--untracked-files=all'], project.worktree(name))).toBe('');
      expect(project.repo.manifest().sessions.find((session: any) => session.id === name)).toMatchObject({
        status: 'active',
        lastSyncedAt: SYNCED_AGAIN,
        base: { branch: 'main', commit: mainTip },
      });
    });

    // The refusal's own next steps are plain git, as run from inside the worktree, so that the command's
    // allowed-tools (`Bash(git rebase:*)`, `Bash(git add:*)`, ...) match them: `git -C <worktree> …` would not.
    it("the refusal's next steps are commands the command grants", () => {
      const next: string = jsonOf(exchanges[0]!).error.next;
      expect(next).not.toContain('git -C');
      for (const step of ['git rebase main', 'git add -- <file>', 'git rebase --continue'])
        expect(next).toContain(step);
      // Each git command the next steps name, up to its subcommand.
      const commands = next.match(/\bgit (?:-C \S+ )?[a-z-]+/g) ?? [];
      expect(commands.length).toBeGreaterThan(0);
      // The git prefixes the installed command's allowed-tools grant: `Bash(git rebase:*)` and the like.
      const frontmatter = readFileSync(join(project.repo.main, '.claude/commands/parallel.sync.md'), 'utf8').split(
        '\n---\n',
      )[0]!;
      const granted = [...frontmatter.matchAll(/Bash\((git [a-z-]+):\*\)/g)].map((match) => match[1]!);
      expect(granted).toContain('git rebase');
      expect(commands.filter((command) => !granted.includes(command))).toEqual([]);
    });
  });
});
