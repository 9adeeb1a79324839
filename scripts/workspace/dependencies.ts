/**
 * Dependency setup in a worktree: detect the toolchain from its lockfiles, plan the fastest
 * safe install (shared stores, prefer-offline, frozen lockfiles), or the project's own
 * postCreate command instead. Planning is pure; detection and running are the thin edges.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detect } from 'package-manager-detector/detect';
import { npmCloneVerdict, type CloneVerdict } from '../core/dependency-clone.js';
import type { DependencyClone } from '../core/config.js';
import { readBoundedText } from '../lib/safe-fs.js';

export interface DependencyFacts {
  /** package-manager-detector's agent, e.g. npm, pnpm, yarn, yarn@berry, bun; null without a JS lockfile. */
  jsAgent: string | null;
  /** For npm: whether the main checkout's installed tree can be cloned instead (core/dependency-clone.ts). */
  npmClone?: CloneVerdict & { from: string };
  uvLock: boolean;
  poetryLock: boolean;
  /** requirements*.txt at the worktree root, sorted. */
  requirements: string[];
}

export interface RunStep {
  kind?: 'run';
  program: string;
  args: string[];
  /** The command as people read it. */
  label: string;
  /** It installs the JS dependencies: how long it took is recorded beside the clone it stands for. */
  jsInstall?: boolean;
}

/** The main checkout's installed tree, copied (copy-on-write where the file system can) or hard-linked; the install runs instead if that fails. */
export interface CloneStep {
  kind: 'clone';
  from: string;
  /** Relative to the worktree. */
  to: string;
  link: boolean;
  label: string;
  fallback: RunStep;
}

export type SetupStep = RunStep | CloneStep;

export interface SetupPlan {
  steps: SetupStep[];
  /** What the steps put into the worktree that is not the session's work (a trailing / marks a folder). */
  packFiles: string[];
  /** Why nothing runs, when steps is empty. */
  reason: string | null;
  /** Why the dependencies are installed rather than cloned, when a clone was looked at. */
  noClone?: string;
}

const JS_INSTALLS: Record<string, string[]> = {
  npm: ['ci', '--prefer-offline', '--no-audit', '--no-fund'],
  pnpm: ['install', '--frozen-lockfile', '--prefer-offline'],
  'pnpm@6': ['install', '--frozen-lockfile', '--prefer-offline'],
  yarn: ['install', '--frozen-lockfile', '--prefer-offline', '--non-interactive'],
  'yarn@berry': ['install', '--immutable'],
  bun: ['install', '--frozen-lockfile'],
};

const step = (program: string, args: string[], shown = program): RunStep => ({
  program,
  args,
  label: [shown, ...args].join(' '),
});

export function planSetup(
  facts: DependencyFacts,
  options: { postCreate?: string; worktree: string; clone?: DependencyClone },
): SetupPlan {
  if (options.postCreate) {
    return {
      steps: [{ program: 'sh', args: ['-c', options.postCreate], label: options.postCreate }],
      packFiles: [],
      reason: null,
    };
  }
  const steps: SetupStep[] = [];
  const packFiles: string[] = [];
  const notes: string[] = [];
  let noClone: string | undefined;
  if (facts.jsAgent) {
    const args = JS_INSTALLS[facts.jsAgent];
    const program = facts.jsAgent.split('@')[0]!;
    const clone = facts.npmClone;
    const mode = options.clone ?? 'auto';
    if (args && clone?.clone && mode !== 'off') {
      const link = mode === 'hardlink';
      steps.push({
        kind: 'clone',
        from: clone.from,
        to: 'node_modules',
        link,
        label: `${link ? 'hard-link' : 'clone'} node_modules from the main checkout (its lockfile is the same)`,
        fallback: { ...step(program, args), jsInstall: true },
      });
    } else if (args) {
      steps.push({ ...step(program, args), jsInstall: true });
      if (clone && !clone.clone) noClone = clone.why;
      if (clone?.clone && mode === 'off') noClone = 'dependencyClone is off in the project config';
    } else notes.push(`no known install for ${facts.jsAgent}; set postCreate in the project config`);
  }
  if (facts.uvLock) steps.push(step('uv', ['sync', '--frozen']));
  else if (facts.poetryLock) steps.push(step('poetry', ['install', '--no-interaction']));
  else if (facts.requirements.length > 0) {
    const python = join(options.worktree, '.venv', 'bin', 'python');
    steps.push(step('python3', ['-m', 'venv', '.venv']));
    steps.push(
      step(
        python,
        ['-m', 'pip', 'install', '--disable-pip-version-check', ...facts.requirements.flatMap((file) => ['-r', file])],
        '.venv/bin/python',
      ),
    );
    packFiles.push('.venv/');
  }
  const reason = steps.length > 0 ? null : (notes[0] ?? 'no lockfile or requirements file to install from');
  return { steps, packFiles, reason, ...(noClone ? { noClone } : {}) };
}

/** Lockfile facts at the worktree root only (never a parent folder's lockfile); with `mainCheckout`, whether its npm tree can be cloned. */
export async function detectDependencies(worktree: string, mainCheckout?: string): Promise<DependencyFacts> {
  const found = await detect({ cwd: worktree, stopDir: worktree, strategies: ['lockfile'] });
  let jsAgent = found?.agent ?? null;
  if (jsAgent === 'yarn' && isYarnBerry(worktree)) jsAgent = 'yarn@berry';
  const names = readdirSync(worktree);
  return {
    jsAgent,
    ...(jsAgent === 'npm' && mainCheckout
      ? { npmClone: { ...npmCloneFacts(mainCheckout, worktree), from: join(mainCheckout, 'node_modules') } }
      : {}),
    uvLock: names.includes('uv.lock'),
    poetryLock: names.includes('poetry.lock'),
    requirements: names.filter((name) => /^requirements.*\.txt$/.test(name)).sort(),
  };
}

const LOCK_LIMIT = 64 * 1024 * 1024;

/** Both lockfiles, and npm's record of what the main checkout has installed, read bounded and never through a link. */
function npmCloneFacts(mainCheckout: string, worktree: string): CloneVerdict {
  const read = (path: string) => {
    try {
      return readBoundedText(path, LOCK_LIMIT);
    } catch {
      return null;
    }
  };
  return npmCloneVerdict({
    mainLock: read(join(mainCheckout, 'package-lock.json')),
    worktreeLock: read(join(worktree, 'package-lock.json')),
    installedRecord: read(join(mainCheckout, 'node_modules', '.package-lock.json')),
    worktreeHasTree: existsSync(join(worktree, 'node_modules')),
    mainTreeIsLink: isLink(join(mainCheckout, 'node_modules')),
  });
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Berry writes .yarnrc.yml and a `__metadata:` block in yarn.lock; classic does neither. */
function isYarnBerry(worktree: string): boolean {
  if (existsSync(join(worktree, '.yarnrc.yml'))) return true;
  try {
    return readFileSync(join(worktree, 'yarn.lock'), 'utf8').slice(0, 2000).includes('__metadata:');
  } catch {
    return false;
  }
}
