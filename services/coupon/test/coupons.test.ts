import { MAX_IMPORTED_COUPONS, type UserRole } from '@cartwatch/common-types';
/** /coupons: admin CRUD and feeds, the published event, filters, per-user clips and relevance. */
import { newId } from '@cartwatch/db';
import { serviceHeaders, TEST_SERVICE_KEY, testAdmin, testUser } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPurchaseLines } from '../src/relevance/purchase-line.repository.js';
import { type CouponTestContext, nextWeek, seedPrice, setUpCouponTest, yesterday } from './support.js';

let ctx: CouponTestContext;
const admin = testAdmin();
const shopper = testUser();
const other = testUser();
const as = (user: { id: string; role: UserRole }) => serviceHeaders(TEST_SERVICE_KEY, user);

beforeAll(async () => {
  ctx = await setUpCouponTest('coupon_coupons');
});
afterAll(() => ctx?.close());

const percentOff = (overrides: Record<string, unknown> = {}) => ({
  storeSlug: 'cp-store',
  scope: { kind: 'category', category: 'Dairy' },
  type: 'percent',
  percentOff: 20,
  validFrom: yesterday(),
  validTo: nextWeek(),
  requiresClip: true,
  title: '20% off dairy',
  ...overrides,
});

async function outboxEvents(couponId: string) {
  const rows = await ctx.database.db
    .selectFrom('outbox' as never)
    .select(['type' as never, 'payload' as never])
    .execute();
  return (rows as { type: string; payload: { subjectId: string; data: Record<string, unknown> } }[]).filter(
    (row) => row.payload.subjectId === couponId,
  );
}

/** POST /coupons/import with a CSV feed, as the admin. */
function importCsvFeed(csv: string) {
  return request(ctx.app).post('/coupons/import').set(as(admin)).set('Content-Type', 'text/csv').send(csv);
}

