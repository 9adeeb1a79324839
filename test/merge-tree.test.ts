import { describe, expect, it } from 'vitest';
import { parseMergeTree } from '../scripts/core/merge-tree.js';

describe('parseMergeTree', () => {
  it.each([
    ['clean', 'abc\0', 0, { clean: true, tree: 'abc', conflicts: [] }],
    ['conflicts', 'abc\0f\0g\0', 1, { clean: false, tree: 'abc', conflicts: ['f', 'g'] }],
    ['duplicate paths', 'abc\0f\0f\0', 1, { clean: false, tree: 'abc', conflicts: ['f'] }],
    ['a path with spaces', 'abc\0a b.txt\0', 1, { clean: false, tree: 'abc', conflicts: ['a b.txt'] }],
  ])('%s', (_label, output, exitCode, expected) => expect(parseMergeTree(output, exitCode)).toEqual(expected));
});
