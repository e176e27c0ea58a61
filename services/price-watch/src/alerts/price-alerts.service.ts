/**
 * Alerts triggered by a new price: watch thresholds (target price with re-arm, drop against the last
 * check and against the 90-day median, increase, back in stock) and price increases at a store on
 * products the user bought.
 */

import { formatMoney } from '@cartwatch/common-types';
import type { Transaction } from 'kysely';
import { buyersOf } from '../catalog/catalog.repository.js';
import type { DB } from '../db/schema.js';
import { ninetyDayMedian } from '../prices/prices.repository.js';
import { lockActiveProductWatches, recordWatchState, type WatchRow } from '../watches/watches.repository.js';
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
  await recordWatchState(trx, watch.id, {
    targetArmed: armed,
    ...(priceCents !== null && currency !== null && { price: { cents: priceCents, currency } }),
    available: signal.available,
    checkedAt: signal.observedAt,
  });
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
  const watches = await lockActiveProductWatches(trx, signal.productId, audience);
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