describe('coupon administration', () => {
  it('creates a coupon and publishes coupon.published.v1 in the same transaction', async () => {
    const response = await request(ctx.app).post('/coupons').set(as(admin)).send(percentOff()).expect(201);
    expect(response.body).toMatchObject({
      storeSlug: 'cp-store',
      scope: { kind: 'category', category: 'Dairy', productId: null, brand: null },
      type: 'percent',
      percentOff: 20,
      minQuantity: 1,
      currency: 'USD',
      requiresClip: true,
      clipped: false,
    });
    const events = await outboxEvents(response.body.id);
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe('coupon.published.v1');
    expect(events[0]?.payload.data).toMatchObject({
      couponId: response.body.id,
      storeSlug: 'cp-store',
      scope: { kind: 'category', category: 'Dairy' },
      type: 'percent',
      requiresClip: true,
    });
  });

  it('refuses coupon writes from a non-admin with 403', async () => {
    const response = await request(ctx.app).post('/coupons').set(as(shopper)).send(percentOff()).expect(403);
    expect(response.body.error.code).toBe('FORBIDDEN');
  });

  it('rejects unknown fields and coupons missing their type’s numbers', async () => {
    const response = await request(ctx.app)
      .post('/coupons')
      .set(as(admin))
      .send({ ...percentOff({ percentOff: undefined, sneaky: 1 }) })
      .expect(400);
    const paths = response.body.error.details.issues.map((issue: { path: string }) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['sneaky']));
    const spend = await request(ctx.app)
      .post('/coupons')
      .set(as(admin))
      .send(
        percentOff({
          type: 'spend_threshold',
          percentOff: undefined,
          thresholdCents: 1000,
          amountOffCents: 2000,
        }),
      )
      .expect(400);
    const spendPaths = spend.body.error.details.issues.map((issue: { path: string }) => issue.path);
    expect(spendPaths).toEqual(expect.arrayContaining(['scope.kind', 'amountOffCents']));
  });

  it('answers each coupon type and scope kind with its own fields and messages', async () => {
    const issuesOf = async (body: Record<string, unknown>) =>
      (await request(ctx.app).post('/coupons').set(as(admin)).send(body).expect(400)).body.error.details
        .issues as { path: string; message: string }[];
    const at = (path: string, message: string) => expect.objectContaining({ path, message });
    expect(await issuesOf(percentOff({ percentOff: undefined }))).toEqual([
      at('percentOff', 'required for a percent coupon'),
    ]);
    expect(await issuesOf(percentOff({ scope: { kind: 'brand' } }))).toEqual([
      at('scope.brand', 'required for a brand scope'),
    ]);
    expect(await issuesOf(percentOff({ scope: { kind: 'store' } }))).toEqual([
      at('scope.kind', 'line coupons are scoped to a product, brand or category'),
    ]);
    expect(await issuesOf(percentOff({ amountOffCents: 100 }))).toEqual([
      at('amountOffCents', 'unknown field'),
    ]);
    const spend = {
      type: 'spend_threshold',
      percentOff: undefined,
      thresholdCents: 1000,
      amountOffCents: 200,
    };
    expect(await issuesOf(percentOff({ ...spend, minPurchaseCents: 500 }))).toEqual([
      at('scope.kind', 'spend_threshold coupons are store-wide'),
      at('minPurchaseCents', 'unknown field'),
    ]);
    expect(
      await issuesOf(
        percentOff({ type: 'spend_threshold', percentOff: undefined, scope: { kind: 'store' } }),
      ),
    ).toEqual([
      at('thresholdCents', 'required for spend_threshold'),
      at('amountOffCents', 'required for spend_threshold'),
    ]);
    expect(
      await issuesOf(percentOff({ validTo: new Date(Date.now() - 2 * 86_400_000).toISOString() })),
    ).toEqual([at('validTo', 'must be after validFrom')]);
    await request(ctx.app)
      .post('/coupons')
      .set(as(admin))
      .send(percentOff({ ...spend, scope: { kind: 'store' } }))
      .expect(201);
  });

  it('replaces and deletes a coupon, 404 for an unknown one', async () => {
    const created = await request(ctx.app).post('/coupons').set(as(admin)).send(percentOff()).expect(201);
    const replaced = await request(ctx.app)
      .put(`/coupons/${created.body.id}`)
      .set(as(admin))
      .send(percentOff({ percentOff: 30, title: '30% off dairy' }))
      .expect(200);
    expect(replaced.body).toMatchObject({ percentOff: 30, title: '30% off dairy' });
    expect(await outboxEvents(created.body.id)).toHaveLength(2);
    await request(ctx.app).delete(`/coupons/${created.body.id}`).set(as(admin)).expect(204);
    await request(ctx.app).get(`/coupons/${created.body.id}`).set(as(shopper)).expect(404);
    await request(ctx.app).put(`/coupons/${newId()}`).set(as(admin)).send(percentOff()).expect(404);
  });

  it('imports a JSON feed, upserting on externalId and reporting rejected rows', async () => {
    const feed = {
      coupons: [
        percentOff({ externalId: 'feed-1', storeSlug: 'feed-store' }),
        { title: 'broken' },
        percentOff({ externalId: 'feed-2', storeSlug: 'feed-store', type: 'bogo', percentOff: undefined }),
      ],
    };
    const first = await request(ctx.app).post('/coupons/import').set(as(admin)).send(feed).expect(200);
    expect(first.body).toMatchObject({ created: 2, updated: 0 });
    expect(first.body.rejected).toEqual([expect.objectContaining({ row: 2 })]);
    const again = await request(ctx.app).post('/coupons/import').set(as(admin)).send(feed).expect(200);
    expect(again.body).toMatchObject({ created: 0, updated: 2 });
    const stored = await ctx.database.db
      .selectFrom('coupon')
      .select('id')
      .where('store_slug', '=', 'feed-store')
      .execute();
    expect(stored).toHaveLength(2);
  });

  it('imports a CSV feed with quoted fields', async () => {
    const csv = [
      'externalId,storeSlug,scopeKind,brand,type,buyQuantity,getQuantity,validFrom,title,requiresClip',
      `csv-1,csv-store,brand,Acme,buy_x_get_y,2,1,${yesterday()},"Buy 2, get 1 ""free""",false`,
      `csv-2,csv-store,brand,,percent,,,${yesterday()},no brand,false`,
    ].join('\r\n');
    const response = await importCsvFeed(csv).expect(200);
    expect(response.body.created).toBe(1);
    expect(response.body.rejected).toEqual([expect.objectContaining({ row: 2 })]);
    const coupon = await ctx.database.db
      .selectFrom('coupon')
      .selectAll()
      .where('external_id', '=', 'csv-1')
      .executeTakeFirstOrThrow();
    expect(coupon).toMatchObject({
      title: 'Buy 2, get 1 "free"',
      buy_quantity: 2,
      get_quantity: 1,
      brand: 'Acme',
    });
  });

  it('rejects a CSV feed row holding a NUL and imports the others', async () => {
    const csv = [
      'externalId,storeSlug,scopeKind,brand,type,percentOff,validFrom,title',
      `nul-1,csv-store,brand,Acme,percent,10,${yesterday()},Fine`,
      `nul-2,csv-store,brand,Ac\u0000me,percent,10,${yesterday()},Not fine`,
    ].join('\r\n');
    const response = await importCsvFeed(csv).expect(200);
    expect(response.body).toMatchObject({ created: 1, updated: 0 });
    expect(response.body.rejected).toEqual([
      { row: 2, issues: [expect.objectContaining({ path: 'scope.brand', code: 'nul_character' })] },
    ]);
  });

  const feedHeader = 'externalId,storeSlug,scopeKind,brand,type,percentOff,validFrom,title';
  const feedRow = (id: string, title = 'Ten off') =>
    `${id},cap-store,brand,Acme,percent,10,${yesterday()},${title}`;
  const capStoreCoupons = () =>
    ctx.database.db.selectFrom('coupon').select('id').where('store_slug', '=', 'cap-store').execute();

  it('rejects a CSV feed with more rows than a feed may hold, naming the cap, and imports nothing', async () => {
    const rows = Array.from({ length: MAX_IMPORTED_COUPONS + 1 }, (_, index) => feedRow(`cap-${index}`));
    const response = await importCsvFeed([feedHeader, ...rows].join('\n')).expect(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.message).toContain(`at most ${MAX_IMPORTED_COUPONS} rows`);
    // The header is line 1, so the first row past the cap is on line cap + 2.
    expect(response.body.error.details.issues).toEqual([
      {
        path: `lines.${MAX_IMPORTED_COUPONS + 2}`,
        message: `more than ${MAX_IMPORTED_COUPONS} rows`,
        code: 'too_many_rows',
      },
    ]);
    expect(await capStoreCoupons()).toEqual([]);
  });

  it('rejects a malformed CSV feed with 400 naming the line, and imports nothing', async () => {
    const wrongCells = [feedHeader, feedRow('bad-1'), 'bad-2,cap-store,brand', feedRow('bad-3')].join('\n');
    const response = await importCsvFeed(wrongCells).expect(400);
    expect(response.body.error.details.issues).toEqual([
      expect.objectContaining({ path: 'lines.3', code: 'CSV_RECORD_INCONSISTENT_COLUMNS' }),
    ]);
    const unclosed = [feedHeader, feedRow('bad-4'), feedRow('bad-5'), feedRow('bad-6', '"Ten off')].join(
      '\n',
    );
    const quoted = await importCsvFeed(unclosed).expect(400);
    expect(quoted.body.error.details.issues).toEqual([
      expect.objectContaining({ path: 'lines.4', code: 'CSV_QUOTE_NOT_CLOSED' }),
    ]);
    expect(await capStoreCoupons()).toEqual([]);
  });

  it('answers 413 for a CSV feed larger than BODY_LIMIT, and 400 for one without data rows', async () => {
    const longTitle = 'x'.repeat(190);
    const rows = Array.from({ length: 5_000 }, (_, index) => feedRow(`big-${index}`, longTitle));
    const response = await importCsvFeed([feedHeader, ...rows].join('\n')).expect(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await capStoreCoupons()).toEqual([]);
    const empty = await importCsvFeed(`${feedHeader}\n`).expect(400);
    expect(empty.body.error.details.issues).toEqual([
      { path: 'lines', message: 'no data rows', code: 'too_small' },
    ]);
  });
});

