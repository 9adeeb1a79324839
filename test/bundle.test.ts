/**
 * The plugin folder ships built files: a plugin installed from a marketplace is `plugin/` exactly as committed,
 * with no build step, so what git holds in `plugin/dist/` and `plugin/commands/` must be exactly what
 * `npm run build` makes from the sources. Built in memory (esbuild, no files written) and compared byte for byte
 * with the index (what the next commit holds) and with the working tree (what the client tests load).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hermeticEnv, ROOT } from './helpers/gitdir.js';
import { BUNDLE_NAMES, buildBundles, modeFor, PLUGIN_GENERATED, pluginFiles } from '../scripts/build.js';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const FIX = 'run `npm run build` and commit plugin/ with the sources';
const git = (args: string[]) =>
  execFileSync('git', args, {
    cwd: ROOT,
    env: hermeticEnv(ROOT),
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });

/** Path → [mode, blob sha256] for what the index holds under the generated folders. */
function indexed(): Map<string, { mode: string; contents: Buffer }> {
  const entries = new Map<string, { mode: string; contents: Buffer }>();
  for (const line of git(['ls-files', '-s', '--', ...PLUGIN_GENERATED])
    .toString('utf8')
    .split('\n')
    .filter(Boolean)) {
    const [meta, path] = line.split('\t') as [string, string];
    const [mode, object] = meta.split(' ') as [string, string];
    entries.set(path, { mode, contents: git(['cat-file', 'blob', object]) });
  }
  return entries;
}

describe('the plugin folder holds what the sources build to', () => {
  let expected: Map<string, Uint8Array>;
  let buildMs: number;
  beforeAll(async () => {
    const started = Date.now();
    expected = await pluginFiles();
    buildMs = Date.now() - started;
  });

  it('builds the bundles and copies every command, quickly', () => {
    expect([...expected.keys()].filter((path) => path.startsWith('plugin/dist/')).sort()).toEqual(
      BUNDLE_NAMES.map((name) => `plugin/dist/${name}`).sort(),
    );
    expect([...expected.keys()].filter((path) => path.startsWith('plugin/commands/')).length).toBe(7);
    expect(buildMs).toBeLessThan(10_000);
  });

  it('git holds exactly those files, byte for byte and with their modes, and nothing else there', () => {
    const inGit = indexed();
    expect([...inGit.keys()].sort(), FIX).toEqual([...expected.keys()].sort());
    for (const [path, contents] of expected) {
      const entry = inGit.get(path)!;
      expect(sha(entry.contents), `${path} in git is not what the sources build to: ${FIX}`).toBe(sha(contents));
      expect(entry.mode, `${path}: ${FIX}`).toBe(modeFor(contents) === 0o755 ? '100755' : '100644');
    }
  });

  it('the working tree holds them too', () => {
    for (const [path, contents] of expected) {
      expect(existsSync(join(ROOT, path)), `${path} is missing: ${FIX}`).toBe(true);
      expect(sha(readFileSync(join(ROOT, path))), `${path} is out of date: ${FIX}`).toBe(sha(contents));
    }
  });

  it('dist/, which the installer copies and the tests run, is the same build', () => {
    for (const name of BUNDLE_NAMES)
      expect(sha(readFileSync(join(ROOT, 'dist', name))), `dist/${name} is out of date: run npm run build`).toBe(
        sha(expected.get(`plugin/dist/${name}`)!),
      );
  });

  it('is deterministic: a second build gives the same bytes', async () => {
    const again = await buildBundles();
    for (const name of BUNDLE_NAMES)
      expect(sha(again.get(name)!), name).toBe(sha(expected.get(`plugin/dist/${name}`)!));
  });
});
