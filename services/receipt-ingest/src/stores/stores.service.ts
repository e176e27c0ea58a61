/** Retailers and their locations: an admin-curated catalog every user reads. */
import { IdCursor, type Page, pageFromRows, type ReceiptIngestApi } from '@cartwatch/common-types';
import { type Database, newId } from '@cartwatch/db';
import { AppError } from '@cartwatch/service-kit';
import type { z } from 'zod';
import type { DB } from '../db/schema.js';
import { pageBySlug } from './slug-page.js';
import * as stores from './stores.repository.js';

type Retailer = z.infer<typeof ReceiptIngestApi.Retailer>;
type StoreLocation = z.infer<typeof ReceiptIngestApi.StoreLocation>;

export function toRetailer(row: stores.RetailerRow): Retailer {
  return {
    slug: row.slug,
    name: row.name,
    website: row.website,
    ingestionMethods: row.ingestion_methods as Retailer['ingestionMethods'],
  };
}

function toLocation(row: stores.StoreLocationRow, storeSlug: string): StoreLocation {
  return {
    id: row.id,
    storeSlug,
    name: row.name,
    addressLine: row.address_line,
    city: row.city,
    region: row.region,
    postalCode: row.postal_code,
    country: row.country,
    phone: row.phone,
  };
}

export async function createRetailer(
  database: Database<DB>,
  input: z.infer<typeof ReceiptIngestApi.CreateRetailer>,
): Promise<Retailer> {
  const row = await stores.insertRetailer(database.db, {
    id: newId(),
    slug: input.slug,
    name: input.name,
    website: input.website ?? null,
    ingestion_methods: [...new Set(input.ingestionMethods)],
  });
  if (!row) throw AppError.conflict(`store ${input.slug} already exists`);
  return toRetailer(row);
}

export async function listRetailers(
  database: Database<DB>,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<Retailer>> {
  return pageBySlug(
    query,
    (afterSlug, limit) => stores.listRetailers(database.db, afterSlug, limit),
    (row) => row.slug,
    toRetailer,
  );
}

export async function requireRetailer(database: Database<DB>, slug: string): Promise<stores.RetailerRow> {
  const retailer = await stores.findRetailerBySlug(database.db, slug);
  if (!retailer) throw AppError.notFound('store');
  return retailer;
}

export async function getRetailer(database: Database<DB>, slug: string): Promise<Retailer> {
  return toRetailer(await requireRetailer(database, slug));
}

export async function createLocation(
  database: Database<DB>,
  slug: string,
  input: z.infer<typeof ReceiptIngestApi.CreateStoreLocation>,
): Promise<StoreLocation> {
  const retailer = await requireRetailer(database, slug);
  const row = await stores.insertLocation(database.db, {
    id: newId(),
    retailer_id: retailer.id,
    name: input.name,
    address_line: input.addressLine ?? null,
    city: input.city ?? null,
    region: input.region ?? null,
    postal_code: input.postalCode ?? null,
    country: input.country,
    phone: input.phone ?? null,
  });
  return toLocation(row, retailer.slug);
}

export async function listLocations(
  database: Database<DB>,
  slug: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<StoreLocation>> {
  const retailer = await requireRetailer(database, slug);
  const after = query.cursor === undefined ? undefined : IdCursor.decode(query.cursor);
  const rows = await stores.listLocations(database.db, retailer.id, after?.id, query.limit + 1);
  return pageFromRows(
    rows,
    query.limit,
    (row) => toLocation(row, retailer.slug),
    (last) => IdCursor.encode({ id: last.id }),
  );
}
