import { defineConfig } from 'vitest/config';

// Static checks only: no database, broker or network, so no shared test setup.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Some checks spawn a script through tsx (a few seconds of start-up when the machine is busy).
    testTimeout: 30_000,
  },
});
