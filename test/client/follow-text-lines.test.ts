/** The follow-the-text readers for the lines that are not helper calls: git steps, templates and refusal rows. */
import { describe, expect, it } from 'vitest';
import {
  codeSpans,
  fencedBlocks,
  fillPlaceholders,
  fillTemplate,
  lineFromText,
  pickedOption,
  questionFromText,
  shellLines,
  tableRow,
} from './follow-text.js';
import { answerTo, type ToolExchange } from './messages.js';

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

describe("the text's other lines", () => {
  it('reads fenced sh lines, also inside a list item, and inline spans outside the fences', () => {
    expect(shellLines(TEXT)).toEqual([
      'git status',
      'git log --oneline -20',
      'git add <paths>',
      'git commit -m "<message>"',
    ]);
    expect(codeSpans(TEXT)).toEqual([
      'git log --oneline <base branch>..HEAD',
      'git add <file>',
      'git rebase --continue',
      'error.code',
      'main-dirty',
      '--if-dirty stash',
      '--if-dirty proceed',
      'manifest-locked',
      'merge-locked',
    ]);
    expect(fencedBlocks(TEXT, ['markdown'])).toEqual(['### <YYYY-MM-DD HH:MM>\n\n- <what changed>']);
  });

  it('picks exactly one line by how it starts, filling a list one word each and a placeholder inside a word', () => {
    expect(lineFromText(TEXT, { startsWith: 'git add', values: { paths: ['docs/a b.md', 'docs/progress.md'] } })).toBe(
      'git add "docs/a b.md" docs/progress.md',
    );
    expect(
      lineFromText(TEXT, {
        startsWith: 'git log',
        containing: '..HEAD',
        inline: true,
        values: { 'base branch': 'main' },
      }),
    ).toBe('git log --oneline main..HEAD');
    expect(lineFromText(TEXT, { startsWith: 'git commit', values: { message: 'Close it' } })).toBe(
      'git commit -m "Close it"',
    );
    expect(() => lineFromText(TEXT, { startsWith: 'git add', inline: true, values: { file: 'x' } })).toThrow('found 2');
    expect(() => lineFromText(TEXT, { startsWith: 'git push', values: {} })).toThrow('found 0');
  });

  it('fills a placeholder inside a word only with a plain word', () => {
    expect(fillPlaceholders('git diff <base>...HEAD -- <file>', { base: 'main', file: 'src/app.js' })).toBe(
      'git diff main...HEAD -- src/app.js',
    );
    expect(() => fillPlaceholders('git diff <base>...HEAD', { base: 'two words' })).toThrow(
      'a placeholder inside a word is not understood',
    );
  });

  it('fills a template whole, and refuses a placeholder left over or a value it does not ask for', () => {
    expect(
      fillTemplate('### <YYYY-MM-DD HH:MM>\n\n- <what changed>', {
        'YYYY-MM-DD HH:MM': '2026-01-15 10:00',
        'what changed': 'Added it',
      }),
    ).toBe('### 2026-01-15 10:00\n\n- Added it');
    expect(() => fillTemplate('- <what changed>', {})).toThrow('the template has the placeholder <what changed>');
    expect(() => fillTemplate('- <what changed>', { 'what changed': 'x', extra: 'y' })).toThrow('(extra)');
  });

  it("finds a refusal code's table row, alone or among several codes", () => {
    expect(codeSpans(tableRow(TEXT, 'main-dirty'))).toEqual(['--if-dirty stash', '--if-dirty proceed']);
    expect(tableRow(TEXT, 'manifest-locked')).toBe('Wait.');
    expect(tableRow(TEXT, 'merge-locked')).toBe('Wait.');
    expect(() => tableRow(TEXT, 'no-such-code')).toThrow('found 0');
  });
});

const QUESTIONS = [
  'Ask: "Apply this cleanup?" (options: apply it, or not now). If a session in the plan looks like one the user may',
  'still want, point it out.',
  '',
  '- **Keep**: ask "Push the branch too, as a backup?" (options: push it, or keep it local); only if they choose to',
  '  push, pass `--remote <name>`.',
  '- **Abandon**: ask "Type `<name>` to discard this session\'s changes." (options: keep the branch instead, or do not',
  '  end it now).',
  '',
  '```sh',
  'echo "Apply this in a code block?"',
  '```',
  '',
  'Ask:',
  '',
  '> How would you like to integrate these changes?',
  '>',
  '> - **Create a PR** (recommended for review)',
  '> - **Abandon** (discard the changes)',
  '',
  '| `error.code` | What to do |',
  '|---|---|',
  '| `main-dirty` | "You have changes." Ask "What should happen to <files>?", with the options **commit them first** (then ask "Which commit message?"; rerun with `--if-dirty commit --commit-message "<message>"`), **stash them** (rerun with `--if-dirty stash`), or **proceed anyway**. |',
].join('\n');

