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
/** One refused or failed request of a rendered page (watch_run.blocked_requests). */
export interface BlockedRequestJson {
  url: string;
  code: string;
  message: string;
}

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

/** The price other users see (docs/price-watch.md, "Consensus prices"). */
export interface PriceSharedTable {
  product_id: string;
  store_slug: string;
  currency: string;
  observation_id: string;
  price_cents: BigIntCents;
  regular_price_cents: BigIntCents | null;
  is_sale: boolean;
  unit_price_cents: Numeric | null;
  basis: 'store' | 'consensus';
  contributors: number;
  observed_at: Timestamp;
  updated_at: Generated<Date>;
}

/**
 * The shared price of a product at a store as it stood at the end of a day with evidence
 * (docs/price-watch.md, "Shared figures over time"): what public series and aggregates read.
 */
export interface PriceSharedDailyTable {
  product_id: string;
  day: ColumnType<string, string, string>;
  store_slug: string;
  currency: string;
  price_cents: BigIntCents;
  basis: 'store' | 'consensus';
  contributors: number;
  observation_id: string;
}

export type AttributeName = 'brand' | 'category' | 'size';

/** One source's newest statement of a product attribute (docs/price-watch.md, "Product attributes"). */
export interface ProductAttributeVoteTable {
  product_id: string;
  attribute: AttributeName;
  source: 'catalog' | 'receipt';
  /** The receipt's contributor, or `catalog` for a store catalog. */
  voter: string;
  value: string;
  observed_at: Timestamp;
}

export interface ProductAttributeOverrideTable {
  product_id: string;
  attribute: AttributeName;
  /** null: the admin set the attribute to none. */
  value: string | null;
  set_by: string;
  set_at: Generated<Date>;
}

export interface ProductHistoryTable {
  seq: Generated<string>;
  id: string;
  product_id: string;
  attribute: AttributeName;
  old_value: string | null;
  new_value: string | null;
  cause: 'evidence' | 'admin' | 'admin-clear';
  actor_user_id: string | null;
  created_at: CreatedAt;
}

/** A merge candidate an admin dismissed; product_a < product_b. */
export interface ProductMergeDismissalTable {
  product_a: string;
  product_b: string;
  dismissed_by: string;
  dismissed_at: Generated<Date>;
}

export interface CpiValueTable {
  series_id: string;
  year: number;
  month: number;
  value: Numeric;
}

export interface WatchTable {
  id: string;
  user_id: string;
  product_id: string | null;
  url: string | null;
  url_host: string | null;
  css_selector: string | null;
  target_price_cents: BigIntCents | null;
  drop_pct: Numeric | null;
  increase_pct: Numeric | null;
  back_in_stock: Generated<boolean>;
  target_armed: Generated<boolean>;
  last_price_cents: BigIntCents | null;
  last_currency: string | null;
  last_available: boolean | null;
  last_checked_at: Timestamp | null;
  next_check_at: Timestamp | null;
  check_interval_seconds: Generated<number>;
  check_started_at: Timestamp | null;
  render: Generated<boolean>;
  paused: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface WatchRunTable {
  id: string;
  watch_id: string;
  user_id: string;
  started_at: Timestamp;
  finished_at: Timestamp;
  price_cents: BigIntCents | null;
  currency: string | null;
  available: boolean | null;
  method: string | null;
  error_code: string | null;
  error: string | null;
  /** Refused or failed requests of a rendered page (BlockedRequest[]); null when not rendered. */
  blocked_requests: ColumnType<BlockedRequestJson[] | null, string | null, string | null>;
}

export interface AlertTable {
  id: string;
  user_id: string;
  kind: string;
  product_id: string | null;
  watch_id: string | null;
  title: string;
  body: string;
  link: string | null;
  dedupe_key: string;
  read_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface AlertSettingsTable {
  user_id: string;
  daily_cap_per_product: Generated<number>;
  price_increase_pct: ColumnType<string, string | number | undefined, string | number>;
  price_increases: Generated<boolean>;
  shrinkflation: Generated<boolean>;
  coupons: Generated<boolean>;
  updated_at: Generated<Date>;
}

export interface DB {
  watch: WatchTable;
  watch_run: WatchRunTable;
  alert: AlertTable;
  alert_settings: AlertSettingsTable;
  product: ProductTable;
  product_gtin: ProductGtinTable;
  purchase_line_match: PurchaseLineMatchTable;
  product_merge: ProductMergeTable;
  price_observation: PriceObservationTable;
  price_daily: PriceDailyTable;
  price_latest: PriceLatestTable;
  price_shared: PriceSharedTable;
  price_shared_daily: PriceSharedDailyTable;
  product_attribute_vote: ProductAttributeVoteTable;
  product_attribute_override: ProductAttributeOverrideTable;
  product_history: ProductHistoryTable;
  product_merge_dismissal: ProductMergeDismissalTable;
  cpi_value: CpiValueTable;
}
