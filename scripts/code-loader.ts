#!/usr/bin/env node
/**
 * The command plain `node` runs, built twice from this file: the hooks' command (`hook.cjs session-start|...`, the
 * hook's JSON on stdin) runs the hooks' code (`hook-code.cjs` beside it, from scripts/hook.ts), and the helper
 * (`session.mjs <subcommand> ...`) runs the helper's code (`session-code.cjs`, from scripts/session.ts). Each runs
 * its code from V8's code cache.
 *
 * The hook runs before every edit, and compiling its code's functions took about a quarter of each run (some 15 ms
 * here); loading the helper's code, zx with it, took it about 25 ms. node 20 keeps no compiled code between runs.
 * So this small file compiles the code through node:vm with the compiled form an earlier run of the same mode
 * (hook mode or subcommand) left in the user's cache folder (core/code-cache.ts), and when there was none, or V8
 * refused it, leaves one as it exits. The cache is only a speed-up: anything that goes wrong with it runs the code
 * as node would.
 */
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { codeCacheDir, codeCacheName, staleCodeCaches } from './core/code-cache.js';

/** Set by the build (scripts/build.ts): the code bundle's file name beside this one, and its sha256. */
declare const CODE_BUNDLE: string;
declare const CODE_SHA256: string;
/** Who runs it, in the trace's lines: "hook" or "helper". */
declare const CODE_RUNNER: string;

const traced = Boolean(process.env.FLIGHT_RULES_TRACE);
const note = (line: string) => {
  if (traced) process.stderr.write(`${CODE_RUNNER} code cache: ${line}\n`);
};

function save(folder: string, name: string, script: Script): void {
  try {
    const data = script.createCachedData();
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const temp = join(folder, `.${name}.${process.pid}.tmp`);
    writeFileSync(temp, data, { mode: 0o600 });
    // Whole or not at all, for the runs beside this one.
    renameSync(temp, join(folder, name));
    const entries = readdirSync(folder).flatMap((entry) => {
      try {
        return [{ name: entry, mtimeMs: statSync(join(folder, entry)).mtimeMs }];
      } catch {
        return [];
      }
    });
    for (const stale of staleCodeCaches(entries, name, Date.now())) rmSync(join(folder, stale), { force: true });
    note(`written ${join(folder, name)}`);
  } catch (error) {
    note(`not written: ${(error as Error).message}`);
  }
}

/**
 * The code's text and the stat data that name its cache, read so that they belong together: a file rewritten in
 * place while it is read (an install) could otherwise be compiled from one version's cache under another's name.
 */
function readSteady(file: string): { text: string; stat: Stats } {
  const fd = openSync(file, 'r');
  try {
    const before = fstatSync(fd);
    const text = readFileSync(fd, 'utf8');
    const after = fstatSync(fd);
    if (before.mtimeMs !== after.mtimeMs || before.size !== after.size || after.size !== Buffer.byteLength(text))
      throw new Error('the code changed while it was read');
    return { text, stat: after };
  } finally {
    closeSync(fd);
  }
}

/** The code compiled with its cache, ready to run; null when it cannot be, and node is to load it itself. */
function compiled(file: string): (() => void) | null {
  try {
    const folder = codeCacheDir(process.env);
    const { text, stat } = readSteady(file);
    const name = codeCacheName({
      codeHash: CODE_SHA256,
      size: stat.size,
      mtimeMs: stat.mtimeMs,
      mode: process.argv[2],
      nodeVersion: process.version,
      arch: process.arch,
    });
    let cached: Buffer | undefined;
    if (folder) {
      try {
        cached = readFileSync(join(folder, name));
      } catch {
        /* none yet */
      }
    }
    // node's own module wrapper, so the code sees what a CommonJS module sees.
    const source = `(function (exports, require, module, __filename, __dirname) {${text}\n})`;
    const script = new Script(source, { filename: file, ...(cached ? { cachedData: cached } : {}) });
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    if (folder && (!cached || script.cachedDataRejected)) {
      note(cached ? 'refused by V8' : 'none yet');
      process.once('exit', () => save(folder, name, script));
    } else if (cached) note(`used ${join(folder!, name)}`);
    return () => {
      const module = { exports: {} };
      wrapper.call(module.exports, module.exports, createRequire(file), module, file, __dirname);
    };
  } catch (error) {
    note(`not used: ${(error as Error).message}`);
    return null;
  }
}

const codeFile = join(__dirname, CODE_BUNDLE);
const start = compiled(codeFile);
if (start) start();
else createRequire(codeFile)(codeFile);
