/**
 * Alerts triggered by a new price: watch thresholds (target price with re-arm, drop against the last
 * check and against the 90-day median, increase, back in stock) and price increases at a store on
 * products the user bought.
 */

import { formatMoney } from '@cartwatch/common-types';
import type { Executor } from '@cartwatch/db';
import { sql, type Transaction } from 'kysely';
import { buyersOf } from '../catalog/catalog.repository.js';
import type { DB } from '../db/schema.js';
import { pricesSeenByDay } from '../prices/prices.repository.js';
import type { WatchRow } from '../watches/watches.repository.js';
import { settingsOf } from './alerts.repository.js';
import { createAlert, toSettings } from './alerts.service.js';

export interface PriceSignal {
  productId: string | null;
  productName: string;
  observationId: string;
  priceCents: number | null;
  currency: string | null;
  available: boolean | null;
  storeSlug: string | null;
  observedAt: string;
}

/**
 * Median of the daily average prices of the last 90 days (all stores, one currency) that the watch's
 * owner sees (docs/price-watch.md, "What a shopper sees"): the shared prices plus the owner's own
 * observations, so another shopper's single receipt never moves it.
 */
export async function ninetyDayMedian(
  db: Executor<DB>,
  productId: string,
  currency: string,
  ownerId: string,
): Promise<number | undefined> {
  const { rows } = await sql<{ median: string | null }>`
    select percentile_cont(0.5) within group (order by avg_cents) as median
    from (select day, avg(price_cents) as avg_cents from ${pricesSeenByDay(productId, ownerId)} seen
          where currency = ${currency} and day >= current_date - 90
          group by day) daily`.execute(db);
  const median = rows[0]?.median;
  return median === null || median === undefined ? undefined : Number(median);
}

function money(cents: number, currency: string): string {
  return formatMoney({ amountCents: cents, currency });
}

/** Applies one price (or availability) signal to one watch: alerts, re-arming and the watch's last state. */
export async function evaluateWatch(
  trx: Transaction<DB>,
  watch: WatchRow,
  signal: PriceSignal,
  medianCents: number | undefined,
): Promise<void> {
  const { priceCents, currency } = signal;
  const productId = signal.productId ?? undefined;
  const base = { userId: watch.user_id, productId, watchId: watch.id, link: watch.url ?? undefined };
  let armed = watch.target_armed;
  const sameCurrency =
    currency !== null && (watch.last_currency === null || watch.last_currency === currency);

  if (priceCents !== null && currency !== null) {
    const target = watch.target_price_cents;
    if (target !== null) {
      if (priceCents <= target && armed) {
        await createAlert(trx, {
          ...base,
          kind: 'target-price',
          title: `${signal.productName} is at your target price`,
          body: `Now ${money(priceCents, currency)} (target ${money(target, currency)}).`,
          dedupeKey: `target:${watch.id}:${signal.observationId}`,
        });
        armed = false;
      } else if (priceCents > target) {
        armed = true; // re-armed only once the price went back above the target
      }
    }
    const last = sameCurrency ? watch.last_price_cents : null;
    const dropPct = watch.drop_pct === null ? null : Number(watch.drop_pct);
    if (dropPct !== null && last !== null && priceCents <= last * (1 - dropPct / 100)) {
      await createAlert(trx, {
        ...base,
        kind: 'price-drop',
        title: `${signal.productName} dropped ${Math.round((1 - priceCents / last) * 100)}%`,
        changePct: (1 - priceCents / last) * 100,
        body: `Now ${money(priceCents, currency)}, was ${money(last, currency)} at the last check.`,
        dedupeKey: `drop-last:${watch.id}:${signal.observationId}`,
      });
    }
    if (dropPct !== null && medianCents !== undefined && priceCents <= medianCents * (1 - dropPct / 100)) {
      await createAlert(trx, {
        ...base,
        kind: 'price-drop',
        title: `${signal.productName} is ${Math.round((1 - priceCents / medianCents) * 100)}% below its 90-day median`,
        changePct: (1 - priceCents / medianCents) * 100,
        body: `Now ${money(priceCents, currency)}; the 90-day median is ${money(Math.round(medianCents), currency)}.`,
        dedupeKey: `drop-median:${watch.id}:${signal.observedAt.slice(0, 10)}`,
      });
    }
    const increasePct = watch.increase_pct === null ? null : Number(watch.increase_pct);
    if (increasePct !== null && last !== null && priceCents >= last * (1 + increasePct / 100)) {
      await createAlert(trx, {
        ...base,
        kind: 'price-increase',
        title: `${signal.productName} went up ${Math.round((priceCents / last - 1) * 100)}%`,
        changePct: (priceCents / last - 1) * 100,
        body: `Now ${money(priceCents, currency)}, was ${money(last, currency)} at the last check.`,
        dedupeKey: `increase-watch:${watch.id}:${signal.observationId}`,
      });
    }
  }
  if (watch.back_in_stock && signal.available === true && watch.last_available === false) {
    await createAlert(trx, {
      ...base,
      kind: 'watch',
      title: `${signal.productName} is back in stock`,
      body:
        priceCents !== null && currency !== null
          ? `Available again at ${money(priceCents, currency)}.`
          : 'Available again.',
      dedupeKey: `back-in-stock:${watch.id}:${signal.observationId}`,
    });
  }
  await trx
    .updateTable('watch')
    .set({
      target_armed: armed,
      ...(priceCents !== null &&
        currency !== null && { last_price_cents: priceCents, last_currency: currency }),
      ...(signal.available !== null && { last_available: signal.available }),
      last_checked_at: signal.observedAt,
      updated_at: sql`now()`,
    })
    .where('id', '=', watch.id)
    .execute();
}

