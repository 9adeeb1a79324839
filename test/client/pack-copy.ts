/**
 * This repository as a plugin user gets it: the files git tracks (with their content in this checkout, so that a
 * change not yet committed is tested too), and nothing else. No node_modules, no untracked or ignored build output.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hermeticEnv, ROOT } from '../helpers/gitdir.js';

/** The tracked files that exist in this checkout, relative to the root. */
export function trackedFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z'], {
    cwd: ROOT,
    env: hermeticEnv(ROOT),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return listed.split('\0').filter((path) => {
    if (path === '') return false;
    try {
      return statSync(join(ROOT, path)).isFile();
    } catch {
      return false; // deleted in this checkout, not yet committed
    }
  });
}

/** Copies the tracked files into `dest`, leaving out those `skip` says; returns `dest`. */
export function copyPack(dest: string, skip: (path: string) => boolean = () => false): string {
  for (const path of trackedFiles()) {
    if (skip(path)) continue;
    mkdirSync(dirname(join(dest, path)), { recursive: true });
    copyFileSync(join(ROOT, path), join(dest, path));
    chmodSync(join(dest, path), statSync(join(ROOT, path)).mode & 0o777);
  }
  return dest;
}

/** `copyPack`, then the copy made a repository with one commit holding it all: what a clone of it would be. */
export function clonedPack(dest: string): string {
  copyPack(dest);
  const env = hermeticEnv(dest);
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'The pack as committed'],
  ])
    execFileSync('git', args, { cwd: dest, env, stdio: 'ignore' });
  return dest;
}
