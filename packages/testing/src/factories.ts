/** Small data factories shared by every package's tests; service-specific factories live with the service. */
import { randomBytes } from 'node:crypto';
import type { UserRole } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';

/** A fresh UUID v7, the id format of every entity (docs/architecture.md#data). */
export function newUserId(): string {
  return newId();
}

export function testUser(overrides: { id?: string; role?: UserRole } = {}): { id: string; role: UserRole } {
  return { id: overrides.id ?? newUserId(), role: overrides.role ?? 'user' };
}

export function testAdmin(overrides: { id?: string } = {}): { id: string; role: UserRole } {
  return testUser({ ...overrides, role: 'admin' });
}

/** Store staff of one retailer (its slug goes in X-User-Retailer). */
export function testStaff(
  retailer: string,
  overrides: { id?: string } = {},
): { id: string; role: UserRole; retailer: string } {
  return { ...testUser({ ...overrides, role: 'staff' }), retailer };
}

/** A short random lowercase suffix for names that must be unique across parallel test files. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

/** `<label>-<random>@example.test` (the reserved .test TLD never delivers mail). */
export function uniqueEmail(label = 'user'): string {
  return `${label}-${uniqueSuffix()}@example.test`;
}
