/**
 * Prepares a session's worktree after it exists: submodules, ignored env files, the pack's
 * own untracked files, .env.session with the session's ports, then dependency setup.
 * Nothing here can destroy the session: every step that fails is reported and recorded,
 * and `session setup` runs the steps again.
 */
import { isoSeconds } from '../../core/format.js';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GitError } from '../../lib/errors.js';
import { withLock } from '../../lib/lock.js';
import { lockPathFor, MANIFEST_LOCK, updateManifest } from '../../store/manifest-store.js';
import { findSession, type PortBlock, type SessionEntry, type SetupRecord } from '../../core/manifest-types.js';
import { toStoredPath } from '../../core/paths.js';
import { portSettings, sessionsDirInsideRepo } from '../../core/config.js';
import { worktreePathOf, type Project } from '../../store/project.js';
import { excludeFilePath, ensureExcludeLines } from '../../git/exclude.js';
import { ignoredPaths, untrackedAt, untrackedMatching } from '../../git/ignored.js';
import { initSubmodules } from '../../git/submodules.js';
import { copyIntoWorktree, inspectDestination } from '../../workspace/copy.js';
import {
  copyPatterns,
  INCLUDE_FILE,
  literalPathProblem,
  outsideSessionsDir,
  type CopyChoice,
} from '../../workspace/include-matching.js';
import { fileDigest, readBoundedText, UnsafeFileError, writeConfinedFile } from '../../lib/safe-fs.js';
import type { CopyReport, WorkspaceReport } from '../../workspace/report.js';
import { selfRecord } from '../../lib/process.js';
import { ENV_SESSION_FILE, renderEnvSession } from '../../core/env-session.js';
import { allocatePortBlock } from '../../workspace/ports.js';
import { detectDependencies, planSetup } from '../../workspace/dependencies.js';
import { runSetup } from '../../workspace/setup-run.js';

/** The pack's own files a new worktree needs when they are not committed. */
export const PACK_PATHS = ['.claude/commands', '.claude/settings.local.json'];

export interface WorkspaceOptions {
  /** null: leave ignored files alone (a setup re-run). */
  copy: CopyChoice | null;
  runSetup: boolean;
  progress: (line: string) => void;
  now: Date;
  /** Listed already, for `copy` (listMainCheckoutFiles); else listed here. */
  mainFiles?: Promise<MainCheckoutFiles>;
}

export type { CopyReport, WorkspaceReport } from '../../workspace/report.js';

const timestamp = isoSeconds;

/** Adds lines to the repository's info/exclude, serialised with other helpers by the manifest lock. */
export async function excludeInRepository(project: Project, lines: string[]): Promise<void> {
  const file = await excludeFilePath(project.mainCheckout);
  mkdirSync(project.sessionsDir, { recursive: true });
  await withLock(lockPathFor(project.manifestPath), MANIFEST_LOCK, () => ensureExcludeLines(file, lines));
}

/** A sessions folder inside the repository must never show up in the main checkout's status. */
export async function excludeSessionsDir(project: Project): Promise<void> {
  const inside = sessionsDirInsideRepo(project.mainCheckout, project.sessionsDir);
  if (inside) await excludeInRepository(project, [`/${inside}/`]);
}

