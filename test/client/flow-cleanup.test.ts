/**
 * `/parallel.cleanup` with an orphaned session (its worktree folder deleted by hand) and a merged one: the model
 * runs the plan line and shows the plan, which changes nothing; it asks with AskUserQuestion, and on the user's
 * "Apply it" runs the `--yes` line in the same turn, with no permission prompt; the manifest and git end as the plan
 * said: both entries dropped, the merged worktree and branch removed, the orphan's branch (with work its base lacks) kept.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import { history, sessionWithWork } from '../helpers/end.js';
import { describeClient } from './availability.js';
import { exitOf, jsonOf, permissionAsks, refExists, stateOf, worktreePaths } from './flow.js';
import { commandFromText, pickedOption, questionFromText } from './follow-text.js';
import { answerTo, askUser, bash, commandText, say, toolExchanges, type ToolExchange } from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude, type ClientRun } from './runner.js';

const APPLY = 'Apply it';

describeClient("/parallel.cleanup: plan, then --yes on the user's yes", () => {
  let project: ClientProject;
  let run: ClientRun;
  let plan: ToolExchange;
  let apply: ToolExchange;
  let before: Record<string, unknown> = {};
  let atPlan: Record<string, unknown> = {};
  let lostTip = '';
  let question = '';
  let shown = '';
  beforeAll(async () => {
    project = await installedProject();
    const lost = sessionWithWork(project.repo, 'lost', { 'notes/lost.md': '# Lost\n' }, ['Get lost']);
    sessionWithWork(project.repo, 'landed', { 'notes/landed.md': '# Landed\n' }, ['Land it']);
    lostTip = project.repo.git(['rev-parse', 'session/lost']).trim();
    rmSync(lost, { recursive: true, force: true });
    project.repo.git(['merge', '-q', '--no-ff', '-m', 'Merge landed by hand', 'session/landed']);
    before = stateOf(project.repo);
    run = await runClaude({
      home: project.home,
      cwd: project.repo.main,
      prompt: '/parallel.cleanup',
      // The user at the keyboard picks the first option: apply it.
      answer: (asked) => asked.options[0]!.label,
      script: (request) => {
        const text = commandText(request, '/parallel.cleanup');
        const exchanges = toolExchanges(request);
        if (exchanges.length === 0)
          return [
            bash(
              commandFromText(text, { subcommand: 'cleanup', containing: 'cleanup --json', values: {} }),
              'Plan the cleanup',
            ),
          ];
        if (exchanges.length === 1) {
          atPlan = stateOf(project.repo);
          const json = jsonOf(exchanges[0]!);
          const asked = questionFromText(text, 'Apply');
          question = asked.question;
          if (!/AskUserQuestion/.test(text)) throw new Error('the text does not say to ask with AskUserQuestion');
          const lines = [
            ...json.actions.map((action: any) => `- ${action.description}`),
            ...json.kept.map((kept: any) => `- Kept ${kept.subject}: ${kept.reason}`),
          ];
          shown = lines.join('\n');
          return [
            say(shown),
            askUser(
              question,
              asked.options.map((option) => option.label),
              'Cleanup',
            ),
          ];
        }
        if (exchanges.length === 2) {
          const picked = pickedOption(questionFromText(text, 'Apply'), answerTo(exchanges[1]!, question));
          if (picked.label !== APPLY)
            throw new Error(`expected the user's answer to apply it, got ${exchanges[1]!.output}`);
          return [
            bash(
              commandFromText(text, { subcommand: 'cleanup', containing: '--yes', values: {} }),
              'Apply the cleanup',
            ),
          ];
        }
        return `Done: ${jsonOf(exchanges[2]!).actions.length} actions.`;
      },
    });
    [plan, , apply] = toolExchanges(run.main.at(-1)!) as [ToolExchange, ToolExchange, ToolExchange];
  });
  afterAll(() => project?.cleanup());

  it("plans first, changing nothing, and shows the plan with the text's question", () => {
    expect(plan.input.command).toBe(
      `node "${project.repo.main}/.claude/commands/flight-rules/session.mjs" cleanup --json`,
    );
    expect(exitOf(plan)).toBe(0);
    const json = jsonOf(plan);
    expect(json).toMatchObject({ ok: true, mode: 'plan' });
    expect(json.actions.map((action: any) => [action.kind, action.subject])).toEqual(
      expect.arrayContaining([
        ['drop-entry', 'lost'],
        ['drop-entry', 'landed'],
      ]),
    );
    expect(json.kept.map((kept: any) => kept.subject)).toEqual(['session/lost']);
    expect(atPlan).toEqual(before);
    expect(question).toBe('Apply this cleanup?');
    for (const action of jsonOf(plan).actions) expect(shown).toContain(`- ${action.description}`);
    expect(shown).toContain('- Kept session/lost: ');
    expect(
      run.questions.map((asked) => [asked.question, asked.options.map((option) => option.label), asked.answer]),
    ).toEqual([['Apply this cleanup?', [APPLY, 'Not now'], APPLY]]);
  });

  it("applies it with --yes after the user's yes", () => {
    expect(apply.input.command).toBe(
      `node "${project.repo.main}/.claude/commands/flight-rules/session.mjs" cleanup --yes --json`,
    );
    expect(exitOf(apply)).toBe(0);
    expect(apply.isError).toBe(false);
    expect(jsonOf(apply)).toMatchObject({ ok: true, mode: 'apply', failed: 0 });
  });

  it('leaves the manifest and git as the plan said', () => {
    expect(project.repo.manifest().sessions).toEqual([]);
    expect(worktreePaths(project.repo)).toEqual([project.repo.main]);
    expect(existsSync(project.worktree('landed'))).toBe(false);
    expect(refExists(project.repo, 'refs/heads/session/landed')).toBe(false);
    expect(project.repo.git(['rev-parse', 'session/lost']).trim()).toBe(lostTip);
    expect(history(project.repo).map((entry) => [entry.id, entry.strategy])).toEqual(
      expect.arrayContaining([
        ['lost', 'cleanup-orphan'],
        ['landed', 'cleanup-merged'],
      ]),
    );
    expect(project.repo.git(['status', '--porcelain'])).toBe('');
  });

  it("runs the --yes line after the user's answer in the same turn, with no permission prompt at all", () => {
    expect(permissionAsks(run)).toEqual([]);
    expect(run.results).toHaveLength(1);
  });
});
