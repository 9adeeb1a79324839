/**
 * The installer's edges: gather facts from the disk, let plan.ts decide, print, then apply. It never prompts:
 * every choice is a flag. Exit codes as the helper's: 0 done, 1 refused (nothing written), 2 usage.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_NAMES } from '../lib/bundles.js';
import { EXIT, GitError, RefusalError, UsageError } from '../lib/errors.js';
import { MARK } from '../lib/output.js';
import { git, run } from '../lib/shell.js';
import { commandLine } from '../lib/shell-words.js';
import { INSTALL_USAGE, parseInstallArgs, type InstallOptions } from './args.js';
import { homeIsUsable, RUNTIME_SUBDIR, renderCommand, type Scope } from './command-text.js';
import { planInstall, planUninstall, type InstallRecord, type Plan, type Step } from './plan.js';
import { packSettings, parseSettings, SettingsShapeError, type JsonObject } from './settings.js';

export const PACK_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RECORD_PATH = `${RUNTIME_SUBDIR}/install-manifest.json`;
export const RUNTIME_FILES = BUNDLE_NAMES;

export interface InstallIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

function newestMtime(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The runtime is built from scripts/; rebuild when a bundle is missing or older than any source. */
async function ensureBuilt(packRoot: string): Promise<string | null> {
  const bundles = RUNTIME_FILES.map((file) => join(packRoot, 'dist', file));
  const sources = newestMtime(join(packRoot, 'scripts'));
  if (bundles.every((bundle) => existsSync(bundle) && statSync(bundle).mtimeMs >= sources)) return null;
  await run(packRoot, 'npm', ['run', 'build']);
  return 'built dist/ from scripts/ (npm run build)';
}

async function installRoot(options: InstallOptions, env: NodeJS.ProcessEnv): Promise<string> {
  if (options.user) {
    const home = env.HOME;
    if (!home || !existsSync(home))
      throw new RefusalError(
        'no-home',
        'HOME is not set to an existing folder, so there is no user-level .claude/ to install into.',
        'Set HOME, or install into a project instead.',
      );
    // The user-wide commands and permission rules name the helper by its absolute path (Claude Code expands no
    // variable in a permission rule), quoted in the text and in the rules.
    if (!homeIsUsable(home))
      throw new RefusalError(
        'home-unusable',
        `HOME (${JSON.stringify(home)}) is not an absolute path free of quotes, $, \\, * and parentheses, so the commands cannot name the helper inside it.`,
        'Install into a project instead.',
      );
    return home;
  }
  const dir = options.projectDir!;
  if (!existsSync(dir))
    throw new RefusalError(
      'no-such-folder',
      `The folder ${dir} does not exist.`,
      'Pass the path of your project (a git repository).',
    );
  const toplevel = await git(dir, ['rev-parse', '--show-toplevel'], { okExitCodes: [0, 128] });
  if (toplevel.exitCode !== 0 || toplevel.stdout.trim() === '') {
    throw new RefusalError(
      'not-a-repository',
      `${dir} is not inside a git repository; parallel sessions need one.`,
      'Run `git init` and make a first commit there, or pass the path of a git repository.',
    );
  }
  return toplevel.stdout.trim();
}

