/**
 * Kysely table types of this service's schema, kept by hand next to the migrations (docs/adr/0002).
 * The outbox and inbox tables belong to @cartwatch/events, which reaches them itself.
 */
import type { LineKind } from '@cartwatch/common-types';
import type { ColumnType } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface RetailerTable {
  id: string;
  slug: string;
  name: string;
  website: string | null;
  ingestion_methods: string[];
  created_at: CreatedAt;
}

export interface StoreLocationTable {
  id: string;
  retailer_id: string;
  name: string;
  address_line: string | null;
  city: string | null;
  region: string | null;
  postal_code: string | null;
  country: string;
  phone: string | null;
  created_at: CreatedAt;
}

export interface PurchaseTable {
  id: string;
  user_id: string;
  retailer_id: string;
  location_id: string | null;
  purchased_at: Date;
  currency: string;
  total_cents: number;
  savings_cents: number;
  item_count: number;
  source: string;
  retailer_receipt_id: string | null;
  dedupe_key: string;
  parse_confidence: number | null;
  unparsed_lines: ColumnType<Array<{ lineNo: number; text: string }>, string | undefined, string>;
  created_at: CreatedAt;
}

export interface PurchaseItemTable {
  id: string;
  purchase_id: string;
  line_no: number;
  name: string;
  gtin: string | null;
  brand: string | null;
  category: string | null;
  /** numeric(12,3): pg returns it as a string, so weights keep their exact decimals. */
  quantity: ColumnType<string, string, string>;
  unit: string;
  unit_price_cents: number;
  paid_cents: number;
  regular_price_cents: number | null;
  discount_cents: number;
  /** `return` exactly when paid_cents < 0 (a check constraint keeps them agreed). */
  kind: LineKind;
  product_id: string | null;
}

export interface InboundAddressTable {
  user_id: string;
  /** The random part of `receipts+<token>@<domain>`. */
  token: string;
  created_at: CreatedAt;
}

export interface StoreAccountTable {
  id: string;
  user_id: string;
  retailer_id: string;
  status: string;
  credential_ciphertext: Buffer;
  credential_key_id: string;
  session_ciphertext: Buffer | null;
  session_key_id: string | null;
  last_sync_at: Date | null;
  last_error_code: string | null;
  connected_at: CreatedAt;
  /** The retailer adapter's opaque position in the order history (what the last sync got to). */
  sync_cursor: string | null;
  session_expires_at: Date | null;
  /** When the scheduler queues the next periodic sync; null: none planned (e.g. re-connect required). */
  next_sync_at: Date | null;
  last_error_message: string | null;
}

export interface SyncJobTable {
  id: string;
  store_account_id: string;
  user_id: string;
  retailer_id: string;
  trigger: 'manual' | 'scheduled';
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  attempt: ColumnType<number, number | undefined, number>;
  max_attempts: number;
  run_after: ColumnType<Date, Date | undefined, Date>;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  error_code: string | null;
  error_message: string | null;
  imported_count: ColumnType<number, number | undefined, number>;
  already_known_count: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
}

export type PhotoReceiptStatus = 'queued' | 'processing' | 'ready' | 'no_receipt' | 'failed' | 'confirmed';

export interface PhotoReceiptTable {
  id: string;
  user_id: string;
  status: PhotoReceiptStatus;
  image: Buffer | null;
  image_type: string;
  image_sha256: string;
  byte_size: number;
  /** The PhotoDraft (photo.schemas.ts) once OCR ran. */
  draft: ColumnType<unknown | null, string | null | undefined, string | null>;
  keep_photo: ColumnType<boolean, boolean | undefined, boolean>;
  purchase_id: string | null;
  attempt: ColumnType<number, number | undefined, number>;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  error_message: string | null;
  created_at: CreatedAt;
  processed_at: Date | null;
  confirmed_at: Date | null;
}

export interface DB {
  photo_receipt: PhotoReceiptTable;
  store_account: StoreAccountTable;
  sync_job: SyncJobTable;
  inbound_address: InboundAddressTable;
  retailer: RetailerTable;
  store_location: StoreLocationTable;
  purchase: PurchaseTable;
  purchase_item: PurchaseItemTable;
}
