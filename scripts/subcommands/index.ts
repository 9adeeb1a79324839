import type { Subcommand } from '../lib/subcommand.js';
import { start } from './start.js';
import { end } from './end.js';
import { setup } from './setup.js';
import { cleanup } from './cleanup.js';
import { sync } from './sync.js';

/** Every subcommand the helper offers, in the order `--help` lists them. */
export const SUBCOMMANDS: Subcommand[] = [start, end, setup, cleanup, sync];
