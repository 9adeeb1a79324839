/**
 * An ignored file the session made outside a build output has no copy anywhere else, whether or not the copy rules
 * name it: a services/api/.env, a key in an ignored secrets/ folder, a *.local.json. Every removal keeps the small
 * ones (under refs/sessions/…-ignored), and names in its note what goes: build outputs, and files too large to keep.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, type Repo } from '../helpers/gitdir.js';
import { sessionWithWork } from '../helpers/end.js';
import { expectDone } from '../helpers/safety.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

function sessionMakingIgnoredFiles(): string {
  repo = makeRepo({
    files: {
      'README.md': '# sample\n',
      '.gitignore': '.env\nsecrets/\n*.local.json\nnode_modules/\ndata/\n',
      'services/api/main.js': 'x\n',
    },
  });
  const worktree = sessionWithWork(repo, 'x');
  writeFileSync(join(worktree, 'services/api/.env'), 'API_KEY=only-here\n');
  mkdirSync(join(worktree, 'secrets'));
  writeFileSync(join(worktree, 'secrets/dev.pem'), 'a private key\n');
  writeFileSync(join(worktree, 'app.local.json'), '{"mine": true}\n');
  mkdirSync(join(worktree, 'node_modules/pkg'), { recursive: true });
  writeFileSync(join(worktree, 'node_modules/pkg/index.js'), 'module.exports = 1;\n');
  mkdirSync(join(worktree, 'data'));
  writeFileSync(join(worktree, 'data/huge.bin'), Buffer.alloc(2 * 1024 * 1024, 1));
  return worktree;
}

describe.each([
  ['keep', ['--strategy', 'keep']],
  ['abandon', ['--strategy', 'abandon', '--confirm', 'x']],
])('end --strategy %s', (_label, args) => {
  it('keeps the small ignored files the session made, and names what goes', () => {
    sessionMakingIgnoredFiles();
    const ended = repo.helper(['end', 'x', ...args, '--json']);
    expectDone(ended);
    const saved = ended.json.savedItems.find((item: any) => item.what === 'ignored');
    expect(saved.paths).toEqual(['app.local.json', 'secrets/dev.pem', 'services/api/.env']);
    expect(repo.git(['show', `${saved.ref}:secrets/dev.pem`])).toBe('a private key\n');
    expect(repo.git(['show', `${saved.ref}:services/api/.env`])).toBe('API_KEY=only-here\n');
    const note = ended.json.notes.find((line: string) => line.startsWith('Not saved'));
    expect(note).toContain('data/');
    expect(note).toContain('node_modules/');
    expect(note).not.toContain('secrets');
  });
});
