/** The headers the gateway sets on proxied requests (docs/architecture.md#request-path), for driving a service app directly. */
import type { UserRole } from '@cartwatch/common-types';

/** The X-Service-Key test apps are created with (service-kit requires at least 32 characters). */
export const TEST_SERVICE_KEY = 'cartwatch-test-service-key-not-a-secret-0123456789';

export interface TestUser {
  id: string;
  role?: UserRole;
  /** The retailer of a `staff` user (X-User-Retailer). */
  retailer?: string;
}

/**
 * `X-Service-Key`, plus `X-User-Id` / `X-User-Role` (default role `user`) and `X-User-Retailer` (staff)
 * when a user is given.
 * Use with supertest: `request(app).get('/watches').set(serviceHeaders(TEST_SERVICE_KEY, user))`.
 */
export function serviceHeaders(serviceKey: string, user?: TestUser): Record<string, string> {
  const headers: Record<string, string> = { 'X-Service-Key': serviceKey };
  if (user) {
    headers['X-User-Id'] = user.id;
    headers['X-User-Role'] = user.role ?? 'user';
    if (user.retailer !== undefined) headers['X-User-Retailer'] = user.retailer;
  }
  return headers;
}
