import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { git, run, runSync, startProcessesDirectly } from '../scripts/lib/shell.js';
import { GitError } from '../scripts/lib/errors.js';

// Every process starts directly, with no shell in between; asked for that way (as the hook bundle does) or not, the same answers.
describe.each([
  ['as the helper starts them', false],
  ['as the hooks ask for them', true],
])('the shell module, %s', (_how, direct) => {
  beforeAll(() => startProcessesDirectly(direct));
  afterAll(() => startProcessesDirectly(false));

  it.each([
    '',
    'plain',
    "it's",
    '"double"',
    '$(touch PWNED)',
    '`id`',
    'a;b|c&&d',
    'line\nbreak',
    '\\back\\slash',
    '*',
    '~',
    '-n',
    'üñí 🚀',
    "'",
    "''",
    ' lead and trail ',
  ])('passes %j through the shell unchanged', async (value) => {
    const { stdout } = await run(tmpdir(), 'printf', ['%s', value]);
    expect(stdout).toBe(value);
  });

  it('passes each array element as one argument', async () => {
    const { stdout } = await run(tmpdir(), 'printf', ['<%s>', 'a b', '', 'c']);
    expect(stdout).toBe('<a b><><c>');
  });

  it('throws a GitError with command, exit code and stderr', async () => {
    const error = await git(tmpdir(), ['rev-parse', '--verify', 'no-such-ref']).catch((e) => e);
    expect(error).toBeInstanceOf(GitError);
    expect(error.command).toEqual(['git', 'rev-parse', '--verify', 'no-such-ref']);
    expect(error.exitCode).toBe(128);
    expect(error.stderr).toMatch(/not a git repository|Needed a single revision/);
  });

  it('treats listed exit codes as answers', async () => {
    const result = await run(tmpdir(), 'sh', ['-c', 'exit 1'], { okExitCodes: [0, 1] });
    expect(result.exitCode).toBe(1);
  });

  it('never gives a child a terminal to wait on', async () => {
    const { stdout } = await run(tmpdir(), 'sh', ['-c', 'cat; echo done']);
    expect(stdout).toBe('done\n');
  });

  it('gives a child the input it is handed, and only that, as its stdin', async () => {
    const input = "line one\n$(touch PWNED) 'quoted'\n".repeat(20_000);
    const { stdout } = await run(tmpdir(), 'sh', ['-c', 'cat; echo done'], { input });
    expect(stdout).toBe(`${input}done\n`);
  });

  it('is not troubled by a child that exits without reading its input', async () => {
    const result = await run(tmpdir(), 'sh', ['-c', 'exit 3'], { input: 'x'.repeat(1 << 20), okExitCodes: [3] });
    expect(result.exitCode).toBe(3);
  });

  it('kills a process past its timeout', async () => {
    const started = Date.now();
    const result = await run(tmpdir(), 'sleep', ['5'], { timeout: 200, okExitCodes: [0, -1, 143] }).catch(
      (error) => error,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result instanceof GitError || result.exitCode !== 0).toBe(true);
  });

  it('says 127 for a program that is not there', async () => {
    const result = await run(tmpdir(), 'no-such-program-anywhere', [], { okExitCodes: [127] });
    expect(result.exitCode).toBe(127);
    expect(runSync(tmpdir(), 'no-such-program-anywhere', [], { okExitCodes: [127] }).exitCode).toBe(127);
  });
});
