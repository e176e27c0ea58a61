/** GET /internal/users/{userId}/export: the named user's orders with lines and history, nobody else's. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addToCart,
  as,
  createHarness,
  createItem,
  createLocation,
  type Harness,
  testUser,
} from './harness.js';

let h: Harness;
let locationId: string;

beforeAll(async () => {
  h = await createHarness('orders_user_export');
  locationId = await createLocation(h);
});
afterAll(() => h.close());

async function order(user: ReturnType<typeof testUser>, key: string): Promise<string> {
  const milk = await createItem(h, locationId, { priceCents: 199, onHand: 5 });
  await addToCart(h, user, locationId, milk.productId, 2).then((r) => expect(r.status).toBe(200));
  const response = await request(h.app)
    .post('/orders')
    .set(as(user))
    .set('Idempotency-Key', key)
    .send({ locationId })
    .expect(201);
  return response.body.id;
}

describe('GET /internal/users/{userId}/export', () => {
  it('answers the orders of the user named in the path, with their lines and status history', async () => {
    const owner = testUser();
    const stranger = testUser();
    const id = await order(owner, 'export-owner');
    await order(stranger, 'export-stranger');
    const response = await request(h.app)
      .get(`/internal/users/${owner.id}/export`)
      .set(as(testUser()))
      .expect(200);
    const own = await request(h.app).get(`/orders/${id}`).set(as(owner)).expect(200);
    const history = await request(h.app).get(`/orders/${id}/history`).set(as(owner)).expect(200);
    expect(response.body.orders).toEqual([{ ...own.body, history: history.body.items }]);
    expect(response.body.orders[0].items).toHaveLength(1);
    expect(response.body.orders[0].history.map((change: { to: string }) => change.to)).toEqual(['PENDING']);
  });
});