/**
 * Whose alerts a price may trigger (docs/price-watch.md, "Consensus prices"): a receipt's own price
 * alerts only its contributor; the shared price everyone else.
 */
export interface AlertAudience {
  onlyUserId?: string | undefined;
  exceptUserId?: string | undefined;
}

/**
 * A new observation of a catalog product: evaluates the product watches, and alerts buyers when the
 * store raised its price by at least their threshold against its previous price.
 */
export async function alertOnObservation(
  trx: Transaction<DB>,
  signal: PriceSignal & { productId: string; priceCents: number; currency: string; storeSlug: string },
  previousAtStore: { priceCents: number; currency: string } | undefined,
  audience: AlertAudience = {},
): Promise<void> {
  // A paused watch alerts nothing (docs/price-watch.md, "Watches").
  let query = trx
    .selectFrom('watch')
    .selectAll()
    .where('product_id', '=', signal.productId)
    .where('paused', '=', false);
  if (audience.onlyUserId) query = query.where('user_id', '=', audience.onlyUserId);
  if (audience.exceptUserId) query = query.where('user_id', '<>', audience.exceptUserId);
  const watches = await query.orderBy('id').forUpdate().execute();
  // Each owner's median: the shared prices plus their own observations.
  const medians = new Map<string, number | undefined>();
  for (const watch of watches) {
    if (watch.drop_pct !== null && !medians.has(watch.user_id)) {
      medians.set(
        watch.user_id,
        await ninetyDayMedian(trx, signal.productId, signal.currency, watch.user_id),
      );
    }
    await evaluateWatch(trx, watch, signal, medians.get(watch.user_id));
  }

  if (!previousAtStore || previousAtStore.currency !== signal.currency || previousAtStore.priceCents <= 0)
    return;
  const changePct = (signal.priceCents / previousAtStore.priceCents - 1) * 100;
  if (changePct <= 0) return;
  const buyers = (await buyersOf(trx, [signal.productId])).filter(
    (userId) => (!audience.onlyUserId || userId === audience.onlyUserId) && userId !== audience.exceptUserId,
  );
  const settings = await settingsOf(trx, buyers);
  for (const userId of buyers) {
    const userSettings = toSettings(settings.get(userId));
    if (!userSettings.priceIncreases || changePct < userSettings.priceIncreasePct) continue;
    await createAlert(trx, {
      userId,
      kind: 'price-increase',
      productId: signal.productId,
      title: `${signal.productName} went up ${Math.round(changePct)}% at ${signal.storeSlug}`,
      changePct,
      body: `Now ${money(signal.priceCents, signal.currency)}, was ${money(previousAtStore.priceCents, signal.currency)}.`,
      dedupeKey: `increase:${signal.productId}:${signal.storeSlug}:${signal.observationId}`,
    });
  }
}
