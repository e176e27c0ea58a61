/**
 * Collects one user's data from every service that holds some and zips it (docs/privacy.md#export):
 * the gateway's own (profile, notification settings) from its database, the rest from each owning
 * service's `GET /internal/users/{userId}/export` (and receipt-ingest's purchases CSV) with the service
 * key, never inside a database transaction. The zip is built with fflate (docs/gateway.md#account-export).
 */
import { accountExportAreas, type upstreamServices } from '@cartwatch/common-types';
import { createInternalClient, type InternalClient } from '@cartwatch/service-kit';
import { strToU8, zipSync } from 'fflate';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { z } from 'zod';
import * as authRepository from '../auth/auth.repository.js';
import { toUser } from '../auth/auth.service.js';
import type { DB } from '../db/schema.js';
import { NotificationService } from '../notifications/notification.service.js';
import type { TargetPolicy } from '../notifications/webhook-target.js';

type Upstream = (typeof upstreamServices)[number];
const collectedFrom = ['receipt-ingest', 'price-watch', 'coupon', 'orders'] as const;

const list = z.array(z.unknown());
const IngestExport = z.object({ purchases: list, storeAccounts: list });
const PricingExport = z.object({ watches: list, alerts: list, alertSettings: z.unknown() });
const ShoppingExport = z.object({ lists: list, clippedCoupons: list });
const OrdersExport = z.object({ orders: list });

export interface ExportCollectorOptions {
  db: Kysely<DB>;
  upstreams: Record<Upstream, string>;
  serviceKey: string;
  timeoutMs: number;
  policy: TargetPolicy;
  logger: Logger;
}

/** A service that did not answer as it should: the message is what the user sees on the export. */
export class ExportAreaFailure extends Error {
  override readonly name = 'ExportAreaFailure';
}

export interface CollectOptions {
  /** Called after each area with how many are done (the job's progress). */
  progress?: (done: number) => Promise<void>;
  now?: Date;
}

export const EXPORT_FORMAT_VERSION = 1;

function json(value: unknown): Uint8Array {
  return strToU8(`${JSON.stringify(value, null, 2)}\n`);
}

export class ExportCollector {
  private readonly clients: Map<Upstream, InternalClient>;
  private readonly notifications: NotificationService;

  constructor(private readonly options: ExportCollectorOptions) {
    this.clients = new Map(
      collectedFrom.map((name) => [
        name,
        createInternalClient({
          baseUrl: options.upstreams[name],
          serviceKey: options.serviceKey,
          caller: 'gateway',
          timeoutMs: options.timeoutMs,
          logger: options.logger,
        }),
      ]),
    );
    this.notifications = new NotificationService({ db: options.db, policy: options.policy });
  }

  private async ask<S extends z.ZodType | undefined>(
    service: Upstream,
    path: string,
    requestId: string,
    schema: S,
  ) {
    const client = this.clients.get(service) as InternalClient;
    try {
      return await client.get(path, { requestId, schema });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ExportAreaFailure(`${service} did not answer: ${reason}`, { cause: error });
    }
  }

  /** The zip of everything the user has, area by area; throws ExportAreaFailure naming the service. */
  async collect(userId: string, exportId: string, options: CollectOptions = {}): Promise<Buffer> {
    const requestId = `export-${exportId}`;
    const user = encodeURIComponent(userId);
    const files: Record<string, Uint8Array> = {};
    let done = 0;
    const step = async () => {
      done += 1;
      await options.progress?.(done);
    };

    const row = await authRepository.findUserById(this.options.db, userId);
    if (!row) throw new ExportAreaFailure('the account no longer exists');
    files['profile.json'] = json({
      profile: toUser(row),
      notificationSettings: await this.notifications.preferences(userId),
    });
    await step();

    const ingest = await this.ask(
      'receipt-ingest',
      `/internal/users/${user}/export`,
      requestId,
      IngestExport,
    );
    files['purchases.json'] = json(ingest.purchases);
    files['store-accounts.json'] = json(ingest.storeAccounts);
    await step();
    const csv = await this.ask(
      'receipt-ingest',
      `/internal/users/${user}/purchases.csv`,
      requestId,
      undefined,
    );
    if (typeof csv !== 'string') throw new ExportAreaFailure('receipt-ingest did not answer with a CSV');
    files['purchases.csv'] = strToU8(csv);
    await step();

    const pricing = await this.ask('price-watch', `/internal/users/${user}/export`, requestId, PricingExport);
    files['watches.json'] = json(pricing.watches);
    files['alerts.json'] = json({ settings: pricing.alertSettings, alerts: pricing.alerts });
    await step();

    const shopping = await this.ask('coupon', `/internal/users/${user}/export`, requestId, ShoppingExport);
    files['lists.json'] = json(shopping.lists);
    files['coupons-clipped.json'] = json(shopping.clippedCoupons);
    await step();

    const orders = await this.ask('orders', `/internal/users/${user}/export`, requestId, OrdersExport);
    files['orders.json'] = json(orders.orders);
    await step();

    const manifest = {
      format: 'cartwatch-account-export',
      version: EXPORT_FORMAT_VERSION,
      exportId,
      userId,
      exportedAt: (options.now ?? new Date()).toISOString(),
      areas: accountExportAreas,
      files: Object.keys(files).sort(),
      notes:
        'JSON files hold the API shapes (amounts in integer cents). purchases.csv is the receipt CSV that ' +
        'POST /receipts/csv imports into an account. Store account credentials are never exported.',
    };
    return Buffer.from(zipSync({ 'manifest.json': json(manifest), ...files }, { level: 6 }));
  }
}

export const EXPORT_AREA_COUNT = accountExportAreas.length;
