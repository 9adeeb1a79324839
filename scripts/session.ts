/**
 * The helper's code: `node session.mjs <subcommand> [options] [--json]` (scripts/code-loader.ts) runs it, from
 * `session-code.cjs` beside it. CommonJS, so that code can be compiled from V8's code cache: no top-level await.
 */
import { realpathSync } from 'node:fs';
import { main } from './lib/cli.js';
import { setHelperPath } from './lib/invocation.js';
import { SUBCOMMANDS } from './subcommands/index.js';

// Messages tell the agent to run the helper's command, as `node <path>`: there is no `session` on its PATH.
setHelperPath(realpathSync(process.argv[1]!));

void main(SUBCOMMANDS, {
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
}).then((exitCode) => {
  process.exitCode = exitCode;
});
