/**
 * Kysely table types of this service's schema, kept by hand next to the migrations (docs/adr/0002).
 * The outbox and inbox tables belong to @cartwatch/events, which reaches them itself.
 */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** numeric and bigint come back from pg as strings. */
type Numeric = ColumnType<string, string | number, string | number>;
type BigIntCents = ColumnType<number, number, number>;

export interface ProductTable {
  id: string;
  name: string;
  name_norm: string;
  brand: string | null;
  brand_norm: Generated<string>;
  category: string | null;
  size_value: Numeric | null;
  size_unit: 'g' | 'ml' | 'ct' | null;
  merged_into: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface ProductGtinTable {
  gtin: string;
  product_id: string;
  created_at: CreatedAt;
}

export interface PurchaseLineMatchTable {
  line_id: string;
  purchase_id: string;
  user_id: string;
  product_id: string;
  method: 'gtin' | 'name' | 'created' | 'admin';
  confidence: number;
  line_name: string;
  gtin: string | null;
  store_slug: string;
  purchased_at: Timestamp;
  created_at: CreatedAt;
}

export interface ProductMergeTable {
  id: string;
  kind: 'merge' | 'split';
  source_product_id: string;
  target_product_id: string;
  moved_gtins: Generated<string[]>;
  moved_line_ids: Generated<string[]>;
  actor_user_id: string | null;
  created_at: CreatedAt;
}

export interface PriceObservationTable {
  id: string;
  product_id: string;
  store_slug: string;
  location_id: string | null;
  price_cents: BigIntCents;
  regular_price_cents: BigIntCents | null;
  currency: string;
  price_type: 'regular' | 'sale' | 'coupon';
  is_sale: boolean;
  unit_price_cents: Numeric | null;
  source: 'receipt' | 'catalog' | 'url';
  user_id: string | null;
  line_id: string | null;
  watch_id: string | null;
  observed_at: Timestamp;
  created_at: CreatedAt;
}

export interface PriceDailyTable {
  product_id: string;
  store_slug: string;
  currency: string;
  day: ColumnType<string, string, string>;
  min_cents: BigIntCents;
  max_cents: BigIntCents;
  sum_cents: BigIntCents;
  count: number;
}

export interface PriceLatestTable {
  product_id: string;
  store_slug: string;
  currency: string;
  observation_id: string;
  price_cents: BigIntCents;
  regular_price_cents: BigIntCents | null;
  is_sale: boolean;
  unit_price_cents: Numeric | null;
  observed_at: Timestamp;
}

export interface CpiValueTable {
  series_id: string;
  year: number;
  month: number;
  value: Numeric;
}

export interface DB {
  product: ProductTable;
  product_gtin: ProductGtinTable;
  purchase_line_match: PurchaseLineMatchTable;
  product_merge: ProductMergeTable;
  price_observation: PriceObservationTable;
  price_daily: PriceDailyTable;
  price_latest: PriceLatestTable;
  cpi_value: CpiValueTable;
}
