/** Shopper accounts whose password the test keeps (account deletion asks for it). */
import { randomBytes } from 'node:crypto';
import type { GatewayClient, Session } from './gateway-client.js';

export interface Account extends Session {
  password: string;
}

/** `POST /auth/register` with a unique e-mail address; the session plus the password. */
export async function registerAccount(gateway: GatewayClient, label: string): Promise<Account> {
  const email = `${label}-${randomBytes(5).toString('hex')}@example.test`;
  const password = randomBytes(18).toString('base64url');
  const { body } = await gateway.post<{ user: { id: string }; tokens: { accessToken: string } }>(
    '/auth/register',
    { email, password, displayName: label },
    { expect: 201 },
  );
  return { userId: body.user.id, email, password, token: body.tokens.accessToken };
}

/**
 * A store-staff account of `retailer`: registered, granted the role by the admin
 * (`PUT /admin/users/{id}/role`), then signed in again, because a role change ends the account's
 * sessions and only a new sign-in carries the staff role and its retailer.
 */
export async function registerStaffAccount(
  gateway: GatewayClient,
  adminToken: string,
  retailer: string,
  label = `staff-${retailer}`,
): Promise<Account> {
  const account = await registerAccount(gateway, label);
  await gateway.put(
    `/admin/users/${account.userId}/role`,
    { role: 'staff', retailer },
    { token: adminToken, expect: 200 },
  );
  const { body } = await gateway.post<{ user: { role: string }; tokens: { accessToken: string } }>(
    '/auth/login',
    { email: account.email, password: account.password },
    { expect: 200 },
  );
  if (body.user.role !== 'staff')
    throw new Error(`${account.email} signed in as ${body.user.role}, not staff`);
  return { ...account, token: body.tokens.accessToken };
}
