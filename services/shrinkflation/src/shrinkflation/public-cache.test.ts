import { describe, expect, it } from 'vitest';
import { createMemoryCache } from './public-cache.js';

describe('createMemoryCache', () => {
  it('forgets an entry after its TTL and on clear', async () => {
    let now = 1_000;
    const cache = createMemoryCache(60, () => now);
    await cache.set('q', 'body');
    now += 59_000;
    expect(await cache.get('q')).toBe('body');
    now += 1_000;
    expect(await cache.get('q')).toBeUndefined();
    await cache.set('q', 'body');
    await cache.clear();
    expect(await cache.get('q')).toBeUndefined();
  });

  it('caches nothing with a TTL of 0', async () => {
    const cache = createMemoryCache(0);
    await cache.set('q', 'body');
    expect(await cache.get('q')).toBeUndefined();
  });
});