function readText(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

function readRecord(root: string): InstallRecord | null {
  const text = readText(join(root, RECORD_PATH));
  if (text === null) return null;
  try {
    return JSON.parse(text) as InstallRecord;
  } catch (error) {
    throw new RefusalError(
      'install-record-invalid',
      `The install record ${join(root, RECORD_PATH)} is not valid JSON (${(error as Error).message}).`,
      'Remove that file and rerun the install; files you changed are then kept unless you pass --force.',
    );
  }
}

function settingsRefusal(path: string, error: unknown): RefusalError {
  const why = error instanceof SettingsShapeError ? error.message : `it is not valid JSON: ${(error as Error).message}`;
  return new RefusalError(
    'settings-invalid',
    `${path} cannot be merged into: ${why}. Nothing was written.`,
    'Fix that file (it must be a JSON object, with "hooks" and "permissions" shaped as Claude Code expects), then rerun the install.',
  );
}

function readSettings(path: string): JsonObject | null {
  const text = readText(path);
  if (text === null) return null;
  try {
    return parseSettings(text);
  } catch (error) {
    throw settingsRefusal(path, error);
  }
}

/** A settings file whose "hooks" or "permissions" has a shape the merge cannot extend is refused, never rewritten. */
function planOrRefuse(settingsPath: string, plan: () => Plan): Plan {
  try {
    return plan();
  } catch (error) {
    if (error instanceof SettingsShapeError) throw settingsRefusal(settingsPath, error);
    throw error;
  }
}

/** `home`: the absolute home folder a user install names (undefined for a project install). */
function desiredFiles(
  packRoot: string,
  scope: Scope,
  options: InstallOptions,
  home: string | undefined,
): { path: string; content: string }[] {
  const sources = readdirSync(join(packRoot, 'commands'))
    .filter((file) => file.endsWith('.md'))
    .sort();
  const files: { path: string; content: string }[] = [];
  for (const agent of options.agents) {
    for (const file of sources) {
      files.push({
        path: `.${agent}/commands/${file}`,
        content: renderCommand(readFileSync(join(packRoot, 'commands', file), 'utf8'), scope, agent, home),
      });
    }
  }
  for (const file of RUNTIME_FILES)
    files.push({ path: `${RUNTIME_SUBDIR}/${file}`, content: readFileSync(join(packRoot, 'dist', file), 'utf8') });
  return files;
}

function gatherPlan(root: string, options: InstallOptions, packRoot: string): Plan | null {
  const scope: Scope = options.user ? 'user' : 'project';
  const record = readRecord(root);
  const settingsPath = '.claude/settings.json';
  const current = new Map<string, string | null>();
  const load = (path: string) => current.set(path, readText(join(root, path)));
  if (options.uninstall) {
    if (!record) return null;
    Object.keys(record.files).forEach(load);
    return planOrRefuse(join(root, record.settings?.path ?? settingsPath), () =>
      planUninstall({
        record,
        recordPath: RECORD_PATH,
        current,
        settingsCurrent: record.settings ? readSettings(join(root, record.settings.path)) : null,
        gitattributesCurrent: readText(join(root, '.gitattributes')),
      }),
    );
  }
  // A user install's root is the home folder, which its commands and rules name.
  const home = scope === 'user' ? root : undefined;
  const desired = desiredFiles(packRoot, scope, options, home);
  [...desired.map((file) => file.path), ...Object.keys(record?.files ?? {}), RECORD_PATH].forEach(load);
  const claude = options.agents.includes('claude');
  const candidateDirs = [
    ...new Set([...desired.map((file) => file.path), RECORD_PATH, settingsPath].map(dirname)),
  ].flatMap((dir) => dir.split('/').map((_, index, parts) => parts.slice(0, index + 1).join('/')));
  return planOrRefuse(join(root, settingsPath), () =>
    planInstall({
      desired,
      current,
      record,
      recordPath: RECORD_PATH,
      settings: claude
        ? {
            path: settingsPath,
            current: readSettings(join(root, settingsPath)),
            pack: packSettings(scope, options.hooks, home),
            knownHooks: packSettings(scope, true, home).hooks.map((hook) => hook.command),
          }
        : null,
      gitattributes:
        scope === 'project' && options.gitattributes ? { current: readText(join(root, '.gitattributes')) } : null,
      runtimeDir: RUNTIME_SUBDIR,
      existingDirs: new Set(candidateDirs.filter((dir) => existsSync(join(root, dir)))),
      force: options.force,
    }),
  );
}

function apply(root: string, steps: Step[]): void {
  for (const step of steps) {
    const path = join(root, step.path);
    if (step.kind === 'write') {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, step.content);
    } else if (step.kind === 'remove') {
      rmSync(path, { force: true });
    } else {
      try {
        rmdirSync(path);
      } catch {
        // Not empty (the user keeps something there) or already gone: either way it stays as it is.
      }
    }
  }
}

