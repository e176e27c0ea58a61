/**
 * Kysely table types of this service's schema, kept by hand next to the migrations (docs/adr/0002).
 * The outbox and inbox tables belong to @cartwatch/events, which reaches them itself.
 */
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface StoreLocationTable {
  id: string;
  store_slug: string;
  name: string;
  currency: string;
  created_at: CreatedAt;
}

export interface CatalogItemTable {
  id: string;
  location_id: string;
  product_id: string;
  gtin: string | null;
  name: string;
  brand: string | null;
  price_cents: number;
  on_hand: Generated<number>;
  reserved: Generated<number>;
  active: Generated<boolean>;
  deleted_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface CartTable {
  id: string;
  user_id: string;
  location_id: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface CartItemTable {
  id: string;
  cart_id: string;
  catalog_item_id: string;
  quantity: number;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface OrderTable {
  id: string;
  user_id: string;
  location_id: string;
  status: string;
  currency: string;
  total_cents: number;
  item_count: number;
  expires_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface OrderItemTable {
  id: string;
  order_id: string;
  catalog_item_id: string;
  product_id: string;
  gtin: string | null;
  name: string;
  unit_price_cents: number;
  quantity: number;
}

export interface OrderStatusHistoryTable {
  id: string;
  order_id: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  reason: string | null;
  created_at: CreatedAt;
}

export interface PaymentTable {
  id: string;
  order_id: string;
  provider: 'stripe' | 'test' | 'in_store';
  provider_reference: string | null;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  amount_cents: number;
  currency: string;
  /** `staff:<id>` / `admin:<id>` for in-store payments; null for provider payments. */
  recorded_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface RefundTable {
  id: string;
  payment_id: string;
  order_id: string;
  provider: 'stripe' | 'test' | 'in_store';
  provider_reference: string | null;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED';
  amount_cents: number;
  currency: string;
  reason: string | null;
  restock: Generated<boolean>;
  requested_by: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** Provider events already applied (the inbox of webhooks). */
export interface PaymentEventTable {
  provider: string;
  event_id: string;
  type: string;
  received_at: CreatedAt;
}

export interface IdempotencyKeyTable {
  user_id: string;
  key: string;
  request_hash: string;
  state: 'in_progress' | 'completed';
  response_status: number | null;
  response_body: ColumnType<unknown, string | null, string | null>;
  locked_at: ColumnType<Date, Date | string | undefined, Date | string>;
  created_at: CreatedAt;
}

export interface DB {
  store_location: StoreLocationTable;
  catalog_item: CatalogItemTable;
  cart: CartTable;
  cart_item: CartItemTable;
  order: OrderTable;
  order_item: OrderItemTable;
  order_status_history: OrderStatusHistoryTable;
  payment: PaymentTable;
  refund: RefundTable;
  payment_event: PaymentEventTable;
  idempotency_key: IdempotencyKeyTable;
}
