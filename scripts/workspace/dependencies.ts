/**
 * Dependency setup in a worktree: detect the toolchain from its lockfiles, plan the fastest
 * safe install (shared stores, prefer-offline, frozen lockfiles), or the project's own
 * postCreate command instead. Planning is pure; detection and running are the thin edges.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detect } from 'package-manager-detector/detect';

export interface DependencyFacts {
  /** package-manager-detector's agent, e.g. npm, pnpm, yarn, yarn@berry, bun; null without a JS lockfile. */
  jsAgent: string | null;
  uvLock: boolean;
  poetryLock: boolean;
  /** requirements*.txt at the worktree root, sorted. */
  requirements: string[];
}

export interface SetupStep {
  program: string;
  args: string[];
  /** The command as people read it. */
  label: string;
}

export interface SetupPlan {
  steps: SetupStep[];
  /** What the steps put into the worktree that is not the session's work (a trailing / marks a folder). */
  packFiles: string[];
  /** Why nothing runs, when steps is empty. */
  reason: string | null;
}

const JS_INSTALLS: Record<string, string[]> = {
  npm: ['ci', '--prefer-offline', '--no-audit', '--no-fund'],
  pnpm: ['install', '--frozen-lockfile', '--prefer-offline'],
  'pnpm@6': ['install', '--frozen-lockfile', '--prefer-offline'],
  yarn: ['install', '--frozen-lockfile', '--prefer-offline', '--non-interactive'],
  'yarn@berry': ['install', '--immutable'],
  bun: ['install', '--frozen-lockfile'],
};

const step = (program: string, args: string[], shown = program): SetupStep => ({ program, args, label: [shown, ...args].join(' ') });

export function planSetup(facts: DependencyFacts, options: { postCreate?: string; worktree: string }): SetupPlan {
  if (options.postCreate) {
    return { steps: [{ program: 'sh', args: ['-c', options.postCreate], label: options.postCreate }], packFiles: [], reason: null };
  }
  const steps: SetupStep[] = [];
  const packFiles: string[] = [];
  const notes: string[] = [];
  if (facts.jsAgent) {
    const args = JS_INSTALLS[facts.jsAgent];
    const program = facts.jsAgent.split('@')[0]!;
    if (args) steps.push(step(program, args));
    else notes.push(`no known install for ${facts.jsAgent}; set postCreate in the project config`);
  }
  if (facts.uvLock) steps.push(step('uv', ['sync', '--frozen']));
  else if (facts.poetryLock) steps.push(step('poetry', ['install', '--no-interaction']));
  else if (facts.requirements.length > 0) {
    const python = join(options.worktree, '.venv', 'bin', 'python');
    steps.push(step('python3', ['-m', 'venv', '.venv']));
    steps.push(step(python, ['-m', 'pip', 'install', '--disable-pip-version-check', ...facts.requirements.flatMap((file) => ['-r', file])], '.venv/bin/python'));
    packFiles.push('.venv/');
  }
  const reason = steps.length > 0 ? null : notes[0] ?? 'no lockfile or requirements file to install from';
  return { steps, packFiles, reason };
}

/** Lockfile facts at the worktree root only (never a parent folder's lockfile). */
export async function detectDependencies(worktree: string): Promise<DependencyFacts> {
  const found = await detect({ cwd: worktree, stopDir: worktree, strategies: ['lockfile'] });
  let jsAgent = found?.agent ?? null;
  if (jsAgent === 'yarn' && isYarnBerry(worktree)) jsAgent = 'yarn@berry';
  const names = readdirSync(worktree);
  return {
    jsAgent,
    uvLock: names.includes('uv.lock'),
    poetryLock: names.includes('poetry.lock'),
    requirements: names.filter((name) => /^requirements.*\.txt$/.test(name)).sort(),
  };
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