/** The top-level files and folders this run touched, for the commit it suggests. */
function touched(steps: Step[]): string[] {
  return [...new Set(steps.filter((step) => step.kind !== 'rmdir').map((step) => step.path.split('/')[0]!))].sort();
}

function nextStep(options: InstallOptions, steps: Step[]): string {
  if (options.user)
    return options.uninstall ? '' : 'Next: open Claude Code in any git project and run /dev-session.start.';
  const paths = touched(steps);
  if (options.uninstall)
    return `Next: if these were committed, commit their removal: ${commandLine(['git', 'add', '-A', '--', ...paths])} && ${commandLine(['git', 'commit', '-m', 'Remove Flight Rules session commands'])}`;
  return `Next: commit ${paths.join(' and ')} so that every session worktree has the commands and the helper: ${commandLine(['git', 'add', '--', ...paths])} && ${commandLine(['git', 'commit', '-m', 'Add Flight Rules session commands'])}`;
}

export async function install(argv: string[], io: InstallIo, packRoot = PACK_ROOT): Promise<number> {
  const options = parseInstallArgs(argv, io.cwd);
  if (options.help) {
    io.stdout.write(`usage: ${INSTALL_USAGE}\n`);
    return EXIT.done;
  }
  const root = await installRoot(options, io.env);
  const built = options.uninstall ? null : await ensureBuilt(packRoot);
  const plan = gatherPlan(root, options, packRoot);
  const what = options.uninstall ? 'Uninstall' : 'Install';
  const lines = [
    `${what} of the Flight Rules session commands, ${options.user ? 'user-wide' : 'project'}: ${root} (${options.agents.join(' and ')})`,
  ];
  if (built) lines.push(`${MARK.done} ${built}`);
  if (!plan) {
    lines.push(`${MARK.info} Nothing to uninstall: there is no install record at ${join(root, RECORD_PATH)}.`);
    io.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.done;
  }
  const { steps, report } = plan;
  const changes = report.done.length + report.kept.length;
  if (options.dryRun) {
    lines.push('Dry run: nothing was written. The plan:');
    lines.push(
      ...report.done.map((line) => `${MARK.info} would have ${line}`),
      ...report.kept.map((line) => `${MARK.warn} would have ${line}`),
    );
    if (report.unchanged > 0) lines.push(`${MARK.info} ${report.unchanged} file(s) already up to date`);
    if (changes === 0) lines.push(`${MARK.info} nothing to do`);
    io.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.done;
  }
  apply(root, steps);
  lines.push(
    ...report.done.map((line) => `${MARK.done} ${line}`),
    ...report.kept.map((line) => `${MARK.warn} ${line}`),
  );
  if (report.unchanged > 0) lines.push(`${MARK.info} ${report.unchanged} file(s) already up to date`);
  if (report.done.length === 0 && !options.uninstall) {
    lines.push(
      `${MARK.done} Nothing changed: ${report.kept.length > 0 ? 'everything else is' : 'everything is'} installed and up to date.`,
    );
  } else {
    const next = nextStep(options, steps);
    if (next) lines.push('', next);
  }
  io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.done;
}

/** The one place installer errors become exit codes. */
export async function main(argv: string[], io: InstallIo, packRoot = PACK_ROOT): Promise<number> {
  try {
    return await install(argv, io, packRoot);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${MARK.fail} usage error: ${error.message}\n${error.next ?? `usage: ${INSTALL_USAGE}`}\n`);
      return EXIT.usage;
    }
    if (error instanceof RefusalError) {
      io.stderr.write(`${MARK.fail} refused: ${error.message}\nNext: ${error.next}\n`);
      return EXIT.refused;
    }
    if (error instanceof GitError) {
      io.stderr.write(
        `${MARK.fail} error: ${error.message}\nNext: fix the problem shown above and rerun; nothing was written.\n`,
      );
      return EXIT.refused;
    }
    throw error;
  }
}
