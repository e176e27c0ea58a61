import { defineConfig } from 'vitest/config';

// Static checks only: no database, broker or network, so no shared test setup.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
  },
});
