import path from 'node:path';
import { defineConfig } from 'vitest/config';

/** Runs only the deliberately failing fixtures, as a child of test/e2e/harness-cleanup.test.ts. */
export default defineConfig({
  root: path.resolve(import.meta.dirname, '..', '..'),
  test: {
    include: ['test/harness/*.fixture.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 5_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
  },
});
