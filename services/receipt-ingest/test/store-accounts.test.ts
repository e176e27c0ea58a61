/**
 * Store accounts: credentials sealed with AES-256-GCM under a key id (rotation), never returned,
 * never logged; each user sees and removes only their own accounts.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '@cartwatch/service-kit';
import { sql } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialContext } from '../src/accounts/accounts.service.js';
import { CredentialCipher } from '../src/accounts/credential-cipher.js';
import { admin, as, createHarness, type Harness, testUser } from './harness.js';

const oldKey = `k1:${randomBytes(32).toString('base64')}`;
const newKey = `k2:${randomBytes(32).toString('base64')}`;
const PASSWORD = 'Tr0ub4dor&3-correct-horse';
const logLines: string[] = [];
let harness: Harness;

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(chunk.toString('utf8'));
      callback();
    },
  });
  harness = await createHarness(
    'ingest_accounts',
    { CREDENTIAL_KEYS: oldKey, LOG_LEVEL: 'trace' },
    { logger: createLogger({ service: 'receipt-ingest', level: 'trace', destination }) },
  );
  await request(harness.app)
    .post('/stores')
    .set(as(admin))
    .send({ slug: 'ref-mart', name: 'Reference Mart', ingestionMethods: ['sync', 'json'] })
    .expect(201);
  await request(harness.app)
    .post('/stores')
    .set(as(admin))
    .send({ slug: 'paper-only', name: 'Paper Only', ingestionMethods: ['text'] })
    .expect(201);
});
afterAll(() => harness.close());

async function storedCredential(userId: string) {
  const { rows } = await sql<{ credential_ciphertext: Buffer; credential_key_id: string }>`
    select credential_ciphertext, credential_key_id from store_account where user_id = ${userId}`.execute(
    harness.database.db,
  );
  return rows[0];
}

describe('store accounts', () => {
  it('stores only ciphertext under a key id and never returns or logs the password', async () => {
    const user = testUser();
    await request(harness.app)
      .post('/me/stores/ref-mart/connect')
      .set(as(user))
      .send({ username: 'shopper@example.test', password: PASSWORD })
      .expect(204);
    const stored = await storedCredential(user.id);
    expect(stored?.credential_key_id).toBe('k1');
    const bytes = stored?.credential_ciphertext as Buffer;
    expect(bytes.includes(Buffer.from(PASSWORD))).toBe(false);
    expect(bytes.includes(Buffer.from('shopper@example.test'))).toBe(false);
    expect(bytes.length).toBeGreaterThan(28);
    // It opens with the key (and only for this user and store).
    const cipher = new CredentialCipher(oldKey);
    const opened = JSON.parse(
      cipher.open({ keyId: 'k1', ciphertext: bytes }, credentialContext(user.id, 'ref-mart')),
    );
    expect(opened).toEqual({ username: 'shopper@example.test', password: PASSWORD });
    expect(() =>
      cipher.open({ keyId: 'k1', ciphertext: bytes }, credentialContext(testUser().id, 'ref-mart')),
    ).toThrow();

    const list = await request(harness.app).get('/me/stores').set(as(user)).expect(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        storeSlug: 'ref-mart',
        status: 'connected',
        lastSyncAt: null,
        lastErrorCode: null,
      }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain(PASSWORD);
    // A malformed connect request is logged too, and still without the password.
    await request(harness.app)
      .post('/me/stores/ref-mart/connect')
      .set(as(user))
      .send({ username: 'shopper@example.test', password: PASSWORD, remember: true })
      .expect(400)
      .expect((response) => expect(JSON.stringify(response.body)).not.toContain(PASSWORD));
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(PASSWORD);
  });

  it('opens credentials sealed with a rotated-out key and seals new ones with the new key', async () => {
    const user = testUser();
    await request(harness.app)
      .post('/me/stores/ref-mart/connect')
      .set(as(user))
      .send({ username: 'rotating', password: PASSWORD })
      .expect(204);
    const sealedWithOld = await storedCredential(user.id);
    const rotated = new CredentialCipher(`${newKey},${oldKey}`);
    const sealed = {
      keyId: sealedWithOld?.credential_key_id as string,
      ciphertext: sealedWithOld?.credential_ciphertext as Buffer,
    };
    expect(rotated.needsReseal(sealed)).toBe(true);
    expect(JSON.parse(rotated.open(sealed, credentialContext(user.id, 'ref-mart'))).password).toBe(PASSWORD);
    expect(rotated.seal('x', 'c').keyId).toBe('k2');
    expect(() => new CredentialCipher(newKey).open(sealed, credentialContext(user.id, 'ref-mart'))).toThrow(
      /k1/,
    );
  });

  it("keeps each user's accounts to themselves", async () => {
    const owner = testUser();
    const other = testUser();
    await request(harness.app)
      .post('/me/stores/ref-mart/connect')
      .set(as(owner))
      .send({ username: 'a', password: PASSWORD })
      .expect(204);
    const theirs = await request(harness.app).get('/me/stores').set(as(other)).expect(200);
    expect(theirs.body.items).toEqual([]);
    await request(harness.app).delete('/me/stores/ref-mart').set(as(other)).expect(404);
    await request(harness.app).delete('/me/stores/ref-mart').set(as(owner)).expect(204);
    expect(await storedCredential(owner.id)).toBeUndefined();
  });

  it('refuses stores that cannot be synced, unknown stores and unknown fields', async () => {
    const user = testUser();
    await request(harness.app)
      .post('/me/stores/paper-only/connect')
      .set(as(user))
      .send({ username: 'a', password: 'b' })
      .expect(422);
    await request(harness.app)
      .post('/me/stores/nowhere/connect')
      .set(as(user))
      .send({ username: 'a', password: 'b' })
      .expect(404);
    await request(harness.app)
      .post('/me/stores/ref-mart/connect')
      .set(as(user))
      .send({ username: 'a' })
      .expect(400);
  });
});
