/** Watchlist: create/read/update/delete watches on products or URLs, run URL checks and list their runs. */
import {
  IdCursor,
  type Page,
  pageFromRows,
  type UpdateWatch,
  type Watch,
  type WatchRun,
} from '@cartwatch/common-types';
import { type Database, newId, withTransaction } from '@cartwatch/db';
import { AppError } from '@cartwatch/service-kit';
import type { z } from 'zod';
import { evaluateWatch } from '../alerts/price-alerts.service.js';
import { findLiveProduct } from '../catalog/catalog.repository.js';
import type { DB } from '../db/schema.js';
import { ninetyDayMedian } from '../prices/prices.repository.js';
import type { UrlCheckOptions, UrlCheckResult } from './url-check.js';
import {
  deleteWatch,
  findUserWatch,
  insertRun,
  insertWatch,
  listRuns,
  listUserWatches,
  lockWatch,
  scheduleNextCheck,
  updateWatch,
  type WatchRow,
  type WatchRunRow,
} from './watches.repository.js';

export type CheckUrl = (url: string, options: UrlCheckOptions) => Promise<UrlCheckResult>;

function refuseRenderWhenDisabled(render: boolean | undefined, renderingEnabled: boolean): void {
  if (render && !renderingEnabled) {
    throw AppError.unprocessable('page rendering is not enabled on this server (URL_RENDER_ENABLED)');
  }
}

