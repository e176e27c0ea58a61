import { newId } from '@cartwatch/db';
import { testUser } from '@cartwatch/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type PriceWatchHarness, recordingScheduler, startPriceWatch } from './support.js';

let harness: PriceWatchHarness;
const checked: string[] = [];
const user = testUser();

beforeAll(async () => {
  harness = await startPriceWatch('pw_scheduler');
});
afterAll(() => harness.close());
beforeEach(async () => {
  checked.length = 0;
  await harness.database.db.deleteFrom('watch').execute();
});

async function urlWatch(url: string, overdueMinutes: number, claimedMinutesAgo?: number): Promise<string> {
  const id = newId();
  await harness.database.db
    .insertInto('watch')
    .values({
      id,
      user_id: user.id,
      product_id: null,
      url,
      url_host: new URL(url).hostname,
      css_selector: null,
      target_price_cents: null,
      drop_pct: null,
      increase_pct: null,
      next_check_at: sql<Date>`now() - make_interval(mins => ${overdueMinutes})`,
      check_started_at:
        claimedMinutesAgo === undefined
          ? null
          : sql<Date>`now() - make_interval(mins => ${claimedMinutesAgo})`,
    })
    .execute();
  return id;
}

function scheduler(concurrency: number, hostDelayMs = 60_000, checkIntervalSeconds?: number) {
  return recordingScheduler(harness.database, checked, { concurrency, hostDelayMs, checkIntervalSeconds });
}

describe('watch scheduler', () => {
  it('checks the most overdue watches first, one per host, within the concurrency bound', async () => {
    await urlWatch('https://a.example/1', 5);
    await urlWatch('https://a.example/2', 50);
    await urlWatch('https://b.example/1', 20);
    await urlWatch('https://c.example/1', 1);
    await scheduler(2).runOnce();
    expect(checked).toEqual(['https://a.example/2', 'https://b.example/1']);
  });

  it('waits the politeness delay before checking the same host again', async () => {
    await urlWatch('https://a.example/1', 10);
    await urlWatch('https://a.example/2', 5);
    const polite = scheduler(4);
    await polite.runOnce();
    await polite.runOnce();
    expect(checked).toEqual(['https://a.example/1']);
    const eager = scheduler(4, 0);
    await eager.runOnce();
    expect(checked).toEqual(['https://a.example/1', 'https://a.example/2']);
  });

  it('takes over stale claims after a restart but not claims in progress', async () => {
    await urlWatch('https://stale.example/1', 30, 10);
    await urlWatch('https://fresh.example/1', 30, 0);
    await scheduler(4).runOnce();
    expect(checked).toEqual(['https://stale.example/1']);
  });

  it('records the run, clears the claim and schedules the next check', async () => {
    const id = await urlWatch('https://d.example/1', 3);
    await scheduler(1).runOnce();
    const watch = await harness.database.db
      .selectFrom('watch')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(watch.check_started_at).toBeNull();
    expect(watch.next_check_at?.getTime()).toBeGreaterThan(Date.now());
    expect(watch.last_price_cents).toBe(100);
    const runs = await harness.database.db
      .selectFrom('watch_run')
      .select('price_cents')
      .where('watch_id', '=', id)
      .execute();
    expect(runs).toEqual([{ price_cents: 100 }]);
  });

  it('never lets two schedulers (two replicas) check the same watch, claiming at the same moment', async () => {
    const urls: string[] = [];
    for (let i = 0; i < 12; i++) {
      urls.push(`https://replica-${i}.example/p`);
      await urlWatch(urls[i] ?? '', 10 + i);
    }
    // Two processes' schedulers, each with room for every watch. The rows are locked until both claims
    // are waiting on them, so both read the same unclaimed rows: the worst interleaving, made certain.
    const [first, second] = [scheduler(12, 0), scheduler(12, 0)];
    let runs: Promise<string[]>[] = [];
    await harness.database.db.transaction().execute(async (trx) => {
      await sql`select id from watch for update`.execute(trx);
      runs = [first.runOnce(), second.runOnce()];
      for (let waiting = 0; waiting < 2; ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        // pg_stat_activity is read once per transaction and kept: drop that snapshot to see the waits now.
        await sql`select pg_stat_clear_snapshot()`.execute(trx);
        const { rows } = await sql<{ waiting: number }>`
          select count(*)::int as waiting from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'
            and query like '%update watch set check_started_at%'`.execute(trx);
        waiting = rows[0]?.waiting ?? 0;
      }
    });
    const claimed = (await Promise.all(runs)).flat();
    expect(claimed.length).toBe(12);
    expect([...checked].sort()).toEqual([...urls].sort());
  });

  it('does not check a watch that another scheduler checked and rescheduled while this one waited for it', async () => {
    await urlWatch('https://late.example/p', 10);
    const late = scheduler(1, 0);
    let run: Promise<string[]> = Promise.resolve([]);
    await harness.database.db.transaction().execute(async (trx) => {
      await sql`select id from watch for update`.execute(trx);
      // This scheduler read the watch as due and now waits for the row...
      run = late.runOnce();
      for (let waiting = 0; waiting < 1; ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        await sql`select pg_stat_clear_snapshot()`.execute(trx);
        const { rows } = await sql<{ waiting: number }>`
          select count(*)::int as waiting from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'
            and query like '%update watch set check_started_at%'`.execute(trx);
        waiting = rows[0]?.waiting ?? 0;
      }
      // ...while another one claims, checks and reschedules it (the end of a check: claim cleared, next
      // check an hour ahead), all before the first gets the row.
      await sql`update watch set check_started_at = null, next_check_at = now() + interval '1 hour'`.execute(
        trx,
      );
    });
    expect(await run).toEqual([]);
    expect(checked).toEqual([]);
  });

  it("schedules the next check at the configured interval instead of the watch's own (WATCH_CHECK_INTERVAL_SECONDS)", async () => {
    const own = await urlWatch('https://e.example/1', 5);
    const configured = await urlWatch('https://f.example/1', 3);
    const nextCheckAt = async (id: string) =>
      (
        await harness.database.db
          .selectFrom('watch')
          .select('next_check_at')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).next_check_at?.getTime() ?? 0;
    const before = Date.now();
    await scheduler(1).runOnce();
    await scheduler(1, 60_000, 30).runOnce();
    expect(checked).toEqual(['https://e.example/1', 'https://f.example/1']);
    // The watch's own interval (6 hours by default) without the setting, 30 s with it.
    expect(await nextCheckAt(own)).toBeGreaterThanOrEqual(before + 21_600_000);
    expect(await nextCheckAt(configured)).toBeGreaterThanOrEqual(before + 30_000);
    expect(await nextCheckAt(configured)).toBeLessThan(before + 21_600_000);
  });
});
