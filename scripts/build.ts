/** Bundles the helper into one self-contained ESM file that plain `node` runs. */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE_PATH = `${root}dist/session.mjs`;
export const HOOK_BUNDLE_PATH = `${root}dist/hook.mjs`;

await build({
  entryPoints: { session: `${root}scripts/session.ts`, hook: `${root}scripts/hook.ts` },
  outdir: `${root}dist`,
  outExtension: { '.js': '.mjs' },
  splitting: false,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  // zx's bundled dependencies call require() for node built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
