import type { Subcommand } from '../lib/subcommand.js';
import { start } from './start.js';
import { status } from './status.js';
import { overlap } from './overlap.js';

/** Every subcommand the helper offers, in the order `--help` lists them. */
export const SUBCOMMANDS: Subcommand[] = [start, status, overlap];
