import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/client/**'] },
      },
      {
        // The real Claude Code client: after the rest (so it never competes with the timing-sensitive stress and
        // fault-injection tests), one file at a time.
        extends: true,
        test: { name: 'client', include: ['test/client/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
