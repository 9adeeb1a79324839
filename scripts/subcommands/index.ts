import type { Subcommand } from '../lib/subcommand.js';
import { start } from './start.js';
import { end } from './end.js';

/** Every subcommand the helper offers, in the order `--help` lists them. */
export const SUBCOMMANDS: Subcommand[] = [start, end];
