/**
 * Bundles the helper and the hooks into self-contained ESM files that plain `node` runs. The bundles are committed
 * (a plugin installed from a marketplace gets the repository as committed, and runs them from there), so the
 * build must be a pure function of the sources: fixed options, paths relative to the pack's root, no timestamps,
 * no source maps. test/bundle.test.ts builds into memory and compares with what git holds.
 *
 *   tsx scripts/build.ts              writes dist/session.mjs and dist/hook.mjs
 *   tsx scripts/build.ts --outdir D   writes them to D instead
 */
import { build, type BuildOptions } from 'esbuild';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The files the plugin and the installer ship, relative to the pack's root. */
export const BUNDLES = ['dist/session.mjs', 'dist/hook.mjs'] as const;
export const BUNDLE_PATH = join(ROOT, BUNDLES[0]);
export const HOOK_BUNDLE_PATH = join(ROOT, BUNDLES[1]);

function options(root: string): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: { session: 'scripts/session.ts', hook: 'scripts/hook.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    splitting: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    sourcemap: false,
    metafile: false,
    charset: 'ascii',
    logLevel: 'warning',
    // zx's bundled dependencies call require() for node built-ins.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    write: false,
  };
}

/** The bundles' bytes, by file name (`session.mjs`, `hook.mjs`), built in memory from the sources under `root`. */
export async function buildBundles(root = ROOT): Promise<Map<string, Uint8Array>> {
  const result = await build(options(root));
  return new Map(result.outputFiles!.map((file) => [basename(file.path), file.contents]));
}

export async function writeBundles(outdir: string, root = ROOT): Promise<void> {
  mkdirSync(outdir, { recursive: true });
  for (const [name, contents] of await buildBundles(root)) {
    const path = join(outdir, name);
    writeFileSync(path, contents);
    // A bundle that starts with a #! line is run directly; the mode is part of what git records.
    chmodSync(path, contents[0] === 0x23 && contents[1] === 0x21 ? 0o755 : 0o644);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--outdir');
  await writeBundles(at >= 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]!) : join(ROOT, 'dist'));
}
