/** Pausing and resuming watches, and the check interval of each URL watch (docs/price-watch.md, "Watches"). */
import { serviceHeaders, TEST_SERVICE_KEY, testUser } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type PriceWatchHarness, recordingScheduler, startPriceWatch } from './support.js';

let harness: PriceWatchHarness;
const checked: string[] = [];
const owner = testUser();
const headers = serviceHeaders(TEST_SERVICE_KEY, owner);

function scheduler(checkIntervalSeconds?: number) {
  return recordingScheduler(harness.database, checked, {
    concurrency: 4,
    hostDelayMs: 0,
    checkIntervalSeconds,
  });
}

async function nextCheckAt(id: string): Promise<number> {
  const row = await harness.database.db
    .selectFrom('watch')
    .select('next_check_at')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return row.next_check_at?.getTime() ?? 0;
}

function create(body: Record<string, unknown>) {
  return request(harness.app).post('/watches').set(headers).send(body);
}

beforeAll(async () => {
  harness = await startPriceWatch('pw_watch_control');
});
afterAll(() => harness.close());
beforeEach(async () => {
  checked.length = 0;
  await harness.database.db.deleteFrom('watch').execute();
});

describe('pausing watches', () => {
  it('the scheduler never checks a paused watch; resuming makes it due again', async () => {
    const created = await create({ url: 'https://paused.example/p' }).expect(201);
    expect(created.body).toMatchObject({ paused: false });
    const paused = await request(harness.app)
      .patch(`/watches/${created.body.id}`)
      .set(headers)
      .send({ paused: true })
      .expect(200);
    expect(paused.body).toMatchObject({ paused: true });
    await scheduler().runOnce();
    await scheduler().runOnce();
    expect(checked).toEqual([]);
    const listed = await request(harness.app).get('/watches').set(headers).expect(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: created.body.id, paused: true })]);

    const resumed = await request(harness.app)
      .patch(`/watches/${created.body.id}`)
      .set(headers)
      .send({ paused: false })
      .expect(200);
    expect(resumed.body).toMatchObject({ paused: false });
    expect(Date.parse(resumed.body.nextCheckAt)).toBeLessThanOrEqual(Date.now());
    await scheduler().runOnce();
    expect(checked).toEqual(['https://paused.example/p']);
  });

  it('refuses "check now" on a paused watch with a 409', async () => {
    const created = await create({ url: 'https://paused-now.example/p', paused: true }).expect(201);
    expect(created.body).toMatchObject({ paused: true });
    const refused = await request(harness.app)
      .post(`/watches/${created.body.id}/check`)
      .set(headers)
      .expect(409);
    expect(refused.body.error.code).toBe('CONFLICT');
    expect(refused.body.error.message).toContain('paused');
    expect(checked).toEqual([]);
  });

  it("another user's watch is not found: not paused, not resumed, not re-timed", async () => {
    const created = await create({ url: 'https://mine.example/p' }).expect(201);
    const stranger = serviceHeaders(TEST_SERVICE_KEY, testUser());
    await request(harness.app)
      .patch(`/watches/${created.body.id}`)
      .set(stranger)
      .send({ paused: true })
      .expect(404);
    await request(harness.app)
      .patch(`/watches/${created.body.id}`)
      .set(stranger)
      .send({ checkIntervalMinutes: 120 })
      .expect(404);
    const mine = await request(harness.app).get(`/watches/${created.body.id}`).set(headers).expect(200);
    expect(mine.body).toMatchObject({ paused: false, checkIntervalMinutes: 360 });
  });
});

describe('check interval per URL watch', () => {
  it('refuses intervals outside 60 minutes to 7 days, and on product watches, naming the field', async () => {
    for (const checkIntervalMinutes of [59, 10_081, 90.5]) {
      const refused = await create({ url: 'https://bounds.example/p', checkIntervalMinutes }).expect(400);
      expect(refused.body.error.code).toBe('VALIDATION_FAILED');
      expect(refused.body.error.details.issues.map((issue: { path: string }) => issue.path)).toContain(
        'checkIntervalMinutes',
      );
    }
    const created = await create({ url: 'https://bounds.example/p', checkIntervalMinutes: 60 }).expect(201);
    expect(created.body).toMatchObject({ checkIntervalMinutes: 60 });
    const tooLong = await request(harness.app)
      .patch(`/watches/${created.body.id}`)
      .set(headers)
      .send({ checkIntervalMinutes: 20_000 })
      .expect(400);
    expect(tooLong.body.error.details.issues.map((issue: { path: string }) => issue.path)).toContain(
      'checkIntervalMinutes',
    );
    const week = await request(harness.app)
      .patch(`/watches/${created.body.id}`)
      .set(headers)
      .send({ checkIntervalMinutes: 10_080 })
      .expect(200);
    expect(week.body).toMatchObject({ checkIntervalMinutes: 10_080 });

    const product = await create({
      productId: '01900000-0000-7000-8000-0000000000ff',
      checkIntervalMinutes: 120,
    }).expect(400);
    expect(product.body.error.details.issues.map((issue: { path: string }) => issue.path)).toContain(
      'checkIntervalMinutes',
    );
  });

  it("the scheduler schedules the next check at the watch's interval, unless WATCH_CHECK_INTERVAL_SECONDS overrides it", async () => {
    const hourly = await create({ url: 'https://hourly.example/p', checkIntervalMinutes: 60 }).expect(201);
    const daily = await create({ url: 'https://daily.example/p', checkIntervalMinutes: 1440 }).expect(201);
    const before = Date.now();
    await scheduler().runOnce();
    const after = Date.now();
    expect([...checked].sort()).toEqual(['https://daily.example/p', 'https://hourly.example/p']);
    expect(await nextCheckAt(hourly.body.id)).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(await nextCheckAt(hourly.body.id)).toBeLessThanOrEqual(after + 3_600_000);
    expect(await nextCheckAt(daily.body.id)).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(await nextCheckAt(daily.body.id)).toBeLessThanOrEqual(after + 86_400_000);

    const overridden = await create({ url: 'https://dev.example/p', checkIntervalMinutes: 1440 }).expect(201);
    await scheduler(30).runOnce();
    expect(await nextCheckAt(overridden.body.id)).toBeLessThanOrEqual(Date.now() + 30_000);
  });

  it('a shorter interval brings the next check forward', async () => {
    const created = await create({ url: 'https://shorter.example/p', checkIntervalMinutes: 10_080 }).expect(
      201,
    );
    await scheduler().runOnce();
    expect(await nextCheckAt(created.body.id)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const patched = await request(harness.app)
      .patch(`/watches/${created.body.id}`)
      .set(headers)
      .send({ checkIntervalMinutes: 60 })
      .expect(200);
    expect(Date.parse(patched.body.nextCheckAt)).toBeLessThanOrEqual(Date.now() + 3_600_000);
  });
});
