/**
 * Kysely table types of the `identity` schema, kept by hand next to the migrations (docs/adr/0002).
 * The outbox and inbox tables belong to @cartwatch/events, which reaches them itself.
 */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface AppUserTable {
  id: string;
  email: string;
  email_verified_at: Date | null;
  display_name: string;
  /** A phone number verified by an SMS code; unique among accounts. */
  phone: string | null;
  role: 'user' | 'staff' | 'admin';
  /** The retailer of a `staff` account (receipt-ingest store slug); null for every other role. */
  retailer_slug: string | null;
  password_hash: string;
  second_factor: 'email' | 'sms' | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface SessionTable {
  id: string;
  user_id: string;
  created_at: Generated<Date>;
  last_used_at: Timestamp;
  revoked_at: Date | null;
  revoked_reason: string | null;
  /** When the session last proved the password or a fresh code (sign-in counts). */
  reauthenticated_at: Generated<Date>;
  user_agent: string | null;
  ip: string | null;
}

export interface RefreshTokenTable {
  token_hash: Buffer;
  session_id: string;
  expires_at: Date;
  used_at: Date | null;
  created_at: Generated<Date>;
}

export type CodePurpose =
  | 'verify-email'
  | 'password-reset'
  | 'login'
  | 'second-factor'
  | 'reauthenticate'
  | 'verify-phone'
  | 'change-email';
export type CodeChannel = 'email' | 'sms';

export interface OneTimeCodeTable {
  id: string;
  user_id: string;
  purpose: CodePurpose;
  channel: CodeChannel;
  /** The address the code proves (a new phone number or e-mail), when it is not the account's own. */
  destination: string | null;
  code_hash: Buffer;
  expires_at: Date;
  attempts: Generated<number>;
  consumed_at: Date | null;
  created_at: Generated<Date>;
}

export interface NotificationPreferenceTable {
  user_id: string;
  email_enabled: boolean;
  /** Alerts texted to the verified phone (only while the account has one). */
  sms_enabled: Generated<boolean>;
  /** Alerts pushed to the account's browser subscriptions. */
  push_enabled: Generated<boolean>;
  webhook_url: string | null;
  /** Per alert type rules the user changed (`{kind: AlertTypeRule}`); absent types use the defaults. */
  alert_types: Generated<unknown>;
  /** Quiet hours: local `HH:MM` start and end in an IANA time zone; all three or none. */
  quiet_start: string | null;
  quiet_end: string | null;
  quiet_time_zone: string | null;
  updated_at: Timestamp;
}

export interface PushSubscriptionTable {
  id: string;
  user_id: string;
  /** The push service URL the browser gave (checked like a webhook target on every send). */
  endpoint: string;
  /** The browser's P-256 public key and auth secret (base64url): what the payload is encrypted for. */
  p256dh: string;
  auth: string;
  user_agent: string | null;
  created_at: Generated<Date>;
}

export type DeliveryKind = 'alert' | 'code' | 'notice';
export type DeliveryChannel = 'email' | 'sms' | 'webhook' | 'push';
/** Worker slots: account messages (codes, notices) have their own, sent first; alerts one per channel. */
export type DeliveryLane = 'account' | 'email' | 'sms' | 'webhook' | 'push';
export type DeliveryStatus = 'pending' | 'sent' | 'failed';

export interface NotificationDeliveryTable {
  id: string;
  user_id: string;
  /** `<event or code id>:<channel>:<target digest>`, unique: one message per alert, channel and target. */
  idempotency_key: string;
  kind: DeliveryKind;
  channel: DeliveryChannel;
  lane: DeliveryLane;
  /** An e-mail address, a phone number, a webhook URL or a push subscription id. */
  target: string;
  /** What the user sees in the list (an alert's title, or which code it was; never a code). */
  title: string;
  /** What is sent (JSON); null once an account message was sent or failed (it may hold a code). */
  payload: unknown;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  max_attempts: number;
  run_after: Generated<Date>;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  last_error: string | null;
  expires_at: Date | null;
  created_at: Generated<Date>;
  sent_at: Date | null;
  ended_at: Date | null;
}

export type AccountExportStatus = 'queued' | 'running' | 'ready' | 'failed' | 'expired';

export interface AccountExportTable {
  id: string;
  user_id: string;
  status: Generated<AccountExportStatus>;
  /** Areas of the archive collected by the current run. */
  progress_done: Generated<number>;
  attempts: Generated<number>;
  max_attempts: number;
  run_after: Generated<Date>;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  /** Why the last run failed: shown to the user while retrying and once failed. */
  last_error: string | null;
  /** The zip once ready; null before, and again once expired. */
  archive: Buffer | null;
  size_bytes: number | null;
  created_at: Generated<Date>;
  finished_at: Date | null;
  expires_at: Date | null;
  downloaded_at: Date | null;
}

export interface DB {
  app_user: AppUserTable;
  session: SessionTable;
  refresh_token: RefreshTokenTable;
  one_time_code: OneTimeCodeTable;
  notification_preference: NotificationPreferenceTable;
  push_subscription: PushSubscriptionTable;
  notification_delivery: NotificationDeliveryTable;
  account_export: AccountExportTable;
}
