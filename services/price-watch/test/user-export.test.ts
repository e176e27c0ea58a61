/** GET /internal/users/{userId}/export: the named user's watches, alerts and alert settings only. */
import type { UserRole } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import { serviceHeaders, TEST_SERVICE_KEY, testUser } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, type PriceWatchHarness, startPriceWatch } from './support.js';

let harness: PriceWatchHarness;
const as = (user: { id: string; role: UserRole }) => serviceHeaders(TEST_SERVICE_KEY, user);

beforeAll(async () => {
  harness = await startPriceWatch('pw_user_export');
});
afterAll(() => harness.close());

async function alertFor(userId: string, title: string): Promise<void> {
  await harness.database.db
    .insertInto('alert')
    .values({
      id: newId(),
      user_id: userId,
      kind: 'price-drop',
      product_id: null,
      watch_id: null,
      title,
      body: 'Butter 1.49 at Store A',
      link: null,
      dedupe_key: newId(),
      read_at: null,
    })
    .execute();
}

describe('GET /internal/users/{userId}/export', () => {
  it('answers the watches, alerts and alert settings of the user named in the path', async () => {
    const owner = testUser();
    const stranger = testUser();
    const productId = await createProduct(harness.database, { name: 'Butter 250 g' });
    const watch = await request(harness.app)
      .post('/watches')
      .set(as(owner))
      .send({ productId, targetPriceCents: 150 })
      .expect(201);
    await request(harness.app).post('/watches').set(as(stranger)).send({ productId }).expect(201);
    await alertFor(owner.id, 'Butter dropped');
    await alertFor(stranger.id, 'Not yours');

    const response = await request(harness.app)
      .get(`/internal/users/${owner.id}/export`)
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(200);
    const own = (path: string) => request(harness.app).get(path).set(as(owner)).expect(200);
    expect(response.body.watches).toEqual([watch.body]);
    expect(response.body.watches).toEqual((await own('/watches')).body.items);
    expect(response.body.alerts.map((alert: { title: string }) => alert.title)).toEqual(['Butter dropped']);
    expect(response.body.alerts).toEqual((await own('/alerts')).body.items);
    expect(response.body.alertSettings).toEqual((await own('/alerts/settings')).body);
  });

  it('is refused without the service key', async () => {
    await request(harness.app).get(`/internal/users/${testUser().id}/export`).expect(401);
  });
});
