/**
 * Node built-ins that take milliseconds to load, loaded on their first use rather than with
 * the module that uses them: the hook bundle runs before every edit, and most of its runs
 * never hash or write anything.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export function cryptoModule(): typeof import('node:crypto') {
  return load('node:crypto') as typeof import('node:crypto');
}

export function osModule(): typeof import('node:os') {
  return load('node:os') as typeof import('node:os');
}
