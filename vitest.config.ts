import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{test,spec,agent,marketplace,engine-lite,cli}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**', '**/fixtures/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most test files wait on processes, containers and databases: two at once on two cores.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', ['json', { outputFile: 'dist/test-results.json' }]],
  },
});
