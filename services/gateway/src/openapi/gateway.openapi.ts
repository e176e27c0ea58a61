/** The gateway's own routes in OpenAPI, from the same zod schemas the routes validate with. */
import {
  Accepted,
  ActiveSessionList,
  AdminUserQuery,
  AuthSession,
  ChangePasswordRequest,
  CodeRequest,
  DeleteAccountRequest,
  EmailChangeRequest,
  LoginRequest,
  NotificationDelivery,
  NotificationDeliveryQuery,
  NotificationPreferences,
  OtpStartRequest,
  OtpVerifyRequest,
  PasswordResetCompleteRequest,
  PasswordResetStartRequest,
  PhoneChangeRequest,
  PushSubscriptionCreated,
  PushSubscriptionParams,
  PushSubscriptionRequest,
  pageOf,
  ReauthenticateRequest,
  ReauthenticationCodeRequest,
  RefreshRequest,
  RegisterRequest,
  SecondFactorChallenge,
  SessionIdParams,
  SetUserRoleRequest,
  UpdateNotificationPreferences,
  UpdateProfileRequest,
  User,
  UserIdParams,
  VapidPublicKey,
  VerifyEmailRequest,
} from '@cartwatch/common-types';
import { createOpenApiRegistry, errorResponses, type OpenAPIRegistry } from '@cartwatch/service-kit';
import { z } from 'zod';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const noContent = (description: string) => ({ 204: { description } });
const publicOperation = { security: [] as Record<string, string[]>[] };

const Jwks = z
  .object({
    keys: z.array(
      z.object({
        kty: z.string(),
        crv: z.string(),
        x: z.string(),
        kid: z.string(),
        alg: z.string(),
        use: z.string(),
      }),
    ),
  })
  .meta({ id: 'JsonWebKeySet' });