async function copyCandidates(
  project: Project,
  choice: CopyChoice,
): Promise<Omit<CopyReport, 'copied' | 'skipped' | 'digests'>> {
  const main = project.mainCheckout;
  const rejected: CopyReport['rejected'] = [];
  const sessionsRel = sessionsDirInsideRepo(main, project.sessionsDir);
  if (choice.mode === 'none') return { mode: 'none', sources: [], candidates: [], rejected };
  if (choice.mode === 'list') {
    const accepted: string[] = [];
    for (const path of choice.paths) {
      const reason = literalPathProblem(path);
      if (reason) rejected.push({ pattern: path, source: '--copy', reason });
      else accepted.push(path.replace(/^\.\//, '').replace(/\/+$/, ''));
    }
    const found = await untrackedMatching(main, { patterns: ['*'], literalPaths: accepted });
    for (const path of accepted) {
      if (!found.some((file) => file === path || file.startsWith(`${path}/`))) {
        rejected.push({
          pattern: path,
          source: '--copy',
          reason: 'no untracked file there in the main checkout (missing, or tracked)',
        });
      }
    }
    return { mode: 'list', sources: ['--copy'], candidates: outsideSessionsDir(found, sessionsRel), rejected };
  }
  const include = readIncludeFile(main);
  const rules = copyPatterns(include.text, project.config.copy, main);
  rejected.push(...include.rejected, ...rules.rejected);
  const sources = rules.sources;
  const found = rules.patterns.length > 0 ? await untrackedMatching(main, { patterns: rules.patterns }) : [];
  return { mode: 'auto', sources, candidates: outsideSessionsDir(found, sessionsRel), rejected };
}

/** The main checkout's .worktreeinclude, read bounded and never through a symlink; an unsafe one is not used. */
export function readIncludeFile(mainCheckout: string): { text: string | null; rejected: CopyReport['rejected'] } {
  try {
    return { text: readBoundedText(join(mainCheckout, INCLUDE_FILE), MAX_INCLUDE_BYTES), rejected: [] };
  } catch (error) {
    if (!(error instanceof UnsafeFileError)) throw error;
    return {
      text: null,
      rejected: [
        {
          pattern: INCLUDE_FILE,
          source: INCLUDE_FILE,
          reason: `the file is not used: ${error.message.slice(error.path.length + 1)}`,
        },
      ],
    };
  }
}

const MAX_INCLUDE_BYTES = 256 * 1024;

/**
 * What the main checkout holds for a new worktree: its ignored files to copy (null for a setup re-run, which copies
 * none) and the pack's own untracked files. Neither depends on the new worktree, so start lists them while git
 * checks it out (WorkspaceOptions.mainFiles).
 */
export interface MainCheckoutFiles {
  copyCandidates: Omit<CopyReport, 'copied' | 'skipped' | 'digests'> | null;
  packUntracked: string[];
}

export async function listMainCheckoutFiles(project: Project, copy: CopyChoice | null): Promise<MainCheckoutFiles> {
  const [copyFound, packUntracked] = await Promise.all([
    copy ? copyCandidates(project, copy) : null,
    untrackedAt(project.mainCheckout, PACK_PATHS),
  ]);
  return { copyCandidates: copyFound, packUntracked };
}

async function copyIgnoredFiles(
  project: Project,
  worktree: string,
  found: Omit<CopyReport, 'copied' | 'skipped' | 'digests'>,
): Promise<CopyReport> {
  const result = await copyIntoWorktree(project.mainCheckout, worktree, found.candidates, {
    requireIgnoredInMain: true,
    requireIgnoredInWorktree: true,
  });
  return { ...found, ...result };
}

async function copyPackFiles(project: Project, worktree: string, untracked: string[]) {
  const result = await copyIntoWorktree(project.mainCheckout, worktree, untracked, {
    requireIgnoredInMain: false,
    requireIgnoredInWorktree: false,
  });
  // A re-run finds its own earlier copies in place: that is not worth a warning.
  return { copied: result.copied, skipped: result.skipped.filter((skip) => skip.reason !== 'exists') };
}

async function writeEnvSession(
  project: Project,
  worktree: string,
  session: SessionEntry,
  port: PortBlock | null,
): Promise<WorkspaceReport['envSession']> {
  await excludeInRepository(project, [`/${ENV_SESSION_FILE}`]);
  const place = inspectDestination(worktree, ENV_SESSION_FILE);
  const ignored = (await ignoredPaths(worktree, [ENV_SESSION_FILE])).has(ENV_SESSION_FILE);
  if (!ignored)
    return {
      written: false,
      message: `${ENV_SESSION_FILE} is tracked or un-ignored on this branch, so it was left alone`,
    };
  if (place !== 'free' && place !== 'exists')
    return { written: false, message: `${ENV_SESSION_FILE} cannot be written safely (${place})` };
  // One edited since the pack wrote it holds the user's lines: it is not written over.
  const written = session.packDigests?.[ENV_SESSION_FILE];
  if (place === 'exists' && written && fileDigest(join(worktree, ENV_SESSION_FILE)) !== written)
    return {
      written: false,
      message: `${ENV_SESSION_FILE} was edited in the session, so it was left as it is; delete it and run setup again for a fresh one`,
    };
  try {
    writeConfinedFile(
      worktree,
      ENV_SESSION_FILE,
      renderEnvSession({ project: project.name, session: session.id, port }),
    );
  } catch (error) {
    if (!(error instanceof UnsafeFileError)) throw error;
    return { written: false, message: `${ENV_SESSION_FILE} cannot be written safely: ${error.message}` };
  }
  return { written: true, message: null };
}

async function submodules(worktree: string): Promise<WorkspaceReport['submodules']> {
  if (!existsSync(join(worktree, '.gitmodules'))) return { status: 'none', message: null };
  try {
    await initSubmodules(worktree);
    return { status: 'ok', message: null };
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    return { status: 'failed', message: error.stderr.trim().split('\n').slice(-1)[0] ?? error.message };
  }
}

/** The session's port block, allocated now (under the lock) if it has none yet. */
async function ensurePort(project: Project, session: SessionEntry): Promise<PortBlock | null> {
  if (session.port) return session.port;
  const { result } = await updateManifest(project.manifestPath, project.name, (manifest) => {
    const entry = findSession(manifest, session.id);
    if (!entry) return false;
    if (entry.port) return entry.port;
    const port = allocatePortBlock(
      manifest.sessions.flatMap((other) => other.port ?? []),
      session.id,
      portSettings(project.config),
    );
    if (!port) return false;
    entry.port = port;
    return port;
  });
  return result || null;
}

async function recordInManifest(project: Project, id: string, change: (entry: SessionEntry) => void): Promise<void> {
  await updateManifest(project.manifestPath, project.name, (manifest) => {
    const entry = findSession(manifest, id);
    if (!entry) return false;
    change(entry);
    return true;
  });
}

const union = (a: readonly string[] | undefined, b: readonly string[]) => [...new Set([...(a ?? []), ...b])];

export function setupLogPath(project: Project, id: string): string {
  return join(project.sessionsDir, `${id}.setup.log`);
}

export async function prepareWorkspace(
  project: Project,
  session: SessionEntry,
  options: WorkspaceOptions,
): Promise<WorkspaceReport> {
  const worktree = worktreePathOf(project, session);
  const submoduleReport = await submodules(worktree);
  const mainFiles = await (options.mainFiles ?? listMainCheckoutFiles(project, options.copy));
  const copy = mainFiles.copyCandidates ? await copyIgnoredFiles(project, worktree, mainFiles.copyCandidates) : null;
  const pack = await copyPackFiles(project, worktree, mainFiles.packUntracked);
  const port = await ensurePort(project, session);
  const envSession = await writeEnvSession(project, worktree, session, port);

  const plan = planSetup(await detectDependencies(worktree, project.mainCheckout), {
    worktree,
    clone: project.config.dependencyClone,
    ...(project.config.postCreate ? { postCreate: project.config.postCreate } : {}),
  });
  const willRun = options.runSetup && plan.steps.length > 0;
  if (willRun && plan.packFiles.length > 0)
    await excludeInRepository(
      project,
      plan.packFiles.map((path) => `/${path}`),
    );
  const recordedPackFiles = union(session.packFiles, [
    ...(copy?.copied ?? []),
    ...pack.copied,
    ...(envSession.written ? [ENV_SESSION_FILE] : []),
    ...(willRun ? plan.packFiles : []),
  ]);
  // What the pack itself wrote, as it wrote it: an edit in the session (an "always allow" answer in
  // settings.local.json, a refined command, a line added to .env.session) is work, saved before the worktree goes.
  const packDigests: Record<string, string> = {};
  for (const path of [...pack.copied, ...(envSession.written ? [ENV_SESSION_FILE] : [])]) {
    const digest = path.endsWith('/') ? null : fileDigest(join(worktree, path));
    if (digest) packDigests[path] = digest;
  }
  const logPath = setupLogPath(project, session.id);
  const command = plan.steps.map((step) => step.label).join(' && ') || null;
  const recordFiles = (entry: SessionEntry) => {
    if (copy && copy.copied.length > 0) {
      entry.copiedFiles = union(entry.copiedFiles, copy.copied);
      entry.copiedDigests = { ...entry.copiedDigests, ...copy.digests };
    }
    if (recordedPackFiles.length > 0) entry.packFiles = union(entry.packFiles, recordedPackFiles);
    if (Object.keys(packDigests).length > 0) entry.packDigests = { ...entry.packDigests, ...packDigests };
  };
  const setupRecord = (setup: WorkspaceReport['setup']): SetupRecord => ({
    status: setup.status,
    command: setup.command,
    log: setup.log ? toStoredPath(project.mainCheckout, setup.log) : null,
    at: timestamp(options.now),
    ...(setup.dependencies ? { dependencies: setup.dependencies } : {}),
  });
  if (!willRun) {
    // Nothing runs: what was copied and why setup was skipped go into the manifest in one write.
    const setup: WorkspaceReport['setup'] = {
      status: 'skipped',
      command: null,
      log: null,
      message: options.runSetup ? plan.reason : '--no-setup',
    };
    const record = setupRecord(setup);
    await recordInManifest(project, session.id, (entry) => {
      recordFiles(entry);
      entry.setup = record;
    });
    return { copy, packFiles: pack, envSession, port, submodules: submoduleReport, setup, recordedPackFiles };
  }
  await recordInManifest(project, session.id, (entry) => {
    recordFiles(entry);
    // Recorded before it runs: a setup killed outright reads as interrupted (its owner is dead), never as done.
    entry.setup = {
      status: 'running',
      command,
      log: toStoredPath(project.mainCheckout, logPath),
      at: timestamp(options.now),
      owner: selfRecord(),
    };
  });
  const env = { SESSION_ID: session.id, ...(port ? { PORT: String(port.base) } : {}) };
  const outcome = await runSetup(plan, worktree, logPath, env, options.progress);
  const setup: WorkspaceReport['setup'] = {
    status: outcome.ok ? 'ok' : outcome.interrupted ? 'interrupted' : 'failed',
    command,
    log: logPath,
    message: outcome.failure,
    dependencies: outcome.dependencies,
  };
  const record = setupRecord(setup);
  await recordInManifest(project, session.id, (entry) => {
    entry.setup = record;
  });
  return { copy, packFiles: pack, envSession, port, submodules: submoduleReport, setup, recordedPackFiles };
}

/**
 * For start: the session exists already, so an unexpected error in any workspace step is
 * turned into a failed setup (reported, recorded when possible) instead of a failed start.
 */
export async function prepareWorkspaceSafely(
  project: Project,
  session: SessionEntry,
  options: WorkspaceOptions,
): Promise<WorkspaceReport> {
  try {
    return await prepareWorkspace(project, session, options);
  } catch (error) {
    const message = `preparing the workspace failed: ${error instanceof Error ? error.message : String(error)}`;
    const at = timestamp(options.now);
    await recordInManifest(project, session.id, (entry) => {
      entry.setup = { status: 'failed', command: null, log: null, at };
    }).catch(() => undefined);
    return {
      copy: null,
      packFiles: { copied: [], skipped: [] },
      envSession: { written: false, message: 'not reached' },
      port: session.port ?? null,
      submodules: { status: 'none', message: null },
      setup: { status: 'failed', command: null, log: null, message },
      recordedPackFiles: [],
    };
  }
}
