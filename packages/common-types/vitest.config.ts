import { defineConfig } from 'vitest/config';

// Same limits as the shared service config: a loaded 2-CPU CI machine can take seconds to spawn a child.
export default defineConfig({
  test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});
