/**
 * Issue #17, "sessions end when they should", through the gateway of the running platform: once a
 * session ends (logout, logout-all, password change, a replayed refresh token, account deletion) its
 * access token is refused on proxied routes at once - not 15 minutes later - and an event stream opened
 * before logout-all is closed.
 */
import { describe, expect, it } from 'vitest';
import { type Account, registerAccount } from '../../src/accounts.js';
import { EventStream } from '../../src/event-stream.js';
import { GatewayClient } from '../../src/gateway-client.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

async function login(account: Account): Promise<Tokens> {
  const { body } = await gateway.post<{ tokens: Tokens }>(
    '/auth/login',
    { email: account.email, password: account.password },
    { expect: 200 },
  );
  return body.tokens;
}

/** Proxied routes of two services answer 401 for the token, for a read and for a write. */
async function expectRefusedOnProxiedRoutes(token: string) {
  await gateway.get('/shopping/lists', { token, expect: 401 });
  await gateway.get('/purchases', { token, expect: 401 });
  await gateway.post('/shopping/lists', { name: 'should not exist' }, { token, expect: 401 });
}

describe('a session that ends stops its access tokens on proxied routes', () => {
  it('logout', async () => {
    const account = await registerAccount(gateway, 'logout');
    await gateway.get('/shopping/lists', { token: account.token, expect: 200 });
    await gateway.post('/auth/logout', undefined, { token: account.token, expect: 204 });
    await expectRefusedOnProxiedRoutes(account.token);
  });

  it('logout-all, and the event stream opened before it is closed', async () => {
    const account = await registerAccount(gateway, 'logout-all');
    const other = await login(account);
    const events = await EventStream.open(platform.url, other.accessToken);
    await gateway.post('/auth/logout-all', undefined, { token: account.token, expect: 204 });
    await events.ended('the event stream of a session ended by logout-all', 5_000);
    await expectRefusedOnProxiedRoutes(account.token);
    await expectRefusedOnProxiedRoutes(other.accessToken);
  });

  it('a password change ends the other sessions', async () => {
    const account = await registerAccount(gateway, 'password');
    const other = await login(account);
    await gateway.post(
      '/auth/password',
      { currentPassword: account.password, newPassword: `${account.password}-new` },
      { token: account.token, expect: 204 },
    );
    await expectRefusedOnProxiedRoutes(other.accessToken);
    await gateway.get('/shopping/lists', { token: account.token, expect: 200 });
  });

  it('a replayed refresh token ends the whole family', async () => {
    const account = await registerAccount(gateway, 'replay');
    const first = await login(account);
    const { body: rotated } = await gateway.post<{ tokens: Tokens }>(
      '/auth/refresh',
      { refreshToken: first.refreshToken },
      { expect: 200 },
    );
    await gateway.post('/auth/refresh', { refreshToken: first.refreshToken }, { expect: 401 });
    await expectRefusedOnProxiedRoutes(first.accessToken);
    await expectRefusedOnProxiedRoutes(rotated.tokens.accessToken);
  });

  it('account deletion: the old token cannot create data that would never be purged', async () => {
    const account = await registerAccount(gateway, 'deleted');
    await gateway.call('DELETE', '/auth/me', {
      token: account.token,
      body: { password: account.password },
      expect: 204,
    });
    const { status } = await gateway.post(
      '/shopping/lists',
      { name: 'orphan' },
      { token: account.token, expect: 401 },
    );
    expect(status).toBe(401);
    await expectRefusedOnProxiedRoutes(account.token);
  });
});
