/**
 * Kysely table types of this service's schema, kept by hand next to the migrations (docs/adr/0002).
 * The outbox and inbox tables belong to @cartwatch/events, which reaches them itself.
 * `numeric` sizes come back as strings (exact decimals); `bigint` cents as numbers.
 */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamptz = ColumnType<Date, Date | string, Date | string>;
type GeneratedTimestamptz = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamptz = ColumnType<Date | null, Date | string | null, Date | string | null>;
type Numeric = ColumnType<string, number | string, number | string>;
type NullableNumeric = ColumnType<string | null, number | string | null, number | string | null>;

export interface PackObservationTable {
  observation_id: string;
  event_id: string;
  product_id: string;
  gtin: string | null;
  name: string;
  brand: string | null;
  category: string | null;
  /** Normalised brand + name, the key successor products are paired on (docs/shrinkflation.md). */
  pairing_key: string | null;
  store_slug: string;
  price_cents: number;
  regular_price_cents: number | null;
  currency: string;
  is_sale: boolean;
  size_value: NullableNumeric;
  size_unit: string | null;
  source: string;
  user_id: string | null;
  observed_at: Timestamptz;
  received_at: GeneratedTimestamptz;
}

export interface StoredFactor {
  name: 'observations-before' | 'observations-after' | 'sale-prices-excluded' | 'price-direction' | 'pairing';
  weight: number;
  score: number;
  detail: string;
}

export interface StoredEvidence {
  before: string[];
  after: string[];
}

export interface ShrinkflationTable {
  id: string;
  dedupe_key: string;
  kind: 'same-product' | 'successor';
  status: Generated<'detected' | 'confirmed' | 'rejected'>;
  product_id: string;
  successor_product_id: string | null;
  gtin: string | null;
  successor_gtin: string | null;
  name: string;
  successor_name: string | null;
  brand: string | null;
  category: string | null;
  store_slug: string;
  size_unit: string;
  old_size_value: Numeric;
  new_size_value: Numeric;
  size_change_pct: number;
  old_price_cents: number;
  new_price_cents: number;
  currency: string;
  unit_price_change_pct: number;
  quality_adjusted_price_cents: number;
  quality_adjusted_price_change_pct: number;
  confidence: number;
  factors: JSONColumnType<StoredFactor[]>;
  /** Observation ids backing the detection (latest 20 each side). */
  evidence: JSONColumnType<StoredEvidence>;
  changed_at: Timestamptz;
  detected_at: GeneratedTimestamptz;
  updated_at: GeneratedTimestamptz;
  published_at: NullableTimestamptz;
  /** Distinct shoppers whose receipts are the evidence; a store source among it; either enough. */
  contributors: Generated<number>;
  contributor_ids: ColumnType<string[], string[] | undefined, string[]>;
  store_sourced: Generated<boolean>;
  independent_evidence: Generated<boolean>;
  /** When the sole contributors of a not-yet-independent claim were alerted. */
  contributors_alerted_at: NullableTimestamptz;
  reviewed_at: NullableTimestamptz;
  reviewed_by: string | null;
  review_note: string | null;
}

export interface DB {
  pack_observation: PackObservationTable;
  shrinkflation: ShrinkflationTable;
}
