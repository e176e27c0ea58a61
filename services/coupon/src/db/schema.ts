/**
 * Kysely table types of this service's schema, kept by hand next to the migrations (docs/adr/0002).
 * The outbox and inbox tables belong to @cartwatch/events, which reaches them itself.
 */
import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** Latest known name/brand/category of a product, from price.observed.v1. */
export interface ProductTable {
  product_id: string;
  name: string;
  gtin: string | null;
  brand: string | null;
  category: string | null;
  updated_at: Timestamp;
}

/** Latest observed price per product and store (the optimizer's price source). */
export interface StorePriceTable {
  product_id: string;
  store_slug: string;
  price_cents: number;
  regular_price_cents: number | null;
  currency: string;
  is_sale: boolean;
  source: string;
  observation_id: string;
  observed_at: Timestamp;
}

/** A shopper's own receipt price (only their own plans use it). */
export interface OwnPriceTable {
  user_id: string;
  product_id: string;
  store_slug: string;
  price_cents: number;
  currency: string;
  observation_id: string;
  observed_at: Timestamp;
}

export interface CouponTable {
  id: string;
  external_id: string | null;
  store_slug: string | null;
  scope_kind: 'product' | 'brand' | 'category' | 'store';
  product_id: string | null;
  brand: string | null;
  category: string | null;
  type: 'percent' | 'fixed' | 'bogo' | 'buy_x_get_y' | 'spend_threshold';
  percent_off: number | null;
  amount_off_cents: number | null;
  buy_quantity: number | null;
  get_quantity: number | null;
  get_percent_off: number | null;
  threshold_cents: number | null;
  min_quantity: number;
  min_purchase_cents: number | null;
  currency: string;
  valid_from: Timestamp;
  valid_to: Timestamp | null;
  requires_clip: boolean;
  code: string | null;
  source_url: string | null;
  title: string;
  description: string | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface CouponClipTable {
  user_id: string;
  coupon_id: string;
  clipped_at: DefaultedTimestamp;
}

export interface ShoppingListTable {
  id: string;
  user_id: string;
  name: string;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface ShoppingListItemTable {
  id: string;
  list_id: string;
  product_id: string | null;
  text: string | null;
  quantity: number;
  created_at: DefaultedTimestamp;
}

/** Lines of the user's receipts (purchase.recorded.v1), product id from product.matched.v1. */
export interface PurchaseLineTable {
  purchase_id: string;
  line_id: string;
  user_id: string;
  product_id: string | null;
  gtin: string | null;
  name: string;
  brand: string | null;
  category: string | null;
  store_slug: string;
  purchased_at: Timestamp;
}

export interface DB {
  product: ProductTable;
  store_price: StorePriceTable;
  own_price: OwnPriceTable;
  coupon: CouponTable;
  coupon_clip: CouponClipTable;
  shopping_list: ShoppingListTable;
  shopping_list_item: ShoppingListItemTable;
  purchase_line: PurchaseLineTable;
}
