/** The work inventory before a removal (core/inventory.ts): what is work to keep and what may go, as a table. */
import { describe, expect, it } from 'vitest';
import { droppedNote, takeInventory, type CopyFacts } from '../scripts/core/inventory.js';
import type { StatusEntry } from '../scripts/core/status-porcelain.js';

const entry = (code: string, path: string): StatusEntry => ({ code, path });
const copies = (facts: Partial<CopyFacts> = {}): CopyFacts => ({
  matching: [],
  copied: new Map(),
  digestNow: new Map(),
  ...facts,
});

describe('takeInventory', () => {
  it.each([
    ['a tracked change is work', [entry(' M', 'a.txt')], copies(), { changes: ['a.txt'], kept: [], dropped: [] }],
    ['an untracked pack file is not', [entry('??', '.env.session')], copies(), { changes: [], kept: [], dropped: [] }],
    [
      'a new ignored file the engine found is kept',
      [entry('!!', 'services/api/.env')],
      copies({ matching: ['services/api/.env'] }),
      { changes: [], kept: ['services/api/.env'], dropped: [] },
    ],
    [
      'an unedited copy goes, an edited one is kept',
      [entry('!!', '.env'), entry('!!', '.env.local')],
      copies({
        matching: ['.env', '.env.local'],
        copied: new Map([
          ['.env', 'd1'],
          ['.env.local', 'd2'],
        ]),
        digestNow: new Map([
          ['.env', 'd1'],
          ['.env.local', 'changed'],
        ]),
      }),
      { changes: [], kept: ['.env.local'], dropped: ['.env'] },
    ],
    [
      'a build output folder goes whole',
      [entry('!!', 'node_modules/')],
      copies(),
      { changes: [], kept: [], dropped: ['node_modules/'] },
    ],
    [
      'an ignored folder whose files are all kept is not named as going',
      [entry('!!', 'secrets/')],
      copies({ matching: ['secrets/dev.pem'], walked: ['secrets/dev.pem'] }),
      { changes: [], kept: ['secrets/dev.pem'], dropped: [] },
    ],
    [
      'an ignored folder partly kept is named by the files that go',
      [entry('!!', 'data/')],
      copies({ matching: ['data/small.json'], walked: ['data/small.json', 'data/huge.bin'] }),
      { changes: [], kept: ['data/small.json'], dropped: ['data/huge.bin'] },
    ],
  ])('%s', (_label, status, facts, expected) => {
    const inventory = takeInventory(status, ['.env.session'], [], facts);
    expect({
      changes: inventory.changes.map((item) => item.path),
      kept: inventory.ignoredKept,
      dropped: inventory.ignoredDropped,
    }).toEqual(expected);
  });

  it('names what goes unsaved in one line, and nothing when nothing does', () => {
    const none = takeInventory([], [], [], copies());
    expect(droppedNote(none)).toBeNull();
    const some = takeInventory([entry('!!', 'node_modules/'), entry('!!', 'dump.sql')], [], [], copies());
    expect(droppedNote(some)).toMatch(
      /^Not saved, removed with the worktree: 2 ignored entries \(node_modules\/, dump\.sql\)/,
    );
  });
});
