import type { Subcommand } from '../lib/subcommand.js';
import { start } from './start.js';
import { end } from './end.js';
import { status } from './status.js';
import { overlap } from './overlap.js';
import { sync } from './sync.js';
import { cleanup } from './cleanup.js';
import { setup } from './setup.js';
import { restore } from './restore.js';
import { ready } from './ready.js';
import { land } from './land.js';
import { open } from './open.js';

/** Every subcommand the helper offers, in the order `--help` lists them. */
export const SUBCOMMANDS: Subcommand[] = [start, end, restore, ready, land, status, open, overlap, sync, cleanup, setup];