describe('browsing and clipping', () => {
  it('filters by store, category and whether the coupon is valid now, with a cursor', async () => {
    const store = `filter-${newId().slice(-6)}`;
    await request(ctx.app)
      .post('/coupons')
      .set(as(admin))
      .send(percentOff({ storeSlug: store }))
      .expect(201);
    await request(ctx.app)
      .post('/coupons')
      .set(as(admin))
      .send(percentOff({ storeSlug: store, scope: { kind: 'category', category: 'bakery' } }))
      .expect(201);
    await request(ctx.app)
      .post('/coupons')
      .set(as(admin))
      .send(
        percentOff({
          storeSlug: store,
          validFrom: new Date(Date.now() - 10 * 86_400_000).toISOString(),
          validTo: yesterday(),
        }),
      )
      .expect(201);
    const dairy = await request(ctx.app)
      .get(`/coupons?store=${store}&category=dairy&active=true`)
      .set(as(shopper))
      .expect(200);
    expect(dairy.body.items).toHaveLength(1);
    const expired = await request(ctx.app)
      .get(`/coupons?store=${store}&active=false`)
      .set(as(shopper))
      .expect(200);
    expect(expired.body.items).toHaveLength(1);
    const page = await request(ctx.app).get(`/coupons?store=${store}&limit=2`).set(as(shopper)).expect(200);
    expect(page.body.items).toHaveLength(2);
    const rest = await request(ctx.app)
      .get(`/coupons?store=${store}&limit=2&cursor=${page.body.nextCursor}`)
      .set(as(shopper))
      .expect(200);
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.nextCursor).toBeNull();
    await request(ctx.app).get('/coupons?colour=red').set(as(shopper)).expect(400);
  });

  it('clips per user: one user’s clip is not another’s', async () => {
    const created = await request(ctx.app).post('/coupons').set(as(admin)).send(percentOff()).expect(201);
    const clipped = await request(ctx.app)
      .post(`/coupons/${created.body.id}/clip`)
      .set(as(shopper))
      .expect(200);
    expect(clipped.body.clipped).toBe(true);
    await request(ctx.app).post(`/coupons/${created.body.id}/clip`).set(as(shopper)).expect(200);
    const mine = await request(ctx.app).get(`/coupons/${created.body.id}`).set(as(shopper)).expect(200);
    const theirs = await request(ctx.app).get(`/coupons/${created.body.id}`).set(as(other)).expect(200);
    expect(mine.body.clipped).toBe(true);
    expect(theirs.body.clipped).toBe(false);
    await request(ctx.app).delete(`/coupons/${created.body.id}/clip`).set(as(shopper)).expect(204);
    const after = await request(ctx.app).get(`/coupons/${created.body.id}`).set(as(shopper)).expect(200);
    expect(after.body.clipped).toBe(false);
    await request(ctx.app).post(`/coupons/${newId()}/clip`).set(as(shopper)).expect(404);
  });

  it('refuses to clip an expired coupon', async () => {
    const created = await request(ctx.app)
      .post('/coupons')
      .set(as(admin))
      .send(
        percentOff({ validFrom: new Date(Date.now() - 9 * 86_400_000).toISOString(), validTo: yesterday() }),
      )
      .expect(201);
    const response = await request(ctx.app)
      .post(`/coupons/${created.body.id}/clip`)
      .set(as(shopper))
      .expect(422);
    expect(response.body.error.code).toBe('UNPROCESSABLE');
  });
});

