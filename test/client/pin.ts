/**
 * The Claude Code client these tests drive: its version is pinned in one place, package.json's devDependencies,
 * and the installed package must be exactly that version.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/gitdir.js';

export const CLIENT_PACKAGE = '@anthropic-ai/claude-code';
export const CLIENT_DIR = join(ROOT, 'node_modules', CLIENT_PACKAGE);
/**
 * The package's own launcher, run with plain `node`: it finds the native binary of exactly this version in the
 * platform package beside it, so it works whether or not npm ran the package's postinstall.
 */
export const CLIENT_LAUNCHER = join(CLIENT_DIR, 'cli-wrapper.cjs');

/** The exact version package.json pins; a range there is an error, since the tests depend on one client's behaviour. */
export function pinnedVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const pin: unknown = pkg.devDependencies?.[CLIENT_PACKAGE];
  if (typeof pin !== 'string' || !/^\d+\.\d+\.\d+$/.test(pin)) {
    throw new Error(
      `package.json must pin ${CLIENT_PACKAGE} to an exact version in devDependencies, found ${JSON.stringify(pin)}`,
    );
  }
  return pin;
}

/** The version installed in node_modules, or null when the package is not installed. */
export function installedVersion(): string | null {
  const path = join(CLIENT_DIR, 'package.json');
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, 'utf8')).version ?? null;
}
