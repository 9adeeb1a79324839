import { configDefaults, defineConfig } from 'vitest/config';

/** The tests that kill helpers at chosen moments: their timing wants the machine to themselves. */
const KILL_TESTS = ['test/crash-matrix.test.ts', 'test/stress.test.ts', 'test/safety/crash.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        // Most of a test's time is spent waiting on git processes, so more files run at once than there are cores
        // (vitest's default is one worker fewer than the cores: a single one on two).
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/client/**', ...KILL_TESTS],
          maxWorkers: 3,
        },
      },
      {
        // After the rest, one file at a time.
        extends: true,
        test: { name: 'kill', include: KILL_TESTS, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
      {
        // The real Claude Code client: last (so it never competes with the timing-sensitive stress and
        // fault-injection tests), one file at a time.
        extends: true,
        test: {
          name: 'client',
          include: ['test/client/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
