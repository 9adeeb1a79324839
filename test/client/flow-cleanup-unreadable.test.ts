/**
 * `/parallel.cleanup` when a start's `git worktree add` was killed as it made its admin folder's commondir, so that
 * git cannot list the worktrees at all: the plan holds only that folder's removal, with `manifest` null, which the
 * text says to name; after the user's yes and the `--yes` line, the text says to plan again, and that plan, asked
 * and applied the same way, rolls back the start. No permission prompt, one turn.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { unreadableAdd } from '../helpers/safety.js';
import { describeClient } from './availability.js';
import { exitOf, jsonOf, permissionAsks, refExists, stateOf, worktreePaths } from './flow.js';
import { commandFromText, pickedOption, questionFromText } from './follow-text.js';
import { answerTo, askUser, bash, commandText, say, toolExchanges, type ToolExchange } from './messages.js';
import { installedProject, type ClientProject } from './project.js';
import { runClaude, type ClientRun } from './runner.js';

const APPLY = 'Apply it';

describeClient('/parallel.cleanup when git cannot list the worktrees: that first, then the rest', () => {
  let project: ClientProject;
  let run: ClientRun;
  let exchanges: ToolExchange[] = [];
  let admin = '';
  let before: Record<string, unknown> = {};
  let atPlan: Record<string, unknown> = {};
  const shown: string[] = [];
  beforeAll(async () => {
    project = await installedProject();
    expect(project.repo.helper(['start', 'cut', '--no-setup']).exitCode).toBe(0);
    admin = unreadableAdd(project.worktree('cut'));
    before = stateOf(project.repo);
    run = await runClaude({
      home: project.home,
      cwd: project.repo.main,
      prompt: '/parallel.cleanup',
      answer: (asked) => asked.options[0]!.label,
      script: (request) => {
        const text = commandText(request, '/parallel.cleanup');
        const done = toolExchanges(request);
        const planLine = () =>
          bash(commandFromText(text, { subcommand: 'cleanup', containing: 'cleanup --json', values: {} }), 'Plan');
        const asked = questionFromText(text, 'Apply');
        // Plan, ask, apply; again when the text says so for a plan whose manifest is null.
        const step = done.length % 3;
        const last = done.at(-1);
        if (done.length === 0) return [planLine()];
        if (step === 1) {
          if (done.length === 1) atPlan = stateOf(project.repo);
          const json = jsonOf(last!);
          const lines = json.actions.map((action: any) => `- ${action.description}`);
          if (json.manifest === null) {
            if (!/If `manifest` is `null`, git cannot read/.test(text)) throw new Error('the text says nothing of it');
            lines.push('Git cannot read the worktrees until this is removed.');
          }
          shown.push(lines.join('\n'));
          return [
            say(shown.at(-1)!),
            askUser(
              asked.question,
              asked.options.map((option) => option.label),
              'Cleanup',
            ),
          ];
        }
        if (step === 2) {
          if (pickedOption(asked, answerTo(last!, asked.question)).label !== APPLY) throw new Error('not applied');
          return [bash(commandFromText(text, { subcommand: 'cleanup', containing: '--yes', values: {} }), 'Apply')];
        }
        const firstPlan = jsonOf(done[0]!);
        if (done.length === 3 && firstPlan.manifest === null) {
          if (!/After it is applied, run step 1 again/.test(text))
            throw new Error('the text does not say to plan again');
          return [planLine()];
        }
        return `Done: ${jsonOf(last!).actions.length} actions.`;
      },
    });
    exchanges = toolExchanges(run.main.at(-1)!);
  });
  afterAll(() => project?.cleanup());

  it('plans only the removal of what git fails on, with manifest null, changing nothing', () => {
    const plan = jsonOf(exchanges[0]!);
    expect(exitOf(exchanges[0]!)).toBe(0);
    expect(plan).toMatchObject({ ok: true, mode: 'plan', manifest: null, manifestState: null });
    expect(plan.actions.map((action: any) => [action.kind, action.subject])).toEqual([
      ['remove-unreadable-add', admin],
    ]);
    expect(atPlan).toEqual(before);
    expect(shown[0]).toContain(`- remove ${admin} and ${project.worktree('cut')}, which holds only its .git file`);
  });

  it("removes it on the user's yes, and its next line says to plan again", () => {
    const applied = jsonOf(exchanges[2]!);
    expect(applied).toMatchObject({ ok: true, mode: 'apply', failed: 0 });
    expect(applied.next).toContain('plans the rest');
    expect(existsSync(admin)).toBe(false);
  });

  it('plans the rest, asked and applied the same way: the start is rolled back', () => {
    expect(exchanges).toHaveLength(6);
    const plan = jsonOf(exchanges[3]!);
    expect(plan.manifest).toBe(project.repo.manifestPath);
    expect(plan.actions.map((action: any) => [action.kind, action.subject])).toEqual([['drop-entry', 'cut']]);
    expect(jsonOf(exchanges[5]!)).toMatchObject({ ok: true, mode: 'apply', failed: 0 });
    expect(project.repo.manifest().sessions).toEqual([]);
    expect(worktreePaths(project.repo)).toEqual([project.repo.main]);
    expect(refExists(project.repo, 'refs/heads/session/cut')).toBe(false);
    expect(run.questions.map((asked) => asked.answer)).toEqual([APPLY, APPLY]);
  });

  it('runs all in one turn, with no permission prompt', () => {
    expect(permissionAsks(run)).toEqual([]);
    expect(run.results).toHaveLength(1);
  });
});
