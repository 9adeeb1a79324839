/**
 * Installs the Flight Rules session commands into a project (or, with --user, into ~/.claude):
 *   npx tsx install.ts [project-dir] [--user] [--agent claude|cursor|both] [--dry-run] [--force] [--uninstall] [--no-hooks] [--no-gitattributes]
 * The work is in scripts/install/.
 */
import { main } from './scripts/install/main.js';

// Under `npm run install-pack`, npm runs this from the pack's folder; INIT_CWD is where the user typed the command.
process.exitCode = await main(process.argv.slice(2), {
  cwd: process.env.INIT_CWD ?? process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
