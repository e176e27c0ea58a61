/**
 * Request and response bodies of the gateway's own routes (identity, tokens, one-time codes,
 * notification preferences). Requests are strict: unknown fields are rejected.
 */
import { z } from 'zod';
import { StoreSlug, Timestamp, UserRole, Uuid } from '../ids.js';
import { PaginationQuery } from '../pagination.js';
import { publicRoutePrefixes } from '../routes.js';

export const Email = z
  .email()
  .max(254)
  .transform((value) => value.toLowerCase());
/** 12..256 characters (NIST 800-63B: length over composition rules). */
export const Password = z.string().min(12).max(256);
/** E.164 phone number, e.g. +4915112345678. */
export const PhoneNumber = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +4915112345678');
export const OtpCode = z.string().regex(/^\d{6}$/, 'must be 6 digits');
export const SecondFactor = z.enum(['email', 'sms']);

export const User = z
  .object({
    id: Uuid,
    email: z.string(),
    emailVerified: z.boolean(),
    displayName: z.string(),
    phone: z.string().nullable().describe('The phone number an SMS code proved; null until one did.'),
    role: UserRole,
    retailer: StoreSlug.nullable().describe(
      'The retailer a `staff` account works for; null for every other role.',
    ),
    secondFactor: SecondFactor.nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof User>;

export const TokenPair = z
  .object({
    accessToken: z.string(),
    tokenType: z.literal('Bearer'),
    /** Seconds until the access token expires. */
    expiresIn: z.number().int(),
    refreshToken: z.string(),
    refreshExpiresAt: Timestamp,
  })
  .meta({ id: 'TokenPair' });
export type TokenPair = z.infer<typeof TokenPair>;

export const AuthSession = z.object({ user: User, tokens: TokenPair }).meta({ id: 'AuthSession' });
export type AuthSession = z.infer<typeof AuthSession>;

/** One signed-in device of the account: a refresh-token family (GET /auth/sessions). */
export const ActiveSession = z
  .object({
    id: Uuid,
    createdAt: Timestamp.describe('When it signed in'),
    lastUsedAt: Timestamp.describe(
      'When it last renewed its access token (each renewal is at most one access-token lifetime apart while in use)',
    ),
    device: z
      .string()
      .describe('A readable label from the user agent, e.g. "Firefox 133 on Windows 10 (desktop)"'),
    userAgent: z.string().nullable().describe('The user agent as sent at sign-in (at most 512 characters)'),
    ipNetwork: z
      .string()
      .nullable()
      .describe('The sign-in address, coarsened to its network (IPv4 /24, IPv6 /48), e.g. 203.0.113.0/24'),
    current: z.boolean().describe('true for the session of the token making this request'),
  })
  .meta({ id: 'ActiveSession' });
export type ActiveSession = z.infer<typeof ActiveSession>;
export const ActiveSessionList = z
  .object({
    sessions: z.array(ActiveSession).describe('The current session first, then the most recently used'),
  })
  .meta({ id: 'ActiveSessionList' });
export type ActiveSessionList = z.infer<typeof ActiveSessionList>;
export const SessionIdParams = z.strictObject({ id: Uuid });

export const SecondFactorChallenge = z
  .object({ secondFactorRequired: z.literal(true), challengeId: Uuid, channel: SecondFactor })
  .meta({ id: 'SecondFactorChallenge' });

export const RegisterRequest = z
  .strictObject({ email: Email, password: Password, displayName: z.string().trim().min(1).max(100) })
  .meta({ id: 'RegisterRequest' });
export const LoginRequest = z
  .strictObject({ email: Email, password: z.string().min(1).max(256) })
  .meta({ id: 'LoginRequest' });
export const VerifyEmailRequest = z.strictObject({ code: OtpCode }).meta({ id: 'VerifyEmailRequest' });
/** The refresh token comes in the body, or from the HttpOnly `cw_refresh` cookie (then the body is `{}`). */
export const RefreshRequest = z
  .strictObject({ refreshToken: z.string().min(1).max(200).optional() })
  .meta({ id: 'RefreshRequest' });
/** A phone number is changed through /auth/phone (verified by an SMS code), never here. */
export const UpdateProfileRequest = z
  .strictObject({
    displayName: z.string().trim().min(1).max(100).optional(),
    secondFactor: SecondFactor.nullable()
      .optional()
      .describe('Needs a recent re-authentication; `sms` needs a verified phone'),
  })
  .meta({ id: 'UpdateProfileRequest' });
export const ReauthenticateRequest = z
  .union([
    z.strictObject({ password: z.string().min(1).max(256) }),
    z.strictObject({ code: OtpCode.describe('From POST /auth/reauthenticate/code') }),
  ])
  .meta({ id: 'ReauthenticateRequest' });
export const ReauthenticationCodeRequest = z
  .strictObject({ channel: SecondFactor.default('email').describe('`sms` goes to the verified phone') })
  .meta({ id: 'ReauthenticationCodeRequest' });
export const PhoneChangeRequest = z.strictObject({ phone: PhoneNumber }).meta({ id: 'PhoneChangeRequest' });
export const EmailChangeRequest = z.strictObject({ email: Email }).meta({ id: 'EmailChangeRequest' });
export const CodeRequest = z.strictObject({ code: OtpCode }).meta({ id: 'CodeRequest' });
export const ChangePasswordRequest = z
  .strictObject({ currentPassword: z.string().min(1).max(256), newPassword: Password })
  .meta({ id: 'ChangePasswordRequest' });
export const DeleteAccountRequest = z
  .strictObject({ password: z.string().min(1).max(256) })
  .meta({ id: 'DeleteAccountRequest' });
export const PasswordResetStartRequest = z
  .strictObject({ email: Email })
  .meta({ id: 'PasswordResetStartRequest' });
export const PasswordResetCompleteRequest = z
  .strictObject({ email: Email, code: OtpCode, newPassword: Password })
  .meta({ id: 'PasswordResetCompleteRequest' });
export const OtpStartRequest = z
  .discriminatedUnion('channel', [
    z.strictObject({ channel: z.literal('email'), destination: Email }),
    z.strictObject({ channel: z.literal('sms'), destination: PhoneNumber }),
  ])
  .meta({ id: 'OtpStartRequest' });
/** Either a passwordless login (`channel` + `destination`) or the second step of a login (`challengeId`). */
export const OtpVerifyRequest = z
  .union([
    z.strictObject({ channel: z.literal('email'), destination: Email, code: OtpCode }),
    z.strictObject({ channel: z.literal('sms'), destination: PhoneNumber, code: OtpCode }),
    z.strictObject({ challengeId: Uuid, code: OtpCode }),
  ])
  .meta({ id: 'OtpVerifyRequest' });
export const Accepted = z.object({ accepted: z.literal(true) }).meta({ id: 'Accepted' });

const WebhookUrl = z.url({ protocol: /^https?$/ }).max(2048);

/** The alert types price-watch emits (alert.created.v1 `kind`), each with its own delivery rule. */
export const NotifiableAlertKinds = [
  'price-drop',
  'target-price',
  'price-increase',
  'shrinkflation',
  'coupon',
  'watch',
] as const;
export type NotifiableAlertKind = (typeof NotifiableAlertKinds)[number];

export const AlertTypeRule = z
  .strictObject({
    email: z.boolean(),
    sms: z.boolean(),
    webhook: z.boolean(),
    push: z.boolean(),
    minChangePct: z
      .number()
      .min(0)
      .max(100)
      .nullable()
      .describe(
        'Smallest change (percent: the drop, the increase, the unit-price change) sent by e-mail, SMS, webhook or push; smaller ones only show in the app. null = every alert. Alerts without a change (target reached, coupon, back in stock) are not held back.',
      ),
  })
  .meta({ id: 'AlertTypeRule' });
export type AlertTypeRule = z.infer<typeof AlertTypeRule>;

export const AlertTypeRules = z
  .object(
    Object.fromEntries(NotifiableAlertKinds.map((kind) => [kind, AlertTypeRule])) as Record<
      NotifiableAlertKind,
      typeof AlertTypeRule
    >,
  )
  .meta({ id: 'AlertTypeRules' });

const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time like 22:00 (HH:MM, 24 h)');

/** True when Intl knows `zone` as a time zone (IANA names such as Europe/Berlin, and UTC). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const QuietHours = z
  .strictObject({
    start: ClockTime.describe('Local time the quiet hours begin'),
    end: ClockTime.describe('Local time they end (before start = the next day)'),
    timeZone: z
      .string()
      .max(64)
      .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin')
      .describe('IANA time zone of start and end'),
  })
  .refine((value) => value.start !== value.end, {
    message: 'must differ from start',
    path: ['end'],
  })
  .meta({ id: 'QuietHours' });
export type QuietHours = z.infer<typeof QuietHours>;

export const NotificationPreferences = z
  .object({
    email: z.boolean().describe('Alerts e-mailed to the account address'),
    sms: z.boolean().describe('Alerts texted to the verified phone'),
    push: z.boolean().describe("Alerts pushed to the account's browsers (POST /me/push-subscriptions)"),
    webhookUrl: WebhookUrl.nullable(),
    types: AlertTypeRules.describe('Per alert type: channels on/off and the minimum change'),
    quietHours: QuietHours.nullable().describe(
      'E-mail, SMS and push due in these hours are sent when they end; webhooks are not held',
    ),
  })
  .meta({ id: 'NotificationPreferences' });
export const UpdateNotificationPreferences = z
  .strictObject({
    email: z.boolean(),
    webhookUrl: WebhookUrl.nullable(),
    sms: z.boolean().optional().describe('Needs a verified phone; omitted = unchanged'),
    push: z.boolean().optional().describe('Omitted = unchanged'),
    types: z
      .strictObject(
        Object.fromEntries(NotifiableAlertKinds.map((kind) => [kind, AlertTypeRule.optional()])) as Record<
          NotifiableAlertKind,
          z.ZodOptional<typeof AlertTypeRule>
        >,
      )
      .optional()
      .describe("The rules given replace those types' rules; types omitted = unchanged"),
    quietHours: QuietHours.nullable().optional().describe('null = none; omitted = unchanged'),
  })
  .meta({ id: 'UpdateNotificationPreferences' });
export type NotificationPreferences = z.infer<typeof NotificationPreferences>;

const Base64Url = z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url');
/** A browser's `PushSubscription.toJSON()`. */
export const PushSubscriptionRequest = z
  .strictObject({
    endpoint: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .describe("The push service's URL for this browser (a public https address)"),
    expirationTime: z.number().nullable().optional(),
    keys: z.strictObject({
      p256dh: Base64Url.min(86).max(88).describe('P-256 public key (65 bytes)'),
      auth: Base64Url.min(22).max(24).describe('Authentication secret (16 bytes)'),
    }),
  })
  .meta({ id: 'PushSubscriptionRequest' });
export type PushSubscriptionRequest = z.infer<typeof PushSubscriptionRequest>;
export const PushSubscriptionCreated = z
  .object({ id: Uuid, createdAt: Timestamp })
  .meta({ id: 'PushSubscriptionCreated' });
export const PushSubscriptionParams = z.strictObject({ id: Uuid });
export const VapidPublicKey = z
  .object({ publicKey: z.string().describe('`applicationServerKey` for PushManager.subscribe (base64url)') })
  .meta({ id: 'VapidPublicKey' });

export const DeliveryChannel = z.enum(['email', 'sms', 'webhook', 'push']);
export const NotificationDelivery = z
  .object({
    id: Uuid,
    kind: z.enum(['alert', 'code', 'notice']).describe('An alert, a one-time code, or an account notice'),
    channel: DeliveryChannel,
    title: z.string().describe("The alert's title, or which code or notice it was (never the code)"),
    status: z.enum(['pending', 'sent', 'failed']),
    attempts: z.number().int(),
    lastError: z.string().nullable().describe('Why the last attempt failed'),
    createdAt: Timestamp,
    sentAt: Timestamp.nullable(),
  })
  .meta({ id: 'NotificationDelivery' });
export type NotificationDelivery = z.infer<typeof NotificationDelivery>;
export const NotificationDeliveryQuery = PaginationQuery.strict().meta({ id: 'NotificationDeliveryQuery' });

// ---- platform administration (admin role) ----

export const AdminUserQuery = PaginationQuery.extend({
  email: Email.optional().describe('Exactly this address'),
  role: UserRole.optional(),
  retailer: StoreSlug.optional().describe('Staff of this retailer'),
})
  .strict()
  .meta({ id: 'AdminUserQuery' });
export const UserIdParams = z.strictObject({ id: Uuid });

/** Granting or revoking a role ends the account's sessions: its next sign-in carries the new role. */
export const SetUserRoleRequest = z
  .discriminatedUnion('role', [
    z.strictObject({ role: z.literal('user') }),
    z.strictObject({ role: z.literal('admin') }),
    z.strictObject({
      role: z.literal('staff'),
      retailer: StoreSlug.describe('The retailer (receipt-ingest store slug) the account works for'),
    }),
  ])
  .meta({ id: 'SetUserRoleRequest' });
export type SetUserRoleRequest = z.infer<typeof SetUserRoleRequest>;

/**
 * `POST /internal/public-cache/purge` (service to gateway): drop the gateway's cached answers of one
 * public route after its data changed (docs/gateway.md, "Public cache").
 */
export const PublicCachePurge = z
  .object({
    route: z
      .string()
      .refine((route) => publicRoutePrefixes.includes(route), 'not a public route prefix')
      .describe('A public route prefix of the route table, e.g. `/public/shrinkflation`'),
  })
  .strict()
  .meta({ id: 'PublicCachePurge' });
export type PublicCachePurge = z.infer<typeof PublicCachePurge>;
