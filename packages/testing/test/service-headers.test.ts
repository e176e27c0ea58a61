import { describe, expect, it } from 'vitest';
import {
  newUserId,
  serviceHeaders,
  TEST_SERVICE_KEY,
  testAdmin,
  testUser,
  uniqueEmail,
} from '../src/index.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('serviceHeaders', () => {
  it('sends only the service key when no user is given', () => {
    expect(serviceHeaders(TEST_SERVICE_KEY)).toEqual({ 'X-Service-Key': TEST_SERVICE_KEY });
  });

  it('adds the user id and role the way the gateway does, defaulting the role to user', () => {
    const id = newUserId();
    expect(serviceHeaders('k'.repeat(32), { id })).toEqual({
      'X-Service-Key': 'k'.repeat(32),
      'X-User-Id': id,
      'X-User-Role': 'user',
    });
    expect(serviceHeaders(TEST_SERVICE_KEY, { id, role: 'admin' })['X-User-Role']).toBe('admin');
  });

  it('uses a test key long enough for the service key guard', () => {
    expect(TEST_SERVICE_KEY.length).toBeGreaterThanOrEqual(32);
  });
});

describe('factories', () => {
  it('makes time-ordered UUID v7 user ids', () => {
    const [a, b] = [newUserId(), newUserId()];
    expect(a).toMatch(UUID_V7);
    expect(a < b).toBe(true);
  });

  it('makes users and admins with fresh ids unless told otherwise', () => {
    expect(testUser()).toMatchObject({ role: 'user', id: expect.stringMatching(UUID_V7) });
    expect(testAdmin({ id: 'fixed' })).toEqual({ id: 'fixed', role: 'admin' });
    expect(uniqueEmail('shopper')).toMatch(/^shopper-[0-9a-f]{8}@example\.test$/);
  });
});
