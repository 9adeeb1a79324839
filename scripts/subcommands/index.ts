import { tracedLoad } from '../lib/shell.js';
import type { Subcommand, SubcommandSpec } from '../lib/subcommand.js';
import { SPECS } from './specs.js';

/**
 * Each subcommand's code is loaded only when it runs: a run of `status` does not load (or, in the bundle, evaluate)
 * what `start`, `end` or `land` need. What parsing and --help need is in specs.ts.
 */
const LOADERS: Record<keyof typeof SPECS, () => Promise<Subcommand>> = {
  start: () => import('./start.js').then((module) => module.start),
  end: () => import('./end.js').then((module) => module.end),
  restore: () => import('./restore.js').then((module) => module.restore),
  ready: () => import('./ready.js').then((module) => module.ready),
  land: () => import('./land.js').then((module) => module.land),
  status: () => import('./status.js').then((module) => module.status),
  open: () => import('./open.js').then((module) => module.open),
  overlap: () => import('./overlap.js').then((module) => module.overlap),
  sync: () => import('./sync.js').then((module) => module.sync),
  cleanup: () => import('./cleanup.js').then((module) => module.cleanup),
  setup: () => import('./setup.js').then((module) => module.setup),
};

function lazy(name: keyof typeof SPECS): Subcommand {
  const spec: SubcommandSpec = SPECS[name];
  return {
    ...spec,
    run: async (invocation, context) => (await tracedLoad(`the ${name} code`, LOADERS[name])).run(invocation, context),
  };
}

/** Every subcommand the helper offers, in the order `--help` lists them. */
export const SUBCOMMANDS: Subcommand[] = (
  ['start', 'end', 'restore', 'ready', 'land', 'status', 'open', 'overlap', 'sync', 'cleanup', 'setup'] as const
).map(lazy);
