import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // HTTP tests start real servers and database files; two cores, so keep parallelism modest.
    maxWorkers: 2,
  },
});
