import { describe, expect, it } from 'vitest';
import { logBeforeOwnEdit, planHalfCheckoutUndo, untrackedInTheWay } from '../scripts/core/interrupted-edits.js';
import { mergePendingNote } from '../scripts/core/end-plan.js';
import { withLastSynced } from '../scripts/core/last-synced.js';

const LOG = '# Session\n\n**Branch:** session/x\n**Last synced with base:** never\n\n## Work log\n\n- did a thing\n';

describe('logBeforeOwnEdit', () => {
  const cases: Array<[string, string | null, string, string | null]> = [
    [
      'keep appended its note to the committed log',
      LOG,
      LOG + mergePendingNote('session/x', 'main', 'Jan 15, 2026 10:00'),
      LOG,
    ],
    [
      "keep appended its note to the agent's own uncommitted edits: those stay",
      LOG,
      `${LOG}- and another\n${mergePendingNote('session/x', 'main', 'Jan 15, 2026 10:00')}`,
      `${LOG}- and another\n`,
    ],
    ['sync set the line of a committed log', LOG, withLastSynced(LOG, new Date('2026-01-15T10:00:00Z'))!, LOG],
    [
      'sync added the line after the Branch line',
      LOG.replace('**Last synced with base:** never\n', ''),
      withLastSynced(LOG.replace('**Last synced with base:** never\n', ''), new Date('2026-01-15T10:00:00Z'))!,
      LOG.replace('**Last synced with base:** never\n', ''),
    ],
    [
      'the agent changed the log besides the line: left alone',
      LOG,
      withLastSynced(LOG, new Date('2026-01-15T10:00:00Z'))!.replace('did a thing', 'did two things'),
      null,
    ],
    ['nothing changed', LOG, LOG, null],
    [
      'a note that is already committed is not ours to take back',
      LOG + mergePendingNote('session/x', 'main', 'Jan 1, 2026 09:00'),
      LOG +
        mergePendingNote('session/x', 'main', 'Jan 1, 2026 09:00') +
        mergePendingNote('session/x', 'main', 'Jan 15, 2026 10:00'),
      null,
    ],
    ["an edit of the agent's alone", LOG, `${LOG}- more\n`, null],
    [
      'a log that was never committed, with a sync line: not provably ours',
      null,
      withLastSynced(LOG, new Date('2026-01-15T10:00:00Z'))!,
      null,
    ],
  ];
  it.each(cases)('%s', (_label, committed, current, expected) => {
    expect(logBeforeOwnEdit(committed, current)).toBe(expected);
  });
});

describe('planHalfCheckoutUndo', () => {
  it("puts back only what holds exactly the merge's version", () => {
    expect(
      planHalfCheckoutUndo([
        { path: 'untouched', before: 'a', target: 'b', now: 'a' },
        { path: 'written', before: 'a', target: 'b', now: 'b' },
        { path: 'added', before: null, target: 'b', now: 'b' },
        { path: 'deleted', before: 'a', target: null, now: null },
        { path: 'changed-since', before: 'a', target: 'b', now: 'c' },
        { path: 'not-yet-added', before: null, target: 'b', now: null },
        { path: 'a-link-now', before: 'a', target: 'b', now: undefined },
        { path: 'unlinked-before-its-rewrite', before: 'a', target: 'b', now: null },
        { path: 'half-written', before: 'a', target: 'b', now: 'h', partOfTarget: true },
      ]),
    ).toEqual({
      restore: ['written', 'deleted', 'unlinked-before-its-rewrite', 'half-written'],
      remove: ['added'],
      left: ['changed-since', 'a-link-now'],
    });
  });
});

describe('untrackedInTheWay', () => {
  it('reads the files git names, quoted ones included, and nothing after', () => {
    const stderr =
      'error: The following untracked working tree files would be overwritten by reset:\n\twork/c5-0.txt\n\t"caf\\303\\251.txt"\nPlease move or remove them before you reset.\nAborting\n';
    expect(untrackedInTheWay(stderr)).toEqual(['work/c5-0.txt', 'café.txt']);
  });

  it('finds nothing in another error', () => {
    expect(untrackedInTheWay('fatal: no rebase in progress\n')).toEqual([]);
  });
});
