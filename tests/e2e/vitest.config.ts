import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts the test servers and one whole platform for all files (src/global-setup.ts).
    globalSetup: ['./src/global-setup.ts'],
    // Journeys wait on event chains across services; deadlines inside the tests say what was awaited.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 120_000,
  },
});