export function createGatewayOpenApiRegistry(): OpenAPIRegistry {
  const registry = createOpenApiRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'EdDSA access token from /auth/login, /auth/refresh or /auth/otp/verify (15 minutes).',
  });

  registry.registerPath({
    method: 'post',
    path: '/auth/register',
    tags: ['auth'],
    summary: 'Create an account; a verification code is e-mailed',
    ...publicOperation,
    request: { body: json(RegisterRequest) },
    responses: {
      201: { description: 'The account and its first session', ...json(AuthSession) },
      ...errorResponses('VALIDATION_FAILED', 'CONFLICT', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/login',
    tags: ['auth'],
    summary: 'Log in with e-mail and password',
    ...publicOperation,
    request: { body: json(LoginRequest) },
    responses: {
      200: { description: 'A new session', ...json(AuthSession) },
      202: {
        description: 'A second factor is needed: finish with /auth/otp/verify',
        ...json(SecondFactorChallenge),
      },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/verify-email',
    tags: ['auth'],
    summary: 'Confirm the e-mail address with the code sent to it',
    request: { body: json(VerifyEmailRequest) },
    responses: {
      200: { description: 'The verified account', ...json(User) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/verify-email/resend',
    tags: ['auth'],
    summary: 'Send a new verification code',
    responses: {
      202: { description: 'A code is on its way', ...json(Accepted) },
      ...errorResponses('UNAUTHENTICATED', 'CONFLICT', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/refresh',
    tags: ['auth'],
    summary:
      'Rotate a refresh token (body or the HttpOnly cw_refresh cookie); a reused token ends its family',
    ...publicOperation,
    request: { body: json(RefreshRequest) },
    responses: {
      200: { description: 'New tokens for the same session', ...json(AuthSession) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/logout',
    tags: ['auth'],
    summary: 'End this session',
    responses: { ...noContent('Logged out'), ...errorResponses('UNAUTHENTICATED') },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/logout-all',
    tags: ['auth'],
    summary: 'End every session of the account',
    responses: { ...noContent('Logged out everywhere'), ...errorResponses('UNAUTHENTICATED') },
  });
  registry.registerPath({
    method: 'get',
    path: '/auth/sessions',
    tags: ['auth'],
    summary: "The account's signed-in devices (live refresh-token sessions), the caller's own first",
    responses: {
      200: { description: 'The live sessions', ...json(ActiveSessionList) },
      ...errorResponses('UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/auth/sessions/{id}',
    tags: ['auth'],
    summary:
      "Sign one of the account's sessions out: its refresh token dies and its access tokens are refused at once",
    request: { params: SessionIdParams },
    responses: {
      ...noContent('Signed out'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  for (const path of ['/auth/me', '/me']) {
    registry.registerPath({
      method: 'get',
      path,
      tags: ['account'],
      summary: 'The signed-in account',
      responses: { 200: { description: 'The account', ...json(User) }, ...errorResponses('UNAUTHENTICATED') },
    });
  }
  registry.registerPath({
    method: 'patch',
    path: '/auth/me',
    tags: ['account'],
    summary: 'Change the display name or the second factor (the latter needs a recent re-authentication)',
    request: { body: json(UpdateProfileRequest) },
    responses: {
      200: { description: 'The updated account', ...json(User) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'UNPROCESSABLE'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/reauthenticate',
    tags: ['account'],
    summary:
      'Prove the session again with the password or a code; e-mail, phone and second-factor changes need it within REAUTH_MAX_AGE_SECONDS',
    request: { body: json(ReauthenticateRequest) },
    responses: {
      ...noContent('Re-authenticated'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/reauthenticate/code',
    tags: ['account'],
    summary: 'Send a re-authentication code to the e-mail address or the verified phone',
    request: { body: json(ReauthenticationCodeRequest) },
    responses: {
      202: { description: 'Sent', ...json(Accepted) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/phone',
    tags: ['account'],
    summary: 'Text a code to a new phone number (needs a verified e-mail and a recent re-authentication)',
    request: { body: json(PhoneChangeRequest) },
    responses: {
      202: { description: 'Sent', ...json(Accepted) },
      ...errorResponses(
        'VALIDATION_FAILED',
        'UNAUTHENTICATED',
        'FORBIDDEN',
        'CONFLICT',
        'UNPROCESSABLE',
        'RATE_LIMITED',
      ),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/phone/verify',
    tags: ['account'],
    summary: "Make the texted number the account's phone (one account per number)",
    request: { body: json(CodeRequest) },
    responses: {
      200: { description: 'The account with its verified phone', ...json(User) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'CONFLICT', 'UNPROCESSABLE', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/auth/phone',
    tags: ['account'],
    summary: 'Remove the phone (needs a recent re-authentication; not while SMS is the second factor)',
    responses: {
      200: { description: 'The account without a phone', ...json(User) },
      ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'CONFLICT'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/email',
    tags: ['account'],
    summary: 'Send a code to a new e-mail address (needs a recent re-authentication)',
    request: { body: json(EmailChangeRequest) },
    responses: {
      202: { description: 'Sent', ...json(Accepted) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'CONFLICT', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/email/verify',
    tags: ['account'],
    summary: 'Switch to the new address; the old one is told and the other sessions end',
    request: { body: json(CodeRequest) },
    responses: {
      200: { description: 'The account with its new e-mail', ...json(User) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'CONFLICT', 'UNPROCESSABLE', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/auth/me',
    tags: ['account'],
    summary: 'Delete the account; every service purges its data (user.deleted.v1)',
    request: { body: json(DeleteAccountRequest) },
    responses: {
      ...noContent('Deleted'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/password',
    tags: ['account'],
    summary: 'Change the password; every other session ends',
    request: { body: json(ChangePasswordRequest) },
    responses: {
      ...noContent('Changed'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/password-reset/start',
    tags: ['auth'],
    summary:
      'E-mail a reset code (same answer, answered before any lookup, whether or not the account exists)',
    ...publicOperation,
    request: { body: json(PasswordResetStartRequest) },
    responses: {
      202: { description: 'Accepted', ...json(Accepted) },
      ...errorResponses('VALIDATION_FAILED', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/password-reset/complete',
    tags: ['auth'],
    summary: 'Set a new password with the e-mailed code; every session ends',
    ...publicOperation,
    request: { body: json(PasswordResetCompleteRequest) },
    responses: {
      ...noContent('Password set'),
      ...errorResponses('VALIDATION_FAILED', 'UNPROCESSABLE', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/otp/start',
    tags: ['auth'],
    summary:
      'Send a one-time login code by e-mail or to a verified phone (same answer, answered before any lookup, whether or not the account exists)',
    ...publicOperation,
    request: { body: json(OtpStartRequest) },
    responses: {
      202: { description: 'Accepted', ...json(Accepted) },
      ...errorResponses('VALIDATION_FAILED', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/otp/verify',
    tags: ['auth'],
    summary: 'Log in with a one-time code, or finish a login that needs a second factor',
    ...publicOperation,
    request: { body: json(OtpVerifyRequest) },
    responses: {
      200: { description: 'A new session', ...json(AuthSession) },
      202: {
        description:
          "The code proved one channel and the account's second factor is another: finish with its challenge",
        ...json(SecondFactorChallenge),
      },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/.well-known/jwks.json',
    tags: ['auth'],
    summary: 'Public keys that verify access tokens',
    ...publicOperation,
    responses: { 200: { description: 'The key set', ...json(Jwks) } },
  });
  registry.registerPath({
    method: 'get',
    path: '/me/events',
    tags: ['realtime'],
    summary:
      'Server-Sent Events: alert.created, order.status-changed, cart.updated, device.paired of the signed-in user',
    request: {
      headers: z.object({
        'last-event-id': z.string().regex(/^\d+$/).optional().describe('Resume after this event id'),
      }),
    },
    responses: {
      200: {
        description: 'An event stream; ids are stream sequences, `: heartbeat` comments keep it open',
        content: { 'text/event-stream': { schema: z.string() } },
      },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/me/notifications',
    tags: ['account'],
    summary: 'How alerts reach the user besides the app',
    responses: {
      200: { description: 'The preferences', ...json(NotificationPreferences) },
      ...errorResponses('UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'put',
    path: '/me/notifications',
    tags: ['account'],
    summary:
      'Set e-mail, SMS (needs a verified phone) and web push delivery and the webhook URL (public http(s) addresses only)',
    request: { body: json(UpdateNotificationPreferences) },
    responses: {
      200: { description: 'The preferences', ...json(NotificationPreferences) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/me/notifications/deliveries',
    tags: ['account'],
    summary:
      "The account's notifications and codes by channel: pending (retried with backoff), sent, or failed with the reason",
    request: { query: NotificationDeliveryQuery },
    responses: {
      200: { description: 'A page of deliveries, newest first', ...json(pageOf(NotificationDelivery)) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/me/push/vapid-public-key',
    tags: ['account'],
    summary: 'The key a browser subscribes to web push with (`applicationServerKey`)',
    responses: {
      200: { description: 'The VAPID public key', ...json(VapidPublicKey) },
      ...errorResponses('UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/me/push-subscriptions',
    tags: ['account'],
    summary:
      "Save this browser's push subscription (`PushSubscription.toJSON()`); the endpoint must be a public https address",
    request: { body: json(PushSubscriptionRequest) },
    responses: {
      201: { description: 'Saved', ...json(PushSubscriptionCreated) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/me/push-subscriptions/{id}',
    tags: ['account'],
    summary: 'Forget a push subscription of the account',
    request: { params: PushSubscriptionParams },
    responses: {
      ...noContent('Removed'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/admin/users',
    tags: ['admin'],
    summary: 'Find accounts by e-mail, role or retailer (admin)',
    request: { query: AdminUserQuery },
    responses: {
      200: { description: 'A page of accounts, oldest first', ...json(pageOf(User)) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'),
    },
  });
  registry.registerPath({
    method: 'put',
    path: '/admin/users/{id}/role',
    tags: ['admin'],
    summary:
      "Grant or revoke a role (admin): store staff of one retailer, admin, or back to shopper; ends the account's sessions",
    request: { params: UserIdParams, body: json(SetUserRoleRequest) },
    responses: {
      200: { description: 'The account with its new role', ...json(User) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
    },
  });
  return registry;
}
