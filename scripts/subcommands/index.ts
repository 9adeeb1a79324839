import type { Subcommand } from '../lib/subcommand.js';
import { start } from './start.js';

/** Every subcommand the helper offers, in the order `--help` lists them. */
export const SUBCOMMANDS: Subcommand[] = [start];
