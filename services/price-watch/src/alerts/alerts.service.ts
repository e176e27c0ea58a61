/**
 * Creating and reading user alerts. Every alert goes through `createAlert`: the user's settings, a
 * de-duplication key, and a daily cap per user and product, then `alert.created.v1` in the same
 * transaction.
 */
import {
  type Alert,
  type AlertKind,
  type AlertSettings,
  defineCursor,
  eventCatalog,
  type Page,
  pageFromRows,
} from '@cartwatch/common-types';
import { type Database, newId } from '@cartwatch/db';
import { publish } from '@cartwatch/events';
import { AppError } from '@cartwatch/service-kit';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.js';
import {
  type AlertRow,
  type AlertSettingsRow,
  countAlertsToday,
  findSettings,
  insertAlert,
  listAlerts,
  lockUserProduct,
  markRead,
  upsertSettings,
} from './alerts.repository.js';

export const defaultAlertSettings: z.infer<typeof AlertSettings> = {
  dailyCapPerProduct: 3,
  priceIncreasePct: 10,
  priceIncreases: true,
  shrinkflation: true,
  coupons: true,
};

export function toSettings(row: AlertSettingsRow | undefined): z.infer<typeof AlertSettings> {
  if (!row) return defaultAlertSettings;
  return {
    dailyCapPerProduct: row.daily_cap_per_product,
    priceIncreasePct: Number(row.price_increase_pct),
    priceIncreases: row.price_increases,
    shrinkflation: row.shrinkflation,
    coupons: row.coupons,
  };
}

export interface AlertInput {
  userId: string;
  kind: z.infer<typeof AlertKind>;
  productId?: string | undefined;
  watchId?: string | undefined;
  title: string;
  body: string;
  link?: string | undefined;
  /** Size of the change in percent (drop, increase, unit price), for the gateway's per-type minimum. */
  changePct?: number | undefined;
  /** Same key for the same user = the same alert; it is created once. */
  dedupeKey: string;
}

/** Creates the alert unless it is a duplicate or the user's daily cap for the product is reached. */
export async function createAlert(trx: Transaction<DB>, input: AlertInput): Promise<string | undefined> {
  if (input.productId) {
    await lockUserProduct(trx, input.userId, input.productId);
    const settings = toSettings(await findSettings(trx, input.userId));
    if ((await countAlertsToday(trx, input.userId, input.productId)) >= settings.dailyCapPerProduct)
      return undefined;
  }
  const id = newId();
  const inserted = await insertAlert(trx, {
    id,
    userId: input.userId,
    kind: input.kind,
    productId: input.productId ?? null,
    watchId: input.watchId ?? null,
    title: input.title,
    body: input.body,
    link: input.link ?? null,
    dedupeKey: input.dedupeKey,
  });
  if (!inserted) return undefined;
  await publish(trx, eventCatalog.alertCreated, {
    source: 'price-watch',
    subjectId: id,
    userId: input.userId,
    data: {
      alertId: id,
      userId: input.userId,
      kind: input.kind,
      title: input.title,
      body: input.body,
      ...(input.productId && { productId: input.productId }),
      ...(input.link && { link: input.link }),
      ...(input.changePct !== undefined && { changePct: Math.abs(input.changePct) }),
    },
  });
  return id;
}

function toAlert(row: AlertRow): z.infer<typeof Alert> {
  return {
    id: row.id,
    kind: row.kind as z.infer<typeof AlertKind>,
    title: row.title,
    body: row.body,
    productId: row.product_id,
    watchId: row.watch_id,
    link: row.link,
    read: row.read_at !== null,
    createdAt: row.created_at.toISOString(),
  };
}

const AlertCursor = defineCursor(z.strictObject({ before: z.uuid() }));

export async function listUserAlerts(
  database: Database<DB>,
  userId: string,
  query: { limit: number; cursor?: string | undefined; unread?: boolean | undefined },
): Promise<Page<z.infer<typeof Alert>>> {
  const before = query.cursor === undefined ? undefined : AlertCursor.decode(query.cursor).before;
  const rows = await listAlerts(database.db, userId, {
    unreadOnly: query.unread ?? false,
    beforeId: before,
    limit: query.limit + 1,
  });
  return pageFromRows(rows, query.limit, toAlert, (last) => AlertCursor.encode({ before: last.id }));
}

export async function markAlertRead(database: Database<DB>, userId: string, alertId: string) {
  const row = await markRead(database.db, userId, alertId);
  if (!row) throw AppError.notFound('alert');
  return toAlert(row);
}

export async function getAlertSettings(database: Database<DB>, userId: string) {
  return toSettings(await findSettings(database.db, userId));
}

export async function updateAlertSettings(
  database: Database<DB>,
  userId: string,
  update: Partial<z.infer<typeof AlertSettings>>,
) {
  const row = await upsertSettings(database.db, userId, {
    ...(update.dailyCapPerProduct !== undefined && { daily_cap_per_product: update.dailyCapPerProduct }),
    ...(update.priceIncreasePct !== undefined && { price_increase_pct: update.priceIncreasePct }),
    ...(update.priceIncreases !== undefined && { price_increases: update.priceIncreases }),
    ...(update.shrinkflation !== undefined && { shrinkflation: update.shrinkflation }),
    ...(update.coupons !== undefined && { coupons: update.coupons }),
  });
  return toSettings(row);
}
