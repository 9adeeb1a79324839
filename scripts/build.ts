/**
 * Bundles the helper and the hooks into self-contained files that plain `node` runs, and fills the plugin folder
 * with what it ships. Each is a command (scripts/code-loader.ts: the helper's ESM, as `session.mjs` has always
 * been, the hooks' CommonJS) and its code beside it, CommonJS, which the command runs from V8's code cache.
 *
 * `dist/` is the local build the installer and the tests use (not committed). `plugin/` is the Claude Code plugin
 * a marketplace installs: the client copies that folder as committed and runs nothing to build it, so it holds
 * committed copies of the bundles (`plugin/dist/`) and of the command files (`plugin/commands/`, copied from
 * `commands/`). It is a folder of its own because the client runs `npm ci` in a plugin's root when it finds a
 * package.json and a lockfile there, and this repository's would install the whole development toolchain.
 *
 * The build is a pure function of the sources: fixed options, paths relative to the pack's root, no timestamps,
 * no source maps. test/bundle.test.ts builds into memory and compares with what git holds.
 *
 *   tsx scripts/build.ts              writes dist/, plugin/dist/ and plugin/commands/
 *   tsx scripts/build.ts --outdir D   writes only the bundles, to D
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BUNDLE_NAMES,
  HELPER_BUNDLE,
  HELPER_CODE_BUNDLE,
  HOOK_CODE_BUNDLE,
  HOOK_COMMAND_BUNDLE,
} from './lib/bundles.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export { BUNDLE_NAMES };
export const BUNDLE_PATH = join(ROOT, 'dist', HELPER_BUNDLE);
export const HOOK_BUNDLE_PATH = join(ROOT, 'dist', HOOK_COMMAND_BUNDLE);
/** The plugin folder, and its parts the build writes (everything else in it is a source). */
export const PLUGIN_DIR = 'plugin';
export const PLUGIN_GENERATED = ['plugin/dist', 'plugin/commands'] as const;

function options(root: string): BuildOptions {
  return {
    absWorkingDir: root,
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
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    write: false,
  };
}

/**
 * The hook bundle starts git directly (lib/shell.ts, startProcessesDirectly) and never loads zx,
 * so zx is left out of it: its code alone, parsed on every hook run, costs an edit about 10 ms.
 * A stand-in says so if anything ever asks it for a process.
 */
const WITHOUT_ZX: Plugin = {
  name: 'without-zx',
  setup(plugin) {
    plugin.onResolve({ filter: /^zx(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'without-zx' }));
    plugin.onLoad({ filter: /.*/, namespace: 'without-zx' }, () => ({
      contents: "throw new Error('the hook bundle starts its processes without zx');",
      loader: 'js',
    }));
  },
};

/**
 * The code bundles are CommonJS, which node:vm compiles with a code cache, and node starts a CommonJS entry about
 * 7 ms sooner than an ES module one. The code asks `import.meta.url` only of createRequire, for node's built-ins
 * (zx too, but under Deno), and createRequire takes the file's path as well as its URL: the path costs nothing.
 */
const COMMONJS: BuildOptions = { format: 'cjs', banner: {} };
const IMPORT_META_URL: BuildOptions = { define: { 'import.meta.url': '__filename' } };
/** The helper's command stays `session.mjs`, the name every command file and message gives: ESM, with a `__dirname`. */
const ESM_DIRNAME: BuildOptions = {
  banner: {
    js: "import { fileURLToPath as __fileURLToPath } from 'node:url'; const __dirname = __fileURLToPath(new URL('.', import.meta.url));",
  },
};

function only(result: { outputFiles?: { path: string; contents: Uint8Array }[] }): [string, Uint8Array] {
  const [file] = result.outputFiles!;
  return [basename(file!.path), file!.contents];
}

const sha256 = (contents: Uint8Array) => createHash('sha256').update(contents).digest('hex');

/** The bundles' bytes, by file name (BUNDLE_NAMES), built in memory from the sources under `root`. */
export async function buildBundles(root = ROOT): Promise<Map<string, Uint8Array>> {
  const all = options(root);
  const [helperCode, hookCode] = await Promise.all([
    build({
      ...all,
      ...COMMONJS,
      ...IMPORT_META_URL,
      entryPoints: ['scripts/session.ts'],
      outfile: `dist/${HELPER_CODE_BUNDLE}`,
    }).then(only),
    build({
      ...all,
      ...COMMONJS,
      ...IMPORT_META_URL,
      entryPoints: ['scripts/hook.ts'],
      outfile: `dist/${HOOK_CODE_BUNDLE}`,
      plugins: [WITHOUT_ZX],
    }).then(only),
  ]);
  // Each command names the code it runs by its hash, which keys the code cache (scripts/code-loader.ts).
  const command = (code: [string, Uint8Array], runner: string, format: BuildOptions, outfile: string) =>
    build({
      ...all,
      ...format,
      entryPoints: ['scripts/code-loader.ts'],
      outfile: `dist/${outfile}`,
      define: {
        CODE_BUNDLE: JSON.stringify(code[0]),
        CODE_SHA256: JSON.stringify(sha256(code[1])),
        CODE_RUNNER: JSON.stringify(runner),
      },
    }).then(only);
  const [helper, hook] = await Promise.all([
    command(helperCode, 'helper', ESM_DIRNAME, HELPER_BUNDLE),
    command(hookCode, 'hook', COMMONJS, HOOK_COMMAND_BUNDLE),
  ]);
  return new Map([helper, helperCode, hook, hookCode]);
}

/** Every file the plugin folder gets from the build, by path relative to the root: the bundles and the commands. */
export async function pluginFiles(root = ROOT, bundles?: Map<string, Uint8Array>): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const [name, contents] of bundles ?? (await buildBundles(root)))
    files.set(`${PLUGIN_DIR}/dist/${name}`, contents);
  for (const name of readdirSync(join(root, 'commands'))
    .filter((file) => file.endsWith('.md'))
    .sort()) {
    files.set(`${PLUGIN_DIR}/commands/${name}`, readFileSync(join(root, 'commands', name)));
  }
  return files;
}

/** A bundle that starts with a #! line is run directly; the mode is part of what git records. */
export function modeFor(contents: Uint8Array): number {
  return contents[0] === 0x23 && contents[1] === 0x21 ? 0o755 : 0o644;
}

function writeFile(path: string, contents: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, contents);
  chmodSync(path, modeFor(contents));
}

export async function writeBundles(outdir: string, root = ROOT, bundles?: Map<string, Uint8Array>): Promise<void> {
  for (const [name, contents] of bundles ?? (await buildBundles(root))) writeFile(join(outdir, name), contents);
}

/** Writes dist/ and the plugin's generated folders, removing from those folders whatever the build no longer makes. */
export async function writeAll(root = ROOT): Promise<void> {
  const bundles = await buildBundles(root);
  await writeBundles(join(root, 'dist'), root, bundles);
  const files = await pluginFiles(root, bundles);
  for (const folder of PLUGIN_GENERATED) {
    mkdirSync(join(root, folder), { recursive: true });
    for (const name of readdirSync(join(root, folder)))
      if (!files.has(`${folder}/${name}`)) rmSync(join(root, folder, name), { recursive: true, force: true });
  }
  for (const [path, contents] of files) writeFile(join(root, path), contents);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--outdir');
  if (at >= 0 && process.argv[at + 1]) await writeBundles(resolve(process.argv[at + 1]!));
  else await writeAll();
}
