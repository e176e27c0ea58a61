/** Connecting a user's retailer account: credentials are sealed before they touch the database. */
import type { Page, ReceiptIngestApi } from '@cartwatch/common-types';
import { type Database, newId } from '@cartwatch/db';
import { AppError } from '@cartwatch/service-kit';
import type { z } from 'zod';
import type { DB } from '../db/schema.js';
import { pageBySlug } from '../stores/slug-page.js';
import { requireRetailer } from '../stores/stores.service.js';
import * as accounts from './accounts.repository.js';
import type { CredentialCipher } from './credential-cipher.js';

type StoreAccount = z.infer<typeof ReceiptIngestApi.StoreAccount>;

/** Additional data binding a sealed credential to its owner and store. */
export function credentialContext(userId: string, storeSlug: string): string {
  return `credential:${userId}:${storeSlug}`;
}

function toAccount(row: accounts.AccountListRow): StoreAccount {
  return {
    storeSlug: row.store_slug,
    storeName: row.store_name,
    status: row.status as StoreAccount['status'],
    lastSyncAt: row.last_sync_at?.toISOString() ?? null,
    lastErrorCode: row.last_error_code as StoreAccount['lastErrorCode'],
    connectedAt: row.connected_at.toISOString(),
  };
}

export async function connectStore(
  database: Database<DB>,
  cipher: CredentialCipher | undefined,
  userId: string,
  slug: string,
  credentials: { username: string; password: string },
): Promise<void> {
  if (!cipher) throw new AppError('UPSTREAM_UNAVAILABLE', 'store credential encryption is not configured');
  const retailer = await requireRetailer(database, slug);
  if (!retailer.ingestion_methods.includes('sync')) {
    throw AppError.unprocessable(`${slug} cannot be synced; import its receipts instead`);
  }
  const sealed = cipher.seal(JSON.stringify(credentials), credentialContext(userId, slug));
  await accounts.upsertAccount(database.db, {
    id: newId(),
    user_id: userId,
    retailer_id: retailer.id,
    status: 'connected',
    credential_ciphertext: sealed.ciphertext,
    credential_key_id: sealed.keyId,
    // The first sync is due right away.
    next_sync_at: new Date(),
  });
}

export async function listStoreAccounts(
  database: Database<DB>,
  userId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<StoreAccount>> {
  return pageBySlug(
    query,
    (afterSlug, limit) => accounts.listAccounts(database.db, userId, afterSlug, limit),
    (row) => row.store_slug,
    toAccount,
  );
}

export async function disconnectStore(database: Database<DB>, userId: string, slug: string): Promise<void> {
  const retailer = await requireRetailer(database, slug);
  if (!(await accounts.deleteAccount(database.db, userId, retailer.id)))
    throw AppError.notFound('store account');
}