export function toWatch(row: WatchRow): z.infer<typeof Watch> {
  return {
    id: row.id,
    productId: row.product_id,
    url: row.url,
    cssSelector: row.css_selector,
    targetPriceCents: row.target_price_cents,
    dropPct: row.drop_pct === null ? null : Number(row.drop_pct),
    increasePct: row.increase_pct === null ? null : Number(row.increase_pct),
    backInStock: row.back_in_stock,
    render: row.render,
    paused: row.paused,
    checkIntervalMinutes: row.url === null ? null : Math.round(row.check_interval_seconds / 60),
    lastPriceCents: row.last_price_cents,
    lastCurrency: row.last_currency,
    lastAvailable: row.last_available,
    lastCheckedAt: row.last_checked_at?.toISOString() ?? null,
    nextCheckAt: row.next_check_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}

function toRun(row: WatchRunRow): z.infer<typeof WatchRun> {
  return {
    id: row.id,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at.toISOString(),
    priceCents: row.price_cents,
    currency: row.currency,
    available: row.available,
    method: row.method,
    errorCode: row.error_code,
    error: row.error,
    blockedRequests: row.blocked_requests,
  };
}

export async function createWatch(
  database: Database<DB>,
  userId: string,
  renderingEnabled: boolean,
  input: {
    productId?: string | undefined;
    url?: string | undefined;
    cssSelector?: string | undefined;
    targetPriceCents?: number | undefined;
    dropPct?: number | undefined;
    increasePct?: number | undefined;
    backInStock?: boolean | undefined;
    render?: boolean | undefined;
    checkIntervalMinutes?: number | undefined;
    paused?: boolean | undefined;
  },
): Promise<z.infer<typeof Watch>> {
  refuseRenderWhenDisabled(input.render, renderingEnabled);
  let productId: string | null = null;
  if (input.productId) {
    const product = await findLiveProduct(database.db, input.productId);
    if (!product) throw AppError.notFound('product');
    productId = product.id;
  }
  const url = input.url ? new URL(input.url) : undefined;
  const row = await insertWatch(database.db, {
    id: newId(),
    userId,
    productId,
    url: url?.href ?? null,
    urlHost: url?.hostname.toLowerCase() ?? null,
    cssSelector: input.cssSelector ?? null,
    targetPriceCents: input.targetPriceCents ?? null,
    dropPct: input.dropPct ?? null,
    increasePct: input.increasePct ?? null,
    backInStock: input.backInStock ?? false,
    render: input.render ?? false,
    paused: input.paused ?? false,
    checkIntervalSeconds:
      input.checkIntervalMinutes === undefined ? undefined : input.checkIntervalMinutes * 60,
    // A URL watch is due at once; the scheduler picks the most overdue first.
    nextCheckAt: url ? new Date() : null,
  });
  return toWatch(row);
}

export async function getWatch(database: Database<DB>, userId: string, id: string) {
  const row = await findUserWatch(database.db, userId, id);
  if (!row) throw AppError.notFound('watch');
  return toWatch(row);
}

export async function listWatches(
  database: Database<DB>,
  userId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<z.infer<typeof Watch>>> {
  const after = query.cursor === undefined ? undefined : IdCursor.decode(query.cursor).id;
  const rows = await listUserWatches(database.db, userId, after, query.limit + 1);
  return pageFromRows(rows, query.limit, toWatch, (last) => IdCursor.encode({ id: last.id }));
}

export async function patchWatch(
  database: Database<DB>,
  userId: string,
  id: string,
  renderingEnabled: boolean,
  input: z.infer<typeof UpdateWatch>,
) {
  const existing = await findUserWatch(database.db, userId, id);
  if (!existing) throw AppError.notFound('watch');
  for (const field of ['cssSelector', 'render', 'checkIntervalMinutes'] as const) {
    if (input[field] !== undefined && existing.url === null) {
      throw AppError.validation([
        { path: field, message: `${field} applies to URL watches only`, code: 'custom' },
      ]);
    }
  }
  refuseRenderWhenDisabled(input.render, renderingEnabled);
  const row = await updateWatch(database.db, userId, id, {
    ...(input.targetPriceCents !== undefined && {
      target_price_cents: input.targetPriceCents,
      target_armed: true,
    }),
    ...(input.dropPct !== undefined && { drop_pct: input.dropPct }),
    ...(input.increasePct !== undefined && { increase_pct: input.increasePct }),
    ...(input.backInStock !== undefined && { back_in_stock: input.backInStock }),
    ...(input.cssSelector !== undefined && { css_selector: input.cssSelector }),
    ...(input.render !== undefined && { render: input.render }),
    ...(input.paused !== undefined && { paused: input.paused }),
    ...(input.checkIntervalMinutes !== undefined && {
      check_interval_seconds: input.checkIntervalMinutes * 60,
    }),
  });
  if (!row) throw AppError.notFound('watch');
  return toWatch(row);
}

export async function removeWatch(database: Database<DB>, userId: string, id: string): Promise<void> {
  if (!(await deleteWatch(database.db, userId, id))) throw AppError.notFound('watch');
}

export async function listWatchRuns(
  database: Database<DB>,
  userId: string,
  id: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<z.infer<typeof WatchRun>>> {
  const watch = await findUserWatch(database.db, userId, id);
  if (!watch) throw AppError.notFound('watch');
  const before = query.cursor === undefined ? undefined : IdCursor.decode(query.cursor).id;
  const rows = await listRuns(database.db, id, before, query.limit + 1);
  return pageFromRows(rows, query.limit, toRun, (last) => IdCursor.encode({ id: last.id }));
}

/**
 * Checks a URL watch now: fetches safely (outside any transaction), records the run, and evaluates the
 * watch's thresholds with the result. A failed check is a run with an error, not an HTTP error.
 */
export async function runUrlCheck(
  database: Database<DB>,
  checkUrl: CheckUrl,
  watch: WatchRow,
  /** Seconds to the next check (WATCH_CHECK_INTERVAL_SECONDS); unset: the watch's own interval. */
  intervalSeconds?: number,
): Promise<z.infer<typeof WatchRun>> {
  if (!watch.url) throw AppError.unprocessable('only URL watches can be checked');
  const startedAt = new Date();
  const result = await checkUrl(watch.url, {
    cssSelector: watch.css_selector ?? undefined,
    render: watch.render,
  });
  const finishedAt = new Date();
  const run: WatchRunRow = {
    id: newId(),
    watch_id: watch.id,
    user_id: watch.user_id,
    started_at: startedAt,
    finished_at: finishedAt,
    price_cents: result.ok ? result.priceCents : null,
    currency: result.ok ? result.currency : null,
    available: result.ok ? result.available : null,
    method: result.ok ? result.method : null,
    error_code: result.ok ? null : result.code,
    error: result.ok ? null : result.message,
    blocked_requests: result.blockedRequests ?? null,
  };
  await withTransaction(database.db, async (trx) => {
    const locked = await lockWatch(trx, watch.id);
    if (!locked) return; // deleted while fetching
    await insertRun(trx, {
      ...run,
      blocked_requests: run.blocked_requests ? JSON.stringify(run.blocked_requests) : null,
    });
    const next = new Date(finishedAt.getTime() + (intervalSeconds ?? locked.check_interval_seconds) * 1000);
    await scheduleNextCheck(trx, watch.id, next);
    if (!result.ok || locked.paused) return; // paused while the page was fetched: no alerts
    const product = locked.product_id ? await findLiveProduct(trx, locked.product_id) : undefined;
    const median =
      product && locked.drop_pct !== null
        ? await ninetyDayMedian(trx, product.id, result.currency, locked.user_id)
        : undefined;
    await evaluateWatch(
      trx,
      locked,
      {
        productId: product?.id ?? null,
        productName: result.title ?? product?.name ?? new URL(watch.url ?? '').hostname,
        observationId: run.id,
        priceCents: result.priceCents,
        currency: result.currency,
        available: result.available,
        storeSlug: null,
        observedAt: finishedAt.toISOString(),
      },
      median,
    );
  });
  return toRun(run);
}

export async function checkWatchNow(database: Database<DB>, checkUrl: CheckUrl, userId: string, id: string) {
  const watch = await findUserWatch(database.db, userId, id);
  if (!watch) throw AppError.notFound('watch');
  if (watch.paused) throw AppError.conflict('the watch is paused; resume it (paused: false) to check it');
  return runUrlCheck(database, checkUrl, watch);
}