describe("the text's questions", () => {
  it('reads a quoted question with its listed options, across a line break, labels capitalised', () => {
    expect(questionFromText(QUESTIONS, 'Apply')).toEqual({
      question: 'Apply this cleanup?',
      options: [
        { label: 'Apply it', body: '' },
        { label: 'Not now', body: '' },
      ],
    });
    expect(questionFromText(QUESTIONS, 'Push').options.map((option) => option.label)).toEqual([
      'Push it',
      'Keep it local',
    ]);
    expect(questionFromText(QUESTIONS, 'Type')).toEqual({
      question: "Type `<name>` to discard this session's changes.",
      options: [
        { label: 'Keep the branch instead', body: '' },
        { label: 'Do not end it now', body: '' },
      ],
    });
  });

  it('reads a blockquoted question with its bold items as options', () => {
    expect(questionFromText(QUESTIONS, 'How would you like')).toEqual({
      question: 'How would you like to integrate these changes?',
      options: [
        { label: 'Create a PR', body: '(recommended for review)' },
        { label: 'Abandon', body: '(discard the changes)' },
      ],
    });
  });

  it('reads bold options with what each says to do, and a question nested in one of them, which has no options', () => {
    const row = tableRow(QUESTIONS, 'main-dirty');
    const asked = questionFromText(row, 'What should happen');
    expect(asked.question).toBe('What should happen to <files>?');
    expect(asked.options.map((option) => option.label)).toEqual(['Commit them first', 'Stash them', 'Proceed anyway']);
    expect(codeSpans(pickedOption(asked, 'Stash them').body)).toEqual(['--if-dirty stash']);
    expect(pickedOption(asked, 'Proceed anyway').body).toBe('.');
    const commit = pickedOption(asked, 'Commit them first').body;
    expect(codeSpans(commit)).toEqual(['--if-dirty commit --commit-message "<message>"']);
    expect(questionFromText(commit, 'Which commit message')).toEqual({
      question: 'Which commit message?',
      options: [],
    });
    // The same row, read from the whole text: the table's cell border is not part of the last option.
    expect(questionFromText(QUESTIONS, 'What should happen').options.at(-1)).toEqual({
      label: 'Proceed anyway',
      body: '.',
    });
  });

  it('refuses a question that is not there, or not once, and an answer that is none of the options', () => {
    expect(() => questionFromText(QUESTIONS, 'Shall we')).toThrow('found 0');
    expect(() => questionFromText(`${QUESTIONS}\n\nAsk "Apply this cleanup?" again.`, 'Apply')).toThrow('found 2');
    expect(() => pickedOption(questionFromText(QUESTIONS, 'Apply'), 'Apply')).toThrow('none of the options');
  });
});

describe("the user's answers, as the model reads them", () => {
  const result = (output: string, isError = false): ToolExchange => ({
    name: 'AskUserQuestion',
    input: {},
    output,
    isError,
  });
  // The pinned client's words, as it returns them to the model.
  const TAIL =
    ' Read the answers carefully — they may request clarification, changes, or that you not proceed — and follow what they actually say.';

  it('reads the answer to each question, quotes and all', () => {
    expect(answerTo(result(`The user answered: "Apply this cleanup?"="Apply it".${TAIL}`), 'Apply this cleanup?')).toBe(
      'Apply it',
    );
    expect(answerTo(result(`The user answered: "Which one?"="typed "words"".${TAIL}`), 'Which one?')).toBe(
      'typed "words"',
    );
    const two = result(`The user answered: "First?"="one, two", "Second?"="three".${TAIL}`);
    expect([answerTo(two, 'First?'), answerTo(two, 'Second?')]).toEqual(['one, two', 'three']);
  });

  it("refuses a result that answers another question, an error, or another tool's result", () => {
    expect(() => answerTo(result(`The user answered: "Which one?"="A".${TAIL}`), 'Apply this cleanup?')).toThrow(
      'holds no answer',
    );
    expect(() => answerTo(result('<tool_use_error>InputValidationError</tool_use_error>', true), 'Which one?')).toThrow(
      'holds no answer',
    );
    expect(() => answerTo({ ...result('x'), name: 'Bash' }, 'Which one?')).toThrow(
      'expected the AskUserQuestion result',
    );
  });
});
