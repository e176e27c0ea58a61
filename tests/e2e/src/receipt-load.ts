/**
 * Receipts in bulk for fault tests and the load benchmark: a store, a shopper, N receipts of M lines over
 * a pool of products (GTINs, so price-watch matches every line), imported through the gateway in
 * batches, and SQL on the platform's database to count what the event chain did with them.
 */
import { randomBytes } from 'node:crypto';
import { testEnv } from '@cartwatch/testing';
import pg from 'pg';
import type { GatewayClient, Session } from './gateway-client.js';
import { randomGtin13 } from './gtin.js';

export interface ReceiptLoad {
  storeSlug: string;
  gtins: string[];
  receipts: unknown[];
  lineCount: number;
}

/** `receiptCount` receipts of `linesPerReceipt` lines each, one a day, unique per call. */
export function receiptLoad(receiptCount: number, linesPerReceipt: number, productCount = 50): ReceiptLoad {
  const storeSlug = `load-mart-${randomBytes(3).toString('hex')}`;
  const gtins = Array.from({ length: productCount }, () => randomGtin13());
  const start = Date.UTC(2025, 0, 1, 12);
  const receipts = Array.from({ length: receiptCount }, (_, receipt) => ({
    storeSlug,
    purchasedAt: new Date(start + receipt * 86_400_000).toISOString(),
    currency: 'USD',
    items: Array.from({ length: linesPerReceipt }, (_, line) => {
      const product = (receipt * linesPerReceipt + line) % productCount;
      return {
        name: `Load Product ${product}`,
        // A brand and size per product: price-watch serialises matching per brand+size, and receipts
        // naming many new products of one brand+size at once deadlock its lanes (see the e2e README).
        brand: `Loadwell ${product}`,
        category: 'pantry',
        gtin: gtins[product],
        unitPriceCents: 199 + product * 10 + (receipt % 7),
        size: { value: 100 + product, unit: 'g' },
      };
    }),
  }));
  return { storeSlug, gtins, receipts, lineCount: receiptCount * linesPerReceipt };
}

/** Creates the load's store (admin) once. */
export async function createLoadStore(gateway: GatewayClient, admin: Session, load: ReceiptLoad) {
  await gateway.post(
    '/stores',
    { slug: load.storeSlug, name: 'Load Mart', ingestionMethods: ['json'] },
    { token: admin.token, expect: 201 },
  );
}

/** Imports receipts [from, to) of the load in batches of `batchSize` through `POST /receipts/batch`; returns the purchase ids. */
export async function importReceipts(
  gateway: GatewayClient,
  shopper: Session,
  load: ReceiptLoad,
  from = 0,
  to = load.receipts.length,
  batchSize = 20,
): Promise<string[]> {
  const ids: string[] = [];
  for (let index = from; index < to; index += batchSize) {
    const { body } = await gateway.post<{ purchases: Array<{ id: string; created: boolean }> }>(
      '/receipts/batch',
      { receipts: load.receipts.slice(index, Math.min(index + batchSize, to)) },
      { token: shopper.token, expect: 200 },
    );
    ids.push(...body.purchases.map((purchase) => purchase.id));
  }
  return ids;
}

/** A connection to the platform's database (the test run's Postgres), for counting; close() it. */
export async function platformDatabase(databaseName: string): Promise<pg.Client> {
  const url = new URL(testEnv().databaseUrl);
  url.pathname = `/${databaseName}`;
  const client = new pg.Client({
    connectionString: url.toString(),
    application_name: 'cartwatch-e2e-faults',
  });
  await client.connect();
  return client;
}

export interface IngestCounts {
  /** purchase_item rows of the shopper */
  lines: number;
  /** of those, lines with a product_id (price-watch matched them, receipt-ingest applied product.matched) */
  matchedLines: number;
  /** price_observation rows of the shopper's lines */
  observations: number;
  /** distinct lines among the observations (equal to observations when nothing is duplicated) */
  observedLines: number;
}

export async function ingestCounts(db: pg.Client, userId: string): Promise<IngestCounts> {
  const { rows } = await db.query<Record<keyof IngestCounts, string>>(
    `select
       (select count(*) from ingest.purchase_item i join ingest.purchase p on p.id = i.purchase_id
         where p.user_id = $1) as lines,
       (select count(*) from ingest.purchase_item i join ingest.purchase p on p.id = i.purchase_id
         where p.user_id = $1 and i.product_id is not null) as "matchedLines",
       (select count(*) from pricing.price_observation where user_id = $1) as observations,
       (select count(distinct line_id) from pricing.price_observation where user_id = $1) as "observedLines"`,
    [userId],
  );
  const row = rows[0];
  if (!row) throw new Error('no counts');
  return {
    lines: Number(row.lines),
    matchedLines: Number(row.matchedLines),
    observations: Number(row.observations),
    observedLines: Number(row.observedLines),
  };
}
