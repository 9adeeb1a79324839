/** The follow-the-text helper itself: it must refuse to guess, so that drift between a command and the helper shows. */
import { describe, expect, it } from 'vitest';
import { commandFromText, fillPlaceholders, helperLines } from './follow-text.js';

const TEXT = [
  'Run:',
  '',
  '```sh',
  'node "/p/.claude/commands/flight-rules/session.mjs" start <name> --goal "<goal 1>" --goal "<goal 2>" --json',
  '```',
  '',
  'Not a code block: node "/p/session.mjs" end <name> --strategy pr',
  '',
  '```sh',
  'node "/p/.claude/commands/flight-rules/session.mjs" end <name> --strategy merge --json',
  'node "/p/.claude/commands/flight-rules/session.mjs" end <name> --strategy abandon --confirm <typed name> --json',
  'git status',
  '```',
].join('\n');

describe('commandFromText', () => {
  it('fills the placeholders and drops an optional flag given null', () => {
    expect(
      commandFromText(TEXT, { subcommand: 'start', values: { name: 'auth', 'goal 1': 'Add login', 'goal 2': null } }),
    ).toBe('node "/p/.claude/commands/flight-rules/session.mjs" start auth --goal "Add login" --json');
  });

  it('picks one of several lines by what it contains', () => {
    expect(
      commandFromText(TEXT, {
        subcommand: 'end',
        containing: '--strategy abandon',
        values: { name: 'auth', 'typed name': 'auth' },
      }),
    ).toBe('node "/p/.claude/commands/flight-rules/session.mjs" end auth --strategy abandon --confirm auth --json');
  });

  it('reads only fenced sh blocks', () => {
    expect(helperLines(TEXT).map((line) => line.subcommand)).toEqual(['start', 'end', 'end']);
  });

  it('refuses when the text has a placeholder the test does not fill', () => {
    expect(() => commandFromText(TEXT, { subcommand: 'start', values: { name: 'auth', 'goal 1': 'x' } })).toThrow(
      'the command text has the placeholder <goal 2>',
    );
  });

  it('refuses a value for a placeholder the text no longer has', () => {
    expect(() =>
      commandFromText(TEXT, {
        subcommand: 'end',
        containing: '--strategy merge',
        values: { name: 'auth', reason: 'x' },
      }),
    ).toThrow('placeholders the line does not have (reason)');
  });

  it('refuses when the choice is not exactly one line', () => {
    expect(() => commandFromText(TEXT, { subcommand: 'end', values: { name: 'auth' } })).toThrow('found 2');
    expect(() => commandFromText(TEXT, { subcommand: 'sync', values: {} })).toThrow('found 0');
  });

  it('quotes a value that is not a plain word, and refuses one that would break out of its quotes', () => {
    expect(fillPlaceholders('node "/p/session.mjs" end <name>', { name: 'two words' })).toBe(
      'node "/p/session.mjs" end "two words"',
    );
    expect(() => fillPlaceholders('node "/p/session.mjs" start x --goal "<goal>"', { goal: 'a "b"' })).toThrow(
      'must not hold',
    );
  });

  it('refuses a variable the client should have substituted', () => {
    expect(() => fillPlaceholders('node "${CLAUDE_PROJECT_DIR}/session.mjs" status', {})).toThrow('unsubstituted');
  });
});
