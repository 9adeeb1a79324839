import { existsSync } from 'node:fs';
import { RefusalError, UsageError } from '../lib/errors.js';
import { helper } from '../lib/invocation.js';
import { MARK } from '../lib/output.js';
import { commandLine } from '../lib/shell-words.js';
import type { Subcommand } from '../lib/subcommand.js';
import { SPECS } from './specs.js';
import { insideTmux } from '../core/open-plan.js';
import { readManifest } from '../store/manifest-store.js';
import { findProject, worktreePathOf } from '../store/project.js';
import { assertTrusted, resolveSession } from '../engine/resolve-session.js';
import { sessionBusyRefusal } from '../engine/session-claim.js';
import { openSession, type OpenResult } from '../engine/open/open-session.js';

/** What open and `start --open` print about it, for people. */
export function renderOpen(id: string, worktree: string, result: OpenResult): string[] {
  const lines: string[] = [];
  if (result.agent) lines.push(`${MARK.info} Its agent: ${result.agent.summary}`);
  for (const warning of result.warnings) lines.push(`${MARK.warn} ${warning}`);
  if (result.opened) {
    lines.push(
      `${MARK.done} Opened tmux window "${id}"${result.window ? ` (${result.window})` : ''} in ${worktree}, running: ${commandLine(result.command)}`,
    );
    lines.push(
      result.conversation
        ? 'It continues that conversation there.'
        : 'It starts a new conversation there; /resume picks up an earlier one.',
    );
  } else {
    lines.push('', 'Next: open a new terminal and run', `  ${result.line}`);
  }
  return lines;
}

export function openJson(id: string, worktree: string, result: OpenResult): Record<string, unknown> {
  return { session: id, worktree, ...openFields(result) };
}

/** The JSON of an open, as `open` prints it and `start` nests it (schemas/output/open.schema.json#/definitions/open). */
export function openFields(result: OpenResult): Record<string, unknown> {
  return {
    mode: result.mode,
    opened: result.opened,
    window: result.window,
    runs: result.command,
    conversation: result.conversation,
    insideTmux: result.insideTmux,
    agent: result.agent,
    problem: result.problem,
    warnings: result.warnings,
    next: result.opened ? null : result.line,
  };
}

export const open: Subcommand = {
  ...SPECS.open,
  async run({ values, positionals }, context) {
    if (values.tmux === true && values.print === true)
      throw new UsageError(
        '--tmux and --print cannot go together',
        'Pass --tmux for a tmux window, --print for the line to run, or neither (a window inside tmux, else the line).',
      );
    const project = await findProject(context.cwd);
    const entry = resolveSession(project, readManifest(project.manifestPath, project.name), positionals[0], 'open');
    assertTrusted(project, entry);
    if (entry.status === 'starting' || entry.status === 'ending') throw sessionBusyRefusal(entry, 'opened');
    const worktree = worktreePathOf(project, entry);
    if (!existsSync(worktree)) {
      throw new RefusalError(
        'worktree-missing',
        `The worktree ${worktree} of session "${entry.id}" is gone, so there is nothing to open.`,
        `Run \`${helper('cleanup')}\` to see how to recover it, or \`${helper(`restore ${entry.id}`)}\` once it has ended.`,
        { session: entry.id },
      );
    }
    const inside = insideTmux(context.env);
    const mode = values.print === true || !inside ? 'print' : 'tmux';
    const result = await openSession(project, entry, worktree, mode, context.env, context.now);
    if (values.tmux === true && !inside) {
      throw new RefusalError(
        'not-in-tmux',
        `This is not inside tmux ($TMUX is not set), so no window was opened for "${entry.id}"; nothing was changed.`,
        `Run it again from a shell inside tmux, or open a new terminal and run: ${result.line}`,
        { session: entry.id, line: result.line },
      );
    }
    if (mode === 'tmux' && !result.opened) {
      throw new RefusalError(
        'tmux-failed',
        `No tmux window was opened for "${entry.id}": ${result.problem}; nothing was changed.`,
        `Open a new terminal and run: ${result.line}`,
        { session: entry.id, line: result.line },
      );
    }
    return {
      text: [`${MARK.info} Session "${entry.id}" in ${worktree}`, ...renderOpen(entry.id, worktree, result)].join('\n'),
      json: openJson(entry.id, worktree, result),
    };
  },
};
