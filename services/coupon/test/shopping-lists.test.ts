import type { UserRole } from '@cartwatch/common-types';
/** /shopping/lists: CRUD of the caller's lists, strict bodies, and nobody else's lists. */
import { newId } from '@cartwatch/db';
import { serviceHeaders, TEST_SERVICE_KEY, testUser } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CouponTestContext, seedPrice, setUpCouponTest } from './support.js';

let ctx: CouponTestContext;
const owner = testUser();
const stranger = testUser();
const as = (user: { id: string; role: UserRole }) => serviceHeaders(TEST_SERVICE_KEY, user);

beforeAll(async () => {
  ctx = await setUpCouponTest('coupon_lists');
});
afterAll(() => ctx?.close());

async function createList(items: unknown[] = []) {
  const response = await request(ctx.app)
    .post('/shopping/lists')
    .set(as(owner))
    .send({ name: 'Weekly', items })
    .expect(201);
  return response.body as {
    id: string;
    items: {
      id: string;
      productId: string | null;
      text: string | null;
      quantity: number;
      name: string | null;
    }[];
  };
}

describe('shopping lists', () => {
  it('creates a list with product and free-text items and reads it back with product names', async () => {
    const productId = newId();
    await seedPrice(ctx.database, { productId, storeSlug: 'aldi', priceCents: 199, name: 'Oat milk' });
    const list = await createList([{ productId, quantity: 2 }, { text: 'bananas' }]);
    expect(list.items).toEqual([
      expect.objectContaining({ productId, text: null, quantity: 2, name: 'Oat milk' }),
      expect.objectContaining({ productId: null, text: 'bananas', quantity: 1 }),
    ]);
    const read = await request(ctx.app).get(`/shopping/lists/${list.id}`).set(as(owner)).expect(200);
    expect(read.body.items).toHaveLength(2);
  });

  it('adds, changes and removes items and renames the list', async () => {
    const list = await createList();
    const added = await request(ctx.app)
      .post(`/shopping/lists/${list.id}/items`)
      .set(as(owner))
      .send({ text: 'eggs', quantity: 12 })
      .expect(201);
    const itemId = added.body.items[0].id as string;
    const changed = await request(ctx.app)
      .patch(`/shopping/lists/${list.id}/items/${itemId}`)
      .set(as(owner))
      .send({ quantity: 6 })
      .expect(200);
    expect(changed.body.items[0].quantity).toBe(6);
    const renamed = await request(ctx.app)
      .patch(`/shopping/lists/${list.id}`)
      .set(as(owner))
      .send({ name: 'Party' })
      .expect(200);
    expect(renamed.body.name).toBe('Party');
    const removed = await request(ctx.app)
      .delete(`/shopping/lists/${list.id}/items/${itemId}`)
      .set(as(owner))
      .expect(200);
    expect(removed.body.items).toEqual([]);
  });

  it('pages through the caller’s lists with a cursor', async () => {
    const user = testUser();
    for (const name of ['a', 'b', 'c']) {
      await request(ctx.app).post('/shopping/lists').set(as(user)).send({ name }).expect(201);
    }
    const first = await request(ctx.app).get('/shopping/lists?limit=2').set(as(user)).expect(200);
    expect(first.body.items.map((list: { name: string }) => list.name)).toEqual(['a', 'b']);
    const second = await request(ctx.app)
      .get(`/shopping/lists?limit=2&cursor=${first.body.nextCursor}`)
      .set(as(user))
      .expect(200);
    expect(second.body).toEqual({
      items: [expect.objectContaining({ name: 'c', itemCount: 0 })],
      nextCursor: null,
    });
  });

  it('rejects unknown fields, an item with neither product nor text, and a bad quantity', async () => {
    const response = await request(ctx.app)
      .post('/shopping/lists')
      .set(as(owner))
      .send({ name: 'x', owner: 'me', items: [{ quantity: 0 }] })
      .expect(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    const paths = response.body.error.details.issues.map((issue: { path: string }) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['owner', 'items.0.quantity', 'items.0.productId']));
  });

  it("returns 404 for another user's list on read, change, delete, items and optimize", async () => {
    const list = await createList([{ text: 'milk' }]);
    const itemId = list.items[0]?.id as string;
    await request(ctx.app).get(`/shopping/lists/${list.id}`).set(as(stranger)).expect(404);
    await request(ctx.app)
      .patch(`/shopping/lists/${list.id}`)
      .set(as(stranger))
      .send({ name: 'mine' })
      .expect(404);
    await request(ctx.app)
      .post(`/shopping/lists/${list.id}/items`)
      .set(as(stranger))
      .send({ text: 'x' })
      .expect(404);
    await request(ctx.app)
      .patch(`/shopping/lists/${list.id}/items/${itemId}`)
      .set(as(stranger))
      .send({ quantity: 3 })
      .expect(404);
    await request(ctx.app).delete(`/shopping/lists/${list.id}/items/${itemId}`).set(as(stranger)).expect(404);
    const optimize = await request(ctx.app)
      .post('/shopping/optimize')
      .set(as(stranger))
      .send({ listId: list.id, maxStores: 2 })
      .expect(404);
    expect(optimize.body.error.code).toBe('NOT_FOUND');
    await request(ctx.app).delete(`/shopping/lists/${list.id}`).set(as(stranger)).expect(404);
    const listed = await request(ctx.app).get('/shopping/lists').set(as(stranger)).expect(200);
    expect(listed.body.items).toEqual([]);
    // Still there, unchanged, for its owner.
    const mine = await request(ctx.app).get(`/shopping/lists/${list.id}`).set(as(owner)).expect(200);
    expect(mine.body.items).toEqual([expect.objectContaining({ text: 'milk', quantity: 1 })]);
  });

  it('deletes a list with its items', async () => {
    const list = await createList([{ text: 'tea' }]);
    await request(ctx.app).delete(`/shopping/lists/${list.id}`).set(as(owner)).expect(204);
    await request(ctx.app).get(`/shopping/lists/${list.id}`).set(as(owner)).expect(404);
    const left = await ctx.database.db
      .selectFrom('shopping_list_item')
      .select('id')
      .where('list_id', '=', list.id)
      .execute();
    expect(left).toEqual([]);
  });
});
