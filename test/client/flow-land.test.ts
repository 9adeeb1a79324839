/**
 * `/parallel.land` in the main checkout with three sessions marked ready (two clean, one that conflicts with main) and
 * a fourth, not ready, that the first landing makes conflict: the model runs the text's dry-run line and shows the
 * plan, which changes nothing; asks with AskUserQuestion, and on the user's "Land them" runs the text's land line in
 * the same turn, with the plan's order and no permission prompt; the queue lands the clean two and stops at the
 * conflict. Then, in the fourth session's worktree, the UserPromptSubmit hook gives the model the notice once: what
 * landed, how far main moved, the conflicting file and how to sync.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionWithWork } from '../helpers/end.js';
import { describeClient } from './availability.js';
import { exitOf, jsonOf, permissionAsks, stateOf } from './flow.js';
import { commandFromText } from './follow-text.js';
import { askUser, bash, commandText, hookContexts, say, toolExchanges, type ToolExchange } from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude, type ClientRun } from './runner.js';

const LAND = 'Land them';

describeClient("/parallel.land: the plan, the user's yes, the land; and the notice in a session it moved", () => {
  let project: ClientProject;
  let run: ClientRun;
  let plan: ToolExchange;
  let land: ToolExchange;
  let before: Record<string, unknown> = {};
  let atPlan: Record<string, unknown> = {};
  let question = '';
  let mainBefore = '';
  beforeAll(async () => {
    project = await installedProject();
    const { repo } = project;
    sessionWithWork(repo, 'alpha', { 'src/app.js': 'console.log("alpha");\n' }, ['Polish the app']);
    sessionWithWork(repo, 'beta', { 'notes/beta.md': '# Beta\n' }, ['Write the notes']);
    sessionWithWork(repo, 'gamma', { 'README.md': 'gamma\n' }, ['Rewrite the readme']);
    sessionWithWork(repo, 'watcher', { 'src/app.js': 'console.log("watcher");\n' }, ['Watch the app']);
    repo.write('README.md', 'main\n');
    repo.commitAll('main rewrites the readme');
    for (const name of ['alpha', 'beta', 'gamma']) {
      const marked = repo.helper(['ready', name]);
      if (marked.exitCode !== 0) throw new Error(marked.stderr);
    }
    mainBefore = repo.git(['rev-parse', 'main']).trim();
    before = stateOf(repo);
    run = await runClaude({
      home: project.home,
      cwd: repo.main,
      prompt: '/parallel.land',
      answer: (asked) => asked.options[0]!.label,
      script: (request) => {
        const text = commandText(request, '/parallel.land');
        const exchanges = toolExchanges(request);
        if (exchanges.length === 0)
          return [
            bash(
              commandFromText(text, {
                subcommand: 'land',
                containing: '--dry-run',
                values: { names: null, command: null },
              }),
              'Plan the land queue',
            ),
          ];
        if (exchanges.length === 1) {
          atPlan = stateOf(repo);
          const json = jsonOf(exchanges[0]!);
          question = /Ask: "([^"]+)"/.exec(text)?.[1] ?? '';
          if (!question) throw new Error('the text gives no question to ask');
          if (!/AskUserQuestion/.test(text)) throw new Error('the text does not say to ask with AskUserQuestion');
          const lines = json.sessions.map(
            (session: any) =>
              `${session.id}: ${session.result}${session.conflicts.length ? ` (${session.conflicts.join(', ')})` : ''}`,
          );
          return [say(lines.join('\n')), askUser(`${question} ${json.order.join(', ')}`, [LAND, 'Not now'], 'Land')];
        }
        if (exchanges.length === 2) {
          if (!new RegExp(`"${LAND}"`).test(exchanges[1]!.output))
            throw new Error(`expected the user's answer, got ${exchanges[1]!.output}`);
          const order = jsonOf(exchanges[0]!).order as string[];
          return [
            bash(
              commandFromText(text, {
                subcommand: 'land',
                containing: '--check "<command>" --json',
                values: { names: order, command: null },
              }),
              'Land the queue',
            ),
          ];
        }
        return `Landed: ${jsonOf(exchanges[2]!).bases[0].landed.join(', ')}.`;
      },
    });
    [plan, , land] = toolExchanges(run.main.at(-1)!) as [ToolExchange, ToolExchange, ToolExchange];
  });
  afterAll(() => project?.cleanup());

  it("plans with the dry run, changing nothing, and asks the text's question", () => {
    expect(plan.input.command).toBe(
      `node "${project.repo.main}/.claude/commands/flight-rules/session.mjs" land --dry-run --json`,
    );
    expect(exitOf(plan)).toBe(0);
    const json = jsonOf(plan);
    expect(json).toMatchObject({ ok: true, command: 'land', dryRun: true });
    expect(json.order).toEqual(['alpha', 'beta', 'gamma']);
    expect(json.sessions.map((s: any) => s.result)).toEqual(['would-land', 'would-land', 'would-conflict']);
    expect(json.sessions[0].mustSync).toEqual([{ id: 'watcher', conflicts: ['src/app.js'] }]);
    expect(atPlan).toEqual(before);
    expect(question).toBe('Land these sessions in this order?');
    expect(run.questions.map((asked) => asked.answer)).toEqual([LAND]);
  });

  it("lands the plan's sessions in its order after the user's yes, in the same turn, with no permission prompt", () => {
    expect(land.input.command).toBe(
      `node "${project.repo.main}/.claude/commands/flight-rules/session.mjs" land alpha beta gamma --json`,
    );
    expect(exitOf(land)).toBe(0);
    const json = jsonOf(land);
    expect(json.sessions.map((s: any) => [s.id, s.result])).toEqual([
      ['alpha', 'landed'],
      ['beta', 'landed'],
      ['gamma', 'conflict'],
    ]);
    expect(json.stopped).toMatchObject({ session: 'gamma', reason: 'conflict' });
    expect(json.mainCheckout.action).toBe('fast-forwarded');
    expect(
      project.repo
        .git(['rev-list', '--first-parent', '--reverse', '--format=%s', `${mainBefore}..main`])
        .split('\n')
        .filter((line) => line && !line.startsWith('commit ')),
    ).toEqual(['Merge session alpha: Polish the app', 'Merge session beta: Write the notes']);
    expect(project.repo.git(['status', '--porcelain'])).toBe('');
    expect(permissionAsks(run)).toEqual([]);
    expect(run.results).toHaveLength(1);
  });

  describe('in the session the landing made conflict', () => {
    let notice: ClientRun;
    beforeAll(async () => {
      notice = await runClaude({
        home: project.home,
        cwd: project.worktree('watcher'),
        prompt: 'Carry on with the app.',
        replies: ['And now?'],
        script: (_request, turn) => (turn === 0 ? 'Main moved; I will sync first.' : 'Carrying on.'),
      });
    });

    it('gives the model the notice at the next prompt: what landed, how far main moved, the file, how to sync', () => {
      // The committed hook names the hook file through $CLAUDE_PROJECT_DIR, as the other hooks do.
      const committed = JSON.parse(project.repo.git(['show', 'HEAD:.claude/settings.json']));
      expect(
        committed.hooks.UserPromptSubmit.map((entry: { hooks: Array<{ command: string }> }) => entry.hooks[0]!.command),
      ).toEqual(['node "$CLAUDE_PROJECT_DIR/.claude/commands/flight-rules/hook.cjs" agent-state || true']);
      const contexts = hookContexts(notice.main[0]!, 'UserPromptSubmit');
      expect(contexts).toHaveLength(1);
      expect(contexts[0]).toMatch(
        /^Parallel session "watcher": Sessions "alpha", "beta" landed in main \(now at [0-9a-f]{12}\); main moved by 4 commits, and this session is now 5 behind it\./,
      );
      expect(contexts[0]).toContain('would now conflict in src/app.js');
      expect(contexts[0]).toContain(
        `/parallel.sync here, or \`node ${project.worktree('watcher')}/.claude/commands/flight-rules/session.mjs sync watcher\``,
      );
    });

    it('says it once: the next prompt adds nothing', () => {
      expect(notice.main).toHaveLength(2);
      expect(hookContexts(notice.main[1]!, 'UserPromptSubmit')).toEqual(
        hookContexts(notice.main[0]!, 'UserPromptSubmit'),
      );
      expect(permissionAsks(notice)).toEqual([]);
    });
  });
});
