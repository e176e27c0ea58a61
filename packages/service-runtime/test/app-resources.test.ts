import { describe, expect, it } from 'vitest';
import { AppResources } from '../src/index.js';

describe('AppResources', () => {
  it('disposes what was added, last first, once, and still closes the rest after one fails', async () => {
    const resources = new AppResources();
    const closed: string[] = [];
    const redis = resources.add('redis', { name: 'redis' }, (value) => {
      closed.push(value.name);
    });
    expect(redis).toEqual({ name: 'redis' });
    resources.add('hub', 'hub', () => {
      closed.push('hub');
      throw new Error('hub would not stop');
    });
    resources.add('limiter', 'limiter', async (value) => {
      closed.push(value);
    });
    const first = resources.dispose();
    const second = resources.dispose();
    await expect(first).rejects.toThrow('could not close: hub');
    await expect(second).rejects.toThrow('could not close: hub');
    expect(closed).toEqual(['limiter', 'hub', 'redis']);
    expect(() => resources.add('late', 1, () => {})).toThrow(/already disposed/);
  });

  it('runs each drain hook once, even when one throws', () => {
    const resources = new AppResources();
    const ran: string[] = [];
    resources.onDrainStart(() => {
      ran.push('streams ended');
      throw new Error('boom');
    });
    resources.onDrainStart(() => ran.push('second'));
    resources.drainStarted();
    resources.drainStarted();
    expect(ran).toEqual(['streams ended', 'second']);
  });
});
