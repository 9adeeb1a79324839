/**
 * What abandon saves comes back byte for byte, whatever git's clean side would make of it: `git add` stores a file
 * as its end-of-line rules and clean filters make it (CRLF as LF under `text=auto`, a notebook's outputs stripped by
 * an nbstripout-style filter), so the snapshot and the saved ignored files hold the bytes on disk instead, and
 * restore checks them byte for byte.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, type Repo } from '../helpers/gitdir.js';
import { sessionWithWork } from '../helpers/end.js';
import { expectDone } from '../helpers/safety.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const FILES: Record<string, string> = {
  'crlf.txt': 'line1\r\nline2\r\n',
  'notes/edited.md': 'tracked, edited\r\nwith CRLF\r\n',
  'nb.ipynb': 'code\nOUTPUT: hours of computation\n',
};

function filteredSession(withChanges = true): string {
  repo = makeRepo({
    files: {
      'README.md': '# sample\n',
      '.gitattributes': '* text=auto\n*.ipynb filter=strip\n',
      '.gitignore': '.env\n',
      'notes/edited.md': 'tracked\n',
    },
  });
  repo.git(['config', 'filter.strip.clean', "sed '/OUTPUT/d'"]);
  repo.git(['config', 'filter.strip.smudge', 'cat']);
  writeFileSync(join(repo.main, '.env'), 'A=1\r\n');
  const worktree = sessionWithWork(repo, 'x');
  if (withChanges) for (const [path, content] of Object.entries(FILES)) writeFileSync(join(worktree, path), content);
  writeFileSync(join(worktree, '.env'), 'A=2\r\nTOKEN=only-copy\r\n');
  return worktree;
}

describe('abandon and restore through filters and end-of-line rules', () => {
  it('saves the bytes on disk, and restore writes them back exactly', () => {
    const worktree = filteredSession();
    const ended = repo.helper(['end', 'x', '--strategy', 'abandon', '--confirm', 'x', '--json']);
    expectDone(ended);
    const changes = ended.json.savedItems.find((item: any) => item.what === 'changes');
    const blob = (ref: string, path: string) => repo.git(['cat-file', 'blob', `${ref}:${path}`]);
    for (const [path, content] of Object.entries(FILES)) expect(blob(changes.ref, path)).toBe(content);
    const ignored = ended.json.savedItems.find((item: any) => item.what === 'ignored');
    expect(blob(ignored.ref, '.env')).toBe('A=2\r\nTOKEN=only-copy\r\n');

    const restored = repo.helper(['restore', 'x', '--no-setup']);
    expectDone(restored);
    expect(restored.stdout).toContain('Uncommitted work back as it was');
    for (const [path, content] of Object.entries(FILES))
      expect(readFileSync(join(worktree, path), 'utf8')).toBe(content);
    expect(readFileSync(join(worktree, '.env'), 'utf8')).toBe('A=2\r\nTOKEN=only-copy\r\n');
  });

  it('end --strategy keep saves an edited ignored file through the same filters as it was', () => {
    filteredSession(false);
    const ended = repo.helper(['end', 'x', '--strategy', 'keep', '--json']);
    expectDone(ended);
    const ignored = ended.json.savedItems.find((item: any) => item.what === 'ignored');
    expect(repo.git(['cat-file', 'blob', `${ignored.ref}:.env`])).toBe('A=2\r\nTOKEN=only-copy\r\n');
  });
});
