/**
 * `/parallel.cleanup` with an orphaned session (its worktree folder deleted by hand) and a merged one: the model
 * runs the plan line and shows the plan, which changes nothing; on the user's yes it runs the `--yes` line, and the
 * manifest and git end as the plan said: both entries dropped, the merged worktree and branch removed, the
 * orphan's branch (with work its base lacks) kept.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import { history, sessionWithWork } from '../helpers/end.js';
import { describeClient } from './availability.js';
import { bashAsks, exitOf, jsonOf, permissionAsks, refExists, stateOf, worktreePaths } from './flow.js';
import { commandFromText } from './follow-text.js';
import { bash, commandText, lastToolResult, latestUserText, toolExchanges, type ToolExchange } from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude, type ClientRun } from './runner.js';

const YES = 'Yes, apply it.';

describeClient('/parallel.cleanup: plan, then --yes on the user\'s yes', () => {
  let project: ClientProject;
  let run: ClientRun;
  let plan: ToolExchange;
  let apply: ToolExchange;
  let before: Record<string, unknown> = {};
  let atPlan: Record<string, unknown> = {};
  let lostTip = '';
  let question = '';
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
      replies: [YES],
      approve: true,
      script: (request) => {
        const text = commandText(request, '/parallel.cleanup');
        const exchanges = toolExchanges(request);
        if (exchanges.length === 0) return [bash(commandFromText(text, { subcommand: 'cleanup', containing: 'cleanup --json', values: {} }), 'Plan the cleanup')];
        if (exchanges.length === 1 && lastToolResult(request) !== null) {
          atPlan = stateOf(project.repo);
          const json = jsonOf(exchanges[0]!);
          question = /Ask: "([^"]+)"/.exec(text)?.[1] ?? '';
          if (!question) throw new Error('the text gives no question to ask');
          const lines = [...json.actions.map((action: any) => `- ${action.description}`), ...json.kept.map((kept: any) => `- Kept ${kept.subject}: ${kept.reason}`)];
          return `${lines.join('\n')}\n\n${question}`;
        }
        if (exchanges.length === 1) {
          if (latestUserText(request) !== YES) throw new Error(`expected the user's yes, got ${latestUserText(request)}`);
          return [bash(commandFromText(text, { subcommand: 'cleanup', containing: '--yes', values: {} }), 'Apply the cleanup')];
        }
        return `Done: ${jsonOf(exchanges[1]!).actions.length} actions.`;
      },
    });
    [plan, apply] = toolExchanges(run.main.at(-1)!) as [ToolExchange, ToolExchange];
  });
  afterAll(() => project?.cleanup());

  it('plans first, changing nothing, and shows the plan with the text\'s question', () => {
    expect(plan.input.command).toBe(`node "${project.repo.main}/.claude/commands/flight-rules/session.mjs" cleanup --json`);
    expect(exitOf(plan)).toBe(0);
    const json = jsonOf(plan);
    expect(json).toMatchObject({ ok: true, mode: 'plan' });
    expect(json.actions.map((action: any) => [action.kind, action.subject])).toEqual(expect.arrayContaining([['drop-entry', 'lost'], ['drop-entry', 'landed']]));
    expect(json.kept.map((kept: any) => kept.subject)).toEqual(['session/lost']);
    expect(atPlan).toEqual(before);
    expect(question).toBe('Apply this cleanup?');
    const shown = run.results[0]!.result;
    for (const action of jsonOf(plan).actions) expect(shown).toContain(`- ${action.description}`);
    expect(shown).toContain('- Kept session/lost: ');
    expect(shown).toMatch(/\nApply this cleanup\?$/);
  });

  it('applies it with --yes after the user\'s yes', () => {
    expect(apply.input.command).toBe(`node "${project.repo.main}/.claude/commands/flight-rules/session.mjs" cleanup --yes --json`);
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
    expect(history(project.repo).map((entry) => [entry.id, entry.strategy])).toEqual(expect.arrayContaining([['lost', 'cleanup-orphan'], ['landed', 'cleanup-merged']]));
    expect(project.repo.git(['status', '--porcelain'])).toBe('');
  });

  it('asks the user about the --yes run after their yes, and nothing else (see the next test)', () => {
    expect(permissionAsks(run)).toEqual([`Bash: ${apply.input.command}`]);
  });

  // Defect: the text shows the plan, asks, and goes on "only on an explicit yes", which is the user's next turn;
  // the command's allowed-tools grant `cleanup` only in the turn of the slash command, so the --yes run needs the
  // user's approval again (and -p mode denies it).
  it.fails('runs the --yes line after the user\'s yes without a permission prompt', () => {
    expect(bashAsks(run)).toEqual([]);
  });
});
