import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defineServiceTestConfig } from '../src/vitest-config.js';

describe('defineServiceTestConfig', () => {
  it('wires the global setup, the test globs and 30 s timeouts', () => {
    const { test } = defineServiceTestConfig();
    expect(test?.include).toEqual(['test/**/*.test.ts', 'src/**/*.test.ts']);
    expect(test?.testTimeout).toBe(30_000);
    expect(test?.hookTimeout).toBe(30_000);
    const [setupFile] = [test?.globalSetup].flat();
    expect(setupFile).toMatch(/global-setup\.(ts|js)$/);
    expect(existsSync(String(setupFile))).toBe(true);
  });

  it('merges overrides over the defaults', () => {
    const { test } = defineServiceTestConfig({
      test: { testTimeout: 5_000, include: ['bench/**/*.test.ts'] },
    });
    expect(test?.testTimeout).toBe(5_000);
    expect(test?.hookTimeout).toBe(30_000);
    expect(test?.include).toContain('bench/**/*.test.ts');
  });
});
