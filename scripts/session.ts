#!/usr/bin/env node
/** The helper the slash commands call: `node session.mjs <subcommand> [options] [--json]`. */
import { realpathSync } from 'node:fs';
import { main } from './lib/cli.js';
import { setHelperPath } from './lib/invocation.js';
import { SUBCOMMANDS } from './subcommands/index.js';

// Messages tell the agent to run this very file, as `node <path>`: there is no `session` on its PATH.
setHelperPath(realpathSync(process.argv[1]!));

const exitCode = await main(SUBCOMMANDS, {
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exitCode = exitCode;
