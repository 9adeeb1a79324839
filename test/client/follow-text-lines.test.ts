/** The follow-the-text readers for the lines that are not helper calls: git steps, templates and refusal rows. */
import { describe, expect, it } from 'vitest';
import { codeSpans, fencedBlocks, fillPlaceholders, fillTemplate, lineFromText, shellLines, tableRow } from './follow-text.js';

const TEXT = [
  '1. **Review.**',
  '',
  '   ```sh',
  '   git status',
  '   git log --oneline -20',
  '   ```',
  '',
  '   Its own commits: `git log --oneline <base branch>..HEAD`; then `git add <file>` and `git rebase --continue`.',
  '',
  '```sh',
  'git add <paths>',
  'git commit -m "<message>"',
  '```',
  '',
  '```markdown',
  '### <YYYY-MM-DD HH:MM>',
  '',
  '- <what changed>',
  '```',
  '',
  '| `error.code` | What to do |',
  '|---|---|',
  '| `main-dirty` | Offer: **stash them** (rerun with `--if-dirty stash`) or **proceed** (rerun with `--if-dirty proceed`). |',
  '| `manifest-locked`, `merge-locked` | Wait. |',
].join('\n');

describe('the text\'s other lines', () => {
  it('reads fenced sh lines, also inside a list item, and inline spans outside the fences', () => {
    expect(shellLines(TEXT)).toEqual(['git status', 'git log --oneline -20', 'git add <paths>', 'git commit -m "<message>"']);
    expect(codeSpans(TEXT)).toEqual(['git log --oneline <base branch>..HEAD', 'git add <file>', 'git rebase --continue', 'error.code', 'main-dirty', '--if-dirty stash', '--if-dirty proceed', 'manifest-locked', 'merge-locked']);
    expect(fencedBlocks(TEXT, ['markdown'])).toEqual(['### <YYYY-MM-DD HH:MM>\n\n- <what changed>']);
  });

  it('picks exactly one line by how it starts, filling a list one word each and a placeholder inside a word', () => {
    expect(lineFromText(TEXT, { startsWith: 'git add', values: { paths: ['docs/a b.md', 'docs/progress.md'] } })).toBe('git add "docs/a b.md" docs/progress.md');
    expect(lineFromText(TEXT, { startsWith: 'git log', containing: '..HEAD', inline: true, values: { 'base branch': 'main' } })).toBe('git log --oneline main..HEAD');
    expect(lineFromText(TEXT, { startsWith: 'git commit', values: { message: 'Close it' } })).toBe('git commit -m "Close it"');
    expect(() => lineFromText(TEXT, { startsWith: 'git add', inline: true, values: { file: 'x' } })).toThrow('found 2');
    expect(() => lineFromText(TEXT, { startsWith: 'git push', values: {} })).toThrow('found 0');
  });

  it('fills a placeholder inside a word only with a plain word', () => {
    expect(fillPlaceholders('git diff <base>...HEAD -- <file>', { base: 'main', file: 'src/app.js' })).toBe('git diff main...HEAD -- src/app.js');
    expect(() => fillPlaceholders('git diff <base>...HEAD', { base: 'two words' })).toThrow('a placeholder inside a word is not understood');
  });

  it('fills a template whole, and refuses a placeholder left over or a value it does not ask for', () => {
    expect(fillTemplate('### <YYYY-MM-DD HH:MM>\n\n- <what changed>', { 'YYYY-MM-DD HH:MM': '2026-01-15 10:00', 'what changed': 'Added it' })).toBe('### 2026-01-15 10:00\n\n- Added it');
    expect(() => fillTemplate('- <what changed>', {})).toThrow('the template has the placeholder <what changed>');
    expect(() => fillTemplate('- <what changed>', { 'what changed': 'x', extra: 'y' })).toThrow('(extra)');
  });

  it('finds a refusal code\'s table row, alone or among several codes', () => {
    expect(codeSpans(tableRow(TEXT, 'main-dirty'))).toEqual(['--if-dirty stash', '--if-dirty proceed']);
    expect(tableRow(TEXT, 'manifest-locked')).toBe('Wait.');
    expect(tableRow(TEXT, 'merge-locked')).toBe('Wait.');
    expect(() => tableRow(TEXT, 'no-such-code')).toThrow('found 0');
  });
});
