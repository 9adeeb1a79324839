/**
 * The built helper and hooks are committed: a plugin installed from a marketplace is the repository as committed,
 * with no build step, so what git holds under dist/ must be exactly what `npm run build` makes from the sources.
 * Built in memory (esbuild, no files written), compared byte for byte with the index (what the next commit holds)
 * and with the working tree (what every other test runs).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hermeticEnv, ROOT } from './helpers/gitdir.js';
import { BUNDLES, buildBundles } from '../scripts/build.js';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const FIX = 'run `npm run build` and commit dist/ with the sources';

function committed(path: string): Buffer | null {
  try {
    return execFileSync('git', ['cat-file', 'blob', `:${path}`], { cwd: ROOT, env: hermeticEnv(ROOT), maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

describe('the committed bundles are what the sources build to', () => {
  let built: Map<string, Uint8Array>;
  let buildMs: number;
  beforeAll(async () => {
    const started = Date.now();
    built = await buildBundles();
    buildMs = Date.now() - started;
  });

  it('builds exactly the bundles the pack ships, quickly', () => {
    expect([...built.keys()].map((name) => `dist/${name}`).sort()).toEqual([...BUNDLES].sort());
    expect(buildMs).toBeLessThan(10_000);
  });

  it.each([...BUNDLES])('%s in git matches a fresh build', (path) => {
    const fresh = built.get(path.slice('dist/'.length))!;
    const inGit = committed(path);
    expect(inGit, `${path} is not in git: ${FIX}`).not.toBeNull();
    expect(sha(inGit!), `${path} in git is not what the sources build to: ${FIX}`).toBe(sha(fresh));
  });

  it.each([...BUNDLES])('%s in the working tree matches a fresh build', (path) => {
    const fresh = built.get(path.slice('dist/'.length))!;
    expect(sha(readFileSync(join(ROOT, path))), `${path} is out of date: ${FIX}`).toBe(sha(fresh));
  });

  it('is deterministic: a second build gives the same bytes', async () => {
    const again = await buildBundles();
    for (const [name, bytes] of built) expect(sha(again.get(name)!), name).toBe(sha(bytes));
  });
});
