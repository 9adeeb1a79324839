/**
 * Installs the Flight Rules session commands into a project (or, with --user, into ~/.claude):
 *   npx tsx install.ts [project-dir] [--user] [--agent claude|cursor|both] [--dry-run] [--force] [--uninstall] [--no-hooks] [--no-gitattributes]
 * The work is in scripts/install/.
 */
import { main } from './scripts/install/main.js';

process.exitCode = await main(process.argv.slice(2), { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr });
