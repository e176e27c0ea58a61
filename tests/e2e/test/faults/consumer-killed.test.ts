/**
 * Fault: a consumer service SIGKILLed while purchase events flow, then restarted. price-watch dies with
 * messages in flight (unacked, half-done transactions rolled back); after the restart JetStream
 * redelivers, the inbox skips what was applied, and every purchase line ends up matched and observed
 * exactly once.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../src/eventually.js';
import { GatewayClient, type Session } from '../../src/gateway-client.js';
import { Platform } from '../../src/platform.js';
import {
  createLoadStore,
  importReceipts,
  ingestCounts,
  platformDatabase,
  receiptLoad,
} from '../../src/receipt-load.js';

const RECEIPTS = 200;
const LINES_PER_RECEIPT = 10;

let platform: Platform;
let db: pg.Client;

beforeAll(async () => {
  platform = await Platform.start();
  db = await platformDatabase(platform.databaseName);
});
afterAll(async () => {
  await db?.end();
  await platform?.stop();
});

describe('price-watch killed mid-ingest', () => {
  it('matches every purchase line and observes each exactly once after the restart', async () => {
    const gateway = new GatewayClient(platform.url);
    const admin = await eventually('admin login', () => gateway.loginAdmin(platform.admin));
    const shopper: Session = await gateway.registerUser('bulk-shopper');
    const load = receiptLoad(RECEIPTS, LINES_PER_RECEIPT);
    await createLoadStore(gateway, admin, load);

    const half = RECEIPTS / 2;
    const purchaseIds = await importReceipts(gateway, shopper, load, 0, half);
    // Kill it while it is working through the events: some lines observed, not all.
    const partial = await eventually('price-watch observing the first receipts', async () => {
      const counts = await ingestCounts(db, shopper.userId);
      return counts.observations > 0 ? counts : undefined;
    });
    await platform.killService('price-watch');
    expect(platform.isRunning('price-watch')).toBe(false);
    // Ingest keeps accepting receipts while the consumer is down: the events wait in the outbox/stream.
    purchaseIds.push(...(await importReceipts(gateway, shopper, load, half, RECEIPTS)));
    expect(new Set(purchaseIds).size).toBe(RECEIPTS);
    const whileDown = await ingestCounts(db, shopper.userId);
    expect(whileDown.lines).toBe(load.lineCount);
    expect(whileDown.observations).toBeLessThan(load.lineCount);

    await platform.startService('price-watch');
    const final = await eventually(
      'every line matched and observed',
      async () => {
        const counts = await ingestCounts(db, shopper.userId);
        return counts.matchedLines === load.lineCount && counts.observations >= load.lineCount
          ? counts
          : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 1_000 },
    );
    expect(partial.observations).toBeLessThan(load.lineCount);
    expect(final).toEqual({
      lines: load.lineCount,
      matchedLines: load.lineCount,
      observations: load.lineCount,
      observedLines: load.lineCount,
    });

    // Through the API as the shopper sees it: every item of a purchase carries its product.
    for (const id of [purchaseIds[0], purchaseIds[half], purchaseIds[RECEIPTS - 1]]) {
      const { body } = await gateway.get<{ items: Array<{ productId: string | null }> }>(`/purchases/${id}`, {
        token: shopper.token,
      });
      expect(body.items).toHaveLength(LINES_PER_RECEIPT);
      for (const item of body.items) expect(item.productId).toEqual(expect.any(String));
    }
    // Each purchase.recorded event applied once by price-watch's consumer.
    const { rows } = await db.query<{ events: string; applied: string }>(
      `select count(*) as events, count(i.event_id) as applied
         from ingest.outbox o
         left join pricing.inbox i on i.event_id = o.id
        where o.type like 'purchase.recorded%'`,
    );
    expect(Number(rows[0]?.events)).toBe(RECEIPTS);
    expect(Number(rows[0]?.applied)).toBe(RECEIPTS);
  }, 300_000);
});
