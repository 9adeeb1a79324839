import { helper } from '../lib/invocation.js';
import { MARK } from '../lib/output.js';
import type { Subcommand } from '../lib/subcommand.js';
import { SPECS } from './specs.js';
import { findProject, worktreePathOf } from '../store/project.js';
import { readManifest } from '../store/manifest-store.js';
import { findSession } from '../core/manifest-types.js';
import { RefusalError } from '../lib/errors.js';
import { existsSync } from 'node:fs';
import { assertTrusted, resolveSession } from '../engine/resolve-session.js';
import { busyRefusal } from '../core/busy.js';
import { checkoutBusy } from '../git/checkout-state.js';
import { readStatus } from '../git/changes.js';
import { prepareWorkspace } from '../engine/start/prepare-workspace.js';
import { renderWorkspace, setupNext, workspaceJson } from '../workspace/report.js';

export const setup: Subcommand = {
  ...SPECS.setup,
  async run({ positionals }, context) {
    const project = await findProject(context.cwd);
    const manifest = readManifest(project.manifestPath, project.name);
    const session = resolveSession(project, manifest, positionals[0], 'setup');
    assertTrusted(project, session);
    const worktree = worktreePathOf(project, session);
    if (session.status !== 'active' || !existsSync(worktree)) {
      throw new RefusalError(
        'session-not-ready',
        `Session "${session.id}" is ${session.status}${existsSync(worktree) ? '' : ' and its worktree is missing'}, so it cannot be set up.`,
        `Run \`${helper('status')}\` to see its state, and \`${helper('cleanup')}\` if it is left over from an interrupted run.`,
        { session: session.id, status: session.status },
      );
    }
    const busy = await checkoutBusy(worktree, await readStatus(worktree));
    if (busy) throw busyRefusal(busy, `the worktree of session "${session.id}"`);
    const report = await prepareWorkspace(project, session, {
      copy: null,
      runSetup: true,
      progress: (line) => context.stderr.write(`${line}\n`),
      now: context.now,
    });
    const updated = findSession(readManifest(project.manifestPath, project.name), session.id) ?? session;
    const failed = report.setup.status === 'failed' || report.setup.status === 'interrupted';
    const lines = [
      `${failed ? MARK.warn : MARK.done} Workspace of session "${session.id}" prepared again (${worktree})`,
      ...renderWorkspace(report, session.id),
      ...(report.setup.status === 'skipped' ? [`${MARK.info} Nothing to install: ${report.setup.message}`] : []),
      ...(failed ? ['', `Next: ${setupNext(session.id)}`] : []),
    ];
    return {
      text: lines.join('\n'),
      json: { session: updated, worktreePath: worktree, workspace: workspaceJson(report, session.id) },
    };
  },
};
