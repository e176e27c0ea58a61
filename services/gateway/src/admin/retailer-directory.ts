/**
 * Whether a retailer exists, asked of receipt-ingest (which owns retailers) with the admin's identity,
 * so a staff grant cannot name a retailer that is not there.
 */
import { ReceiptIngestApi } from '@cartwatch/common-types';
import { createInternalClient, InternalHttpError } from '@cartwatch/service-kit';
import type { Logger } from 'pino';

export interface RetailerDirectory {
  exists(slug: string, actingAdmin: { id: string }, requestId?: string): Promise<boolean>;
}

export function createRetailerDirectory(options: {
  receiptIngestUrl: string;
  serviceKey: string;
  logger: Logger;
}): RetailerDirectory {
  const client = createInternalClient({
    baseUrl: options.receiptIngestUrl,
    serviceKey: options.serviceKey,
    caller: 'gateway',
    logger: options.logger,
  });
  return {
    async exists(slug, actingAdmin, requestId) {
      try {
        await client.get(`/stores/${encodeURIComponent(slug)}`, {
          schema: ReceiptIngestApi.Retailer,
          user: { id: actingAdmin.id, role: 'admin' },
          ...(requestId !== undefined && { requestId }),
        });
        return true;
      } catch (error) {
        if (error instanceof InternalHttpError && error.upstreamStatus === 404) return false;
        throw error;
      }
    },
  };
}
