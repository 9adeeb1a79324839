/** Human lines for a workspace report, shared by start and setup. Pure. */
import { helper } from '../lib/invocation.js';
import { MARK } from '../lib/output.js';
import type { DependencyRecord, PortBlock, SetupRecord } from '../core/manifest-types.js';
import type { CopyChoice } from './include-matching.js';
import type { Skipped } from './copy-plan.js';
import { describePortBlock } from './ports.js';

/** What preparing a session's workspace did, for the report and the JSON. */
export interface CopyReport {
  mode: CopyChoice['mode'];
  sources: string[];
  candidates: string[];
  copied: string[];
  skipped: Skipped[];
  rejected: Array<{ pattern: string; source: string; reason: string }>;
  /** SHA-256 of each copied file as copied (kept in the manifest, not printed). */
  digests: Record<string, string>;
}

export interface WorkspaceReport {
  copy: CopyReport | null;
  packFiles: { copied: string[]; skipped: Skipped[] };
  envSession: { written: boolean; message: string | null };
  port: PortBlock | null;
  submodules: { status: 'ok' | 'failed' | 'none'; message: string | null };
  setup: {
    status: SetupRecord['status'];
    command: string | null;
    log: string | null;
    message: string | null;
    dependencies?: DependencyRecord | null;
  };
  /** Everything recorded as the pack's, relative to the worktree. */
  recordedPackFiles: string[];
}

const list = (paths: string[]) =>
  `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? `, ... (${paths.length} in all)` : ''}`;

/** How the dependencies came in, with what it cost. */
export function dependencyLine(record: DependencyRecord): string {
  const seconds = `${(record.ms / 1000).toFixed(1)} s`;
  const size =
    record.bytes === undefined ? '' : `, ${record.files ?? 0} files, ${(record.bytes / 1_048_576).toFixed(1)} MB`;
  if (record.strategy === 'cloned')
    return `${MARK.done} Dependencies: node_modules cloned from the main checkout in ${seconds}${size} (copy-on-write where the file system can; no install ran)`;
  if (record.strategy === 'hardlinked')
    return `${MARK.done} Dependencies: node_modules hard-linked to the main checkout's in ${seconds}${size} (the files are shared: a change to one is a change to both)`;
  return `${MARK.done} Dependencies: installed in ${seconds}${record.why ? ` (not cloned: ${record.why})` : ''}`;
}

export function setupNext(name: string): string {
  return `fix the problem shown in the setup log, then run: ${helper(`setup ${name}`)}`;
}

export function renderWorkspace(report: WorkspaceReport, name: string): string[] {
  const lines: string[] = [];
  if (report.port)
    lines.push(`${MARK.done} Ports: ${describePortBlock(report.port)} (PORT=${report.port.base} in .env.session)`);
  else
    lines.push(
      `${MARK.warn} No free port block: every block in the configured range is held by another session. Widen ports in .claude/flight-rules.json.`,
    );
  if (!report.envSession.written) lines.push(`${MARK.warn} .env.session not written: ${report.envSession.message}`);
  if (report.submodules.status === 'ok') lines.push(`${MARK.done} Submodules initialised`);
  if (report.submodules.status === 'failed')
    lines.push(
      `${MARK.warn} Submodules could not be initialised: ${report.submodules.message}. Run \`git submodule update --init --recursive\` in the worktree.`,
    );
  const copy = report.copy;
  if (copy) {
    if (copy.mode === 'none') lines.push(`${MARK.info} No ignored files copied (--copy none)`);
    if (copy.copied.length > 0)
      lines.push(
        `${MARK.done} Copied ${copy.copied.length} ignored file(s) from the main checkout: ${list(copy.copied)}`,
      );
    for (const rejected of copy.rejected)
      lines.push(
        `${MARK.warn} Not used: ${JSON.stringify(rejected.pattern)} from ${rejected.source}: ${rejected.reason}`,
      );
    for (const skipped of copy.skipped) lines.push(`${MARK.warn} Not copied: ${skipped.path}: ${skipped.message}`);
  }
  if (report.packFiles.copied.length > 0) {
    lines.push(
      `${MARK.done} Copied the pack's own uncommitted files: ${list(report.packFiles.copied)}. Commit .claude/ so new worktrees get them from git.`,
    );
  }
  for (const skipped of report.packFiles.skipped)
    lines.push(`${MARK.warn} Not copied: ${skipped.path}: ${skipped.message}`);
  const setup = report.setup;
  if (setup.status === 'ok') lines.push(`${MARK.done} Setup: ${setup.command} (log: ${setup.log})`);
  if (setup.dependencies) lines.push(dependencyLine(setup.dependencies));
  if (setup.status === 'failed' || setup.status === 'interrupted') {
    lines.push(
      `${MARK.warn} Setup ${setup.status === 'failed' ? 'failed' : 'was interrupted (its processes were stopped)'}, the session is usable: ${setup.message}`,
    );
    if (setup.log) lines.push(`${MARK.info} Full log: ${setup.log}`);
  }
  if (setup.status === 'skipped' && setup.message === '--no-setup')
    lines.push(`${MARK.info} Setup skipped (--no-setup). Run \`${helper(`setup ${name}`)}\` when wanted.`);
  return lines;
}

/** The --json form: the report without the bookkeeping, with the next step when setup failed. */
export function workspaceJson(report: WorkspaceReport, name: string) {
  const { recordedPackFiles: _recorded, ...rest } = report;
  const copy = report.copy ? (({ digests: _digests, ...shown }) => shown)(report.copy) : null;
  return {
    ...rest,
    copy,
    setup: {
      ...report.setup,
      next: report.setup.status === 'failed' || report.setup.status === 'interrupted' ? setupNext(name) : null,
    },
  };
}
