import { describe, expect, it } from 'vitest';
import { replicasArgument } from '../src/cli/replicas-argument.js';

describe('replicasArgument (pnpm start --replicas N)', () => {
  it('is 1 without the flag and reads both spellings', () => {
    expect(replicasArgument([])).toBe(1);
    expect(replicasArgument(['--other'])).toBe(1);
    expect(replicasArgument(['--replicas', '2'])).toBe(2);
    expect(replicasArgument(['--replicas=3'])).toBe(3);
  });

  it('refuses anything but a whole number from 1 to 8', () => {
    for (const args of [
      ['--replicas'],
      ['--replicas', '0'],
      ['--replicas=9'],
      ['--replicas', '1.5'],
      ['--replicas=two'],
    ]) {
      expect(replicasArgument(args), args.join(' ')).toBeUndefined();
    }
  });
});