describe('GET /coupons/relevant', () => {
  it('ranks listed products over bought ones over brands, and shows nothing unrelated', async () => {
    const user = testUser();
    const store = `rel-${newId().slice(-6)}`;
    const listed = newId();
    const bought = newId();
    const sameBrand = newId();
    await seedPrice(ctx.database, {
      productId: listed,
      storeSlug: store,
      priceCents: 100,
      brand: 'Zest',
      category: 'snacks',
    });
    await seedPrice(ctx.database, {
      productId: bought,
      storeSlug: store,
      priceCents: 100,
      gtin: '00012345678905',
      brand: 'Fizz',
    });
    await seedPrice(ctx.database, { productId: sameBrand, storeSlug: store, priceCents: 100, brand: 'Fizz' });
    await request(ctx.app)
      .post('/shopping/lists')
      .set(as(user))
      .send({ name: 'l', items: [{ productId: listed }] })
      .expect(201);
    await recordPurchaseLines(ctx.database.db, [
      {
        purchaseId: newId(),
        lineId: newId(),
        userId: user.id,
        gtin: '00012345678905',
        name: 'Fizz cola',
        brand: 'Fizz',
        category: 'drinks',
        storeSlug: store,
        purchasedAt: new Date(Date.now() - 3 * 86_400_000).toISOString(),
      },
    ]);
    const make = async (title: string, scope: Record<string, unknown>) =>
      (
        await request(ctx.app)
          .post('/coupons')
          .set(as(admin))
          .send(percentOff({ storeSlug: store, scope, title, requiresClip: false }))
          .expect(201)
      ).body.id as string;
    const onList = await make('listed', { kind: 'product', productId: listed });
    const onBought = await make('bought', { kind: 'product', productId: bought });
    const onBrand = await make('brand', { kind: 'brand', brand: 'fizz' });
    await make('unrelated', { kind: 'category', category: 'garden' });

    const response = await request(ctx.app).get(`/coupons/relevant?store=${store}`).set(as(user)).expect(200);
    expect(response.body.items.map((entry: { coupon: { id: string } }) => entry.coupon.id)).toEqual([
      onList,
      onBought,
      onBrand,
    ]);
    expect(response.body.items[0].reasons).toContain('product on your list');
    const stranger = await request(ctx.app)
      .get(`/coupons/relevant?store=${store}`)
      .set(as(testUser()))
      .expect(200);
    expect(stranger.body.items).toEqual([]);
  });
});
