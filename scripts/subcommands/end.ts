import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../lib/errors.js';
import { stringOption, type Subcommand } from '../lib/subcommand.js';
import { SPECS } from './specs.js';
import { findProject } from '../store/project.js';
import { readManifest } from '../store/manifest-store.js';
import { HISTORY_FILE } from '../core/paths.js';
import { confirmProblem, factLines, parseEndOptions, renderEnd } from '../core/end-plan.js';
import { assertTrusted, resolveSession } from '../engine/resolve-session.js';
import { sessionBusyRefusal } from '../engine/session-claim.js';
import { endSession } from '../engine/end/end-session.js';
import { commandLine } from '../lib/shell-words.js';

function readBodyFile(cwd: string, given: string | undefined): { text: string; path: string } | null {
  if (given === undefined) return null;
  const path = resolve(cwd, given);
  try {
    return { text: readFileSync(path, 'utf8'), path };
  } catch (error) {
    throw new UsageError(
      `--pr-body-file ${given} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      "Pass a readable file, or leave --pr-body-file out to use the session log's summary.",
    );
  }
}

export const end: Subcommand = {
  ...SPECS.end,
  async run({ values, positionals }, context) {
    const options = parseEndOptions(
      {
        strategy: stringOption(values, 'strategy'),
        rebase: values.rebase === true,
        remote: stringOption(values, 'remote'),
        prTitle: stringOption(values, 'pr-title'),
        prBodyFile: stringOption(values, 'pr-body-file'),
        confirm: stringOption(values, 'confirm'),
      },
      positionals[0],
    );
    const prBody = readBodyFile(context.cwd, options.prBodyFile);
    const project = await findProject(context.cwd);
    const entry = resolveSession(project, readManifest(project.manifestPath, project.name), options.name, 'end');
    assertTrusted(project, entry);
    const confirm = confirmProblem(options, entry.id);
    if (confirm) throw confirm;
    if (entry.status !== 'active') throw sessionBusyRefusal(entry);

    // An agent's tool call checks its folder right after the command: that folder is left, empty, until its shell exits.
    const callerFolder = context.env.CLAUDECODE ? project.cwd : null;
    const run = await endSession({ project, entry, options, now: context.now, prBody, callerFolder });
    const { facts } = run;

    const main = project.mainCheckout;
    const next = [commandLine(['cd', main]), ...run.next];
    return {
      text: renderEnd({
        name: entry.id,
        facts: factLines(facts),
        steps: run.steps,
        warnings: run.warnings,
        notes: run.notes,
        worktreePath: run.worktreePath,
        next,
        leftForCaller: run.leftForCaller.length > 0,
      }),
      json: {
        session: {
          id: entry.id,
          branch: entry.branch,
          worktree: run.worktreePath,
          sessionLog: entry.sessionLog,
          goals: entry.goals,
        },
        strategy: options.strategy,
        mainCheckout: main,
        base: {
          branch: facts.baseBranch,
          startCommit: facts.baseStart,
          commit: facts.baseTip,
          gained: facts.baseGained,
          sessionCommits: facts.sessionCommits,
        },
        prediction: facts.prediction
          ? { available: true, clean: facts.prediction.clean, conflicts: facts.prediction.conflicts }
          : { available: false, clean: null, conflicts: [] },
        rebased: run.rebased,
        head: run.tip,
        merge: run.merge,
        push: run.push,
        pr: run.pr,
        saved: run.saved,
        savedItems: run.savedItems,
        branch: { name: entry.branch, kept: !run.branchDeleted, deleted: run.branchDeleted },
        worktreeRemoved: run.worktreeRemoved,
        leftForCaller: run.leftForCaller,
        steps: run.steps,
        warnings: run.warnings,
        notes: run.notes,
        history: join(project.sessionsDir, HISTORY_FILE),
        next,
      },
    };
  },
};
