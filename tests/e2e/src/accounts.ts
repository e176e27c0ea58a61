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
