/**
 * The layers the code promises, kept by a test: each folder under scripts/ imports only from
 * its own layer and the ones below it, and core/ stays pure (no file system, no processes).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { ROOT } from './helpers/gitdir.js';

/** Bottom to top. `generated` holds the precompiled validators. */
const LAYERS = ['generated', 'lib', 'core', 'git', 'store', 'workspace', 'engine', 'subcommands'];
const SCRIPTS = join(ROOT, 'scripts');

function files(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function layerOf(path: string): string | null {
  const [first, second] = relative(SCRIPTS, path).split('/');
  return second === undefined ? null : LAYERS.includes(first!) ? first! : null;
}

const imports = files(SCRIPTS).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((match) => ({
    file,
    spec: match[1]!,
  })),
);

describe('layers', () => {
  it('finds the imports it checks', () => {
    expect(imports.length).toBeGreaterThan(300);
  });

  it('no layer imports from a layer above it', () => {
    const upward = imports.flatMap(({ file, spec }) => {
      if (!spec.startsWith('.')) return [];
      const from = layerOf(file);
      const to = layerOf(normalize(join(dirname(file), spec)));
      if (!from || !to || LAYERS.indexOf(to) <= LAYERS.indexOf(from)) return [];
      return [`${relative(ROOT, file)} -> ${spec}`];
    });
    expect(upward).toEqual([]);
  });

  it('core is pure: no file system, no processes, no clock of its own', () => {
    const impure = imports
      .filter(({ file }) => layerOf(file) === 'core')
      .filter(
        ({ spec }) =>
          /^(node:)?(fs|child_process|os|net|http)$/.test(spec) ||
          spec.includes('lib/shell.js') ||
          spec.includes('lib/safe-fs.js') ||
          spec.includes('lib/lock.js'),
      )
      .map(({ file, spec }) => `${relative(ROOT, file)} -> ${spec}`);
    expect(impure).toEqual([]);
  });

  it('every process starts in lib/shell.ts', () => {
    const spawning = imports
      .filter(({ spec }) => /^(node:)?child_process$/.test(spec) || spec === 'zx' || spec.startsWith('zx/'))
      .map(({ file }) => relative(ROOT, file))
      .filter(
        (file) =>
          file !== 'scripts/lib/shell.ts' &&
          !file.startsWith('scripts/gen-validators') &&
          !file.startsWith('scripts/build'),
      );
    expect(spawning).toEqual([]);
  });
});
