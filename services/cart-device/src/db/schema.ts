/**
 * Kysely table types of this service's schema, kept by hand next to the migrations (docs/adr/0002).
 * The outbox and inbox tables belong to @cartwatch/events, which reaches them itself.
 */
import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface DeviceTable {
  id: string;
  location_id: string;
  name: string;
  firmware_version: string | null;
  last_seen_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface DeviceKeyTable {
  id: string;
  device_id: string;
  secret_hash: Buffer;
  created_at: Timestamp;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface PairingCodeTable {
  code_hash: Buffer;
  device_id: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export type SessionEndReason = 'device' | 'user' | 'idle' | 'revoked' | 'user-deleted';

export interface PairingSessionTable {
  id: string;
  device_id: string;
  user_id: string;
  location_id: string;
  started_at: Timestamp;
  last_activity_at: Timestamp;
  ended_at: NullableTimestamp;
  end_reason: SessionEndReason | null;
}

export interface StoredLayout {
  nodes: {
    id: string;
    kind: 'entrance' | 'checkout' | 'aisle';
    x: number;
    y: number;
    label?: string | undefined;
  }[];
  edges: { from: string; to: string; distance: number }[];
  placements: { nodeId: string; productId?: string | undefined; category?: string | undefined }[];
}

export interface StoreLayoutTable {
  location_id: string;
  version: number;
  layout: ColumnType<StoredLayout, string, string>;
  updated_by: string;
  updated_at: Timestamp;
}

export interface DeviceScanTable {
  device_id: string;
  scan_id: string;
  session_id: string;
  user_id: string;
  barcode: string;
  action: 'add' | 'remove';
  quantity: number;
  product_id: string | null;
  /** The ScanResult answered when the scan was applied (replayed to retries). */
  result: ColumnType<unknown, string | null, string | null>;
  created_at: Timestamp;
}

export interface DB {
  device: DeviceTable;
  device_key: DeviceKeyTable;
  pairing_code: PairingCodeTable;
  pairing_session: PairingSessionTable;
  store_layout: StoreLayoutTable;
  device_scan: DeviceScanTable;
}
