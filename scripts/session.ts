#!/usr/bin/env node
/** The helper the slash commands call: `node session.mjs <subcommand> [options] [--json]`. */
import { main } from './lib/cli.js';
import { SUBCOMMANDS } from './subcommands/index.js';

const exitCode = await main(SUBCOMMANDS, {
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exitCode = exitCode;
