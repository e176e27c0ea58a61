/**
 * Product attributes kept from evidence, admins' edits and their history (docs/price-watch.md,
 * "Product attributes"; the rules are in attributes.ts).
 */
import type { ProductHistory, ProductUpdate } from '@cartwatch/common-types';
import { type Database, type Executor, newId, withTransaction } from '@cartwatch/db';
import { AppError } from '@cartwatch/service-kit';
import type { z } from 'zod';
import type { AttributeName, DB } from '../db/schema.js';
import { ATTRIBUTES, bestValue, formatSize, normalizeCategory, parseSize, type Vote } from './attributes.js';
import {
  deleteOverrides,
  historyOf,
  insertHistory,
  overridesOf,
  setProductColumns,
  upsertOverride,
  upsertVotes,
  votesOf,
} from './attributes.repository.js';
import { findLiveProduct, findProductById, type ProductRow } from './catalog.repository.js';
import { normalizeBrand } from './product-name.js';

export interface StatedAttributes {
  brand?: string | null | undefined;
  category?: string | null | undefined;
  size?: { value: number; unit: 'g' | 'ml' | 'ct' } | null | undefined;
}

function currentValue(product: ProductRow, attribute: AttributeName): string | null {
  if (attribute === 'brand') return product.brand;
  if (attribute === 'category') return product.category;
  return product.size_value !== null && product.size_unit !== null
    ? formatSize({ value: Number(product.size_value), unit: product.size_unit })
    : null;
}

function statedValues(stated: StatedAttributes): Array<[AttributeName, string]> {
  const values: Array<[AttributeName, string]> = [];
  const brand = stated.brand?.trim();
  if (brand) values.push(['brand', brand]);
  const category = stated.category ? normalizeCategory(stated.category) : '';
  if (category) values.push(['category', category]);
  if (stated.size) values.push(['size', formatSize(stated.size)]);
  return values;
}

/**
 * Records what one source states about a product (its newest statement per source and voter); true when
 * a vote is new or changed, i.e. when the product's attributes need resolving again.
 */
export async function recordStatement(
  db: Executor<DB>,
  productId: string,
  source: { kind: 'catalog' | 'receipt'; voter: string; at: Date },
  stated: StatedAttributes,
): Promise<boolean> {
  const values = statedValues(stated);
  if (values.length === 0) return false;
  const changed = await upsertVotes(
    db,
    values.map(([attribute, value]) => ({
      product_id: productId,
      attribute,
      source: source.kind,
      voter: source.voter,
      value,
      observed_at: source.at,
    })),
  );
  return changed.length > 0;
}

function setColumns(attribute: AttributeName, value: string | null) {
  if (attribute === 'brand') return { brand: value, brand_norm: normalizeBrand(value ?? undefined) };
  if (attribute === 'category') return { category: value };
  const size = value === null ? undefined : parseSize(value);
  return { size_value: size ? size.value : null, size_unit: size ? size.unit : null };
}

/**
 * Brings a product's attributes in line with its overrides and evidence, recording each change in the
 * history (cause `evidence` unless the caller says otherwise). Returns the product as it is now.
 */
export async function resolveAttributes(
  db: Executor<DB>,
  productId: string,
  change: { cause: 'evidence' | 'admin' | 'admin-clear'; actorId: string | null } = {
    cause: 'evidence',
    actorId: null,
  },
): Promise<ProductRow | undefined> {
  const product = await findProductById(db, productId);
  if (!product) return undefined;
  const votes = await votesOf(db, productId);
  const overrides = await overridesOf(db, productId);
  let changed = false;
  for (const attribute of ATTRIBUTES) {
    const current = currentValue(product, attribute);
    const override = overrides.find((row) => row.attribute === attribute);
    const target = override
      ? override.value
      : bestValue(
          votes
            .filter((vote) => vote.attribute === attribute)
            .map(
              (vote): Vote => ({
                attribute,
                source: vote.source,
                voter: vote.voter,
                value: vote.value,
                observedAt: vote.observed_at,
              }),
            ),
          current,
        );
    if (target === undefined || target === current) continue;
    await setProductColumns(db, productId, setColumns(attribute, target));
    await insertHistory(db, {
      id: newId(),
      product_id: productId,
      attribute,
      old_value: current,
      new_value: target,
      cause: change.cause,
      actor_user_id: change.actorId,
    });
    changed = true;
  }
  return changed ? findProductById(db, productId) : product;
}

/** An admin's edit: set values win over the evidence, cleared ones go back to it (docs/price-watch.md). */
export async function updateProduct(
  database: Database<DB>,
  productId: string,
  update: z.infer<typeof ProductUpdate>,
  adminId: string,
): Promise<ProductRow> {
  return withTransaction(database.db, async (trx) => {
    const product = await findProductById(trx, productId);
    if (!product) throw AppError.notFound('product');
    if (product.merged_into !== null) {
      throw AppError.conflict('this product was merged into another: edit that one');
    }
    const set: Array<[AttributeName, string | null]> = [];
    if (update.category !== undefined) set.push(['category', update.category]);
    if (update.brand !== undefined) set.push(['brand', update.brand]);
    if (update.size !== undefined) set.push(['size', update.size === null ? null : formatSize(update.size)]);
    for (const [attribute, value] of set) {
      await upsertOverride(trx, productId, attribute, value, adminId);
    }
    if (set.length > 0) await resolveAttributes(trx, productId, { cause: 'admin', actorId: adminId });
    const cleared = [...new Set(update.clear ?? [])];
    if (cleared.length > 0) {
      await deleteOverrides(trx, productId, cleared);
      await resolveAttributes(trx, productId, { cause: 'admin-clear', actorId: adminId });
    }
    return (await findLiveProduct(trx, productId)) as ProductRow;
  });
}

/** The history of a product's attributes, newest first (admins). */
export async function productHistory(
  database: Database<DB>,
  productId: string,
): Promise<z.infer<typeof ProductHistory>> {
  const product = await findProductById(database.db, productId);
  if (!product) throw AppError.notFound('product');
  const rows = await historyOf(database.db, productId, 500);
  return {
    items: rows.map((row) => ({
      id: row.id,
      attribute: row.attribute,
      oldValue: row.old_value,
      newValue: row.new_value,
      cause: row.cause,
      actorId: row.actor_user_id,
      createdAt: row.created_at.toISOString(),
    })),
  };
}
