/**
 * /auth/* and /me: thin routes over AuthService (signing in and out) and AccountService (changes to the
 * account). Credential endpoints are rate-limited per client IP first, registration per IP on its own,
 * refresh per session; signed-in routes per user (requireSession).
 */
import {
  Accepted,
  ActiveSessionList,
  AuthSession,
  ChangePasswordRequest,
  CodeRequest,
  DeleteAccountRequest,
  EmailChangeRequest,
  LoginRequest,
  OtpStartRequest,
  OtpVerifyRequest,
  PasswordResetCompleteRequest,
  PasswordResetStartRequest,
  PhoneChangeRequest,
  ReauthenticateRequest,
  ReauthenticationCodeRequest,
  RefreshRequest,
  RegisterRequest,
  SecondFactorChallenge,
  SessionIdParams,
  UpdateProfileRequest,
  User,
  VerifyEmailRequest,
} from '@cartwatch/common-types';
import {
  AppError,
  defineRoute,
  errorResponses,
  jsonResponse,
  type RouteDefinition,
} from '@cartwatch/service-kit';
import { consumeOrReject } from '@cartwatch/service-kit/rate-limits';
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Limiters } from '../rate-limit/limiters.js';
import type { AccessTokens } from '../tokens/access-token.js';
import type { AccountService, Actor } from './account.service.js';
import type { AuthService, ClientInfo, LoginResult } from './auth.service.js';
import { sessionOf } from './authenticate.js';

export const REFRESH_COOKIE = 'cw_refresh';

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

export interface AuthRouteDeps {
  auth: AuthService;
  account: AccountService;
  tokens: AccessTokens;
  limiters: Limiters;
  /** Signed-in users only (requireSession). */
  session: RequestHandler;
  cookieSecure: boolean;
}

function clientOf(req: Request): ClientInfo {
  return { ip: req.ip, userAgent: req.get('user-agent') };
}

function actorOf(res: Response): Actor {
  const { userId, sessionId } = sessionOf(res);
  return { userId, sessionId };
}

function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      try {
        return decodeURIComponent(rest.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function authRoutes(deps: AuthRouteDeps): RouteDefinition[] {
  const { auth, account, tokens, limiters, session } = deps;
  const credentialLimit: RequestHandler = async (req, _res, next) => {
    await consumeOrReject(limiters.authIp, req.ip ?? 'unknown');
    next();
  };
  const registrationLimit: RequestHandler = async (req, _res, next) => {
    await consumeOrReject(limiters.register, req.ip ?? 'unknown');
    next();
  };

  /** Browsers get the refresh token as an HttpOnly cookie scoped to /auth as well as in the body. */
  const sendSession = (res: Response, status: number, body: AuthSession) => {
    res.cookie(REFRESH_COOKIE, body.tokens.refreshToken, {
      httpOnly: true,
      secure: deps.cookieSecure,
      sameSite: 'strict',
      path: '/auth',
      expires: new Date(body.tokens.refreshExpiresAt),
    });
    res.set('cache-control', 'no-store').status(status).json(body);
  };
  const sendLoginResult = (res: Response, result: LoginResult) => {
    if (result.kind === 'second-factor') {
      res
        .status(202)
        .json({ secondFactorRequired: true, challengeId: result.challengeId, channel: result.channel });
      return;
    }
    sendSession(res, 200, result.session);
  };
  const clearCookie = (res: Response) =>
    res.clearCookie(REFRESH_COOKIE, {
      httpOnly: true,
      secure: deps.cookieSecure,
      sameSite: 'strict',
      path: '/auth',
    });

  const noContent = (description: string) => ({ 204: { description } });
  const publicRoute = { security: [] as Array<Record<string, string[]>> };
  const signedIn = [session];
  const signedInCredential = [session, credentialLimit];
  const profile = async (res: Response) => {
    res.json(await account.profile(sessionOf(res).userId));
  };

  return [
    defineRoute({
      method: 'post',
      path: '/auth/register',
      tags: ['auth'],
      ...publicRoute,
      summary: 'Create an account; a verification code is e-mailed',
      use: [registrationLimit],
      request: { body: RegisterRequest },
      responses: {
        201: jsonResponse(AuthSession, 'The account and its first session'),
        ...errorResponses('VALIDATION_FAILED', 'CONFLICT', 'RATE_LIMITED'),
      },
      handler: async ({ body }, req, res) => {
        sendSession(res, 201, await auth.register(body, clientOf(req)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/login',
      tags: ['auth'],
      ...publicRoute,
      summary: 'Log in with e-mail and password',
      use: [credentialLimit],
      request: { body: LoginRequest },
      responses: {
        200: jsonResponse(AuthSession, 'A new session'),
        202: jsonResponse(SecondFactorChallenge, 'A second factor is needed: finish with /auth/otp/verify'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'RATE_LIMITED'),
      },
      handler: async ({ body }, req, res) => {
        sendLoginResult(res, await auth.login(body, clientOf(req)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/verify-email',
      tags: ['auth'],
      summary: 'Confirm the e-mail address with the code sent to it',
      use: signedInCredential,
      request: { body: VerifyEmailRequest },
      responses: {
        200: jsonResponse(User, 'The verified account'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE', 'RATE_LIMITED'),
      },
      handler: async ({ body }, _req, res) => {
        res.json(await auth.verifyEmail(sessionOf(res).userId, body.code));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/verify-email/resend',
      tags: ['auth'],
      summary: 'Send a new verification code',
      use: signedInCredential,
      responses: {
        202: jsonResponse(Accepted, 'A code is on its way'),
        ...errorResponses('UNAUTHENTICATED', 'CONFLICT', 'RATE_LIMITED'),
      },
      handler: async (_input, _req, res) => {
        await auth.resendVerification(sessionOf(res).userId);
        res.status(202).json({ accepted: true });
      },
    }),
    // Limited per session: clients sharing an address (an office, a carrier's NAT) never share a bucket.
    // A token that belongs to no session is a guess, limited as a credential attempt per IP.
    defineRoute({
      method: 'post',
      path: '/auth/refresh',
      tags: ['auth'],
      ...publicRoute,
      summary:
        'Rotate a refresh token (body or the HttpOnly cw_refresh cookie); a reused token ends its family',
      request: { body: RefreshRequest },
      responses: {
        200: jsonResponse(AuthSession, 'New tokens for the same session'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'RATE_LIMITED'),
      },
      handler: async ({ body }, req, res) => {
        const token = body.refreshToken ?? cookieValue(req, REFRESH_COOKIE);
        if (!token) throw AppError.unauthenticated('refresh token required');
        const sessionId = await auth.sessionOfRefreshToken(token);
        if (sessionId) await consumeOrReject(limiters.refresh, sessionId);
        else await consumeOrReject(limiters.authIp, req.ip ?? 'unknown');
        sendSession(res, 200, await auth.refresh(token));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/logout',
      tags: ['auth'],
      summary: 'End this session',
      use: signedIn,
      responses: { ...noContent('Logged out'), ...errorResponses('UNAUTHENTICATED') },
      handler: async (_input, _req, res) => {
        await auth.logout(sessionOf(res).sessionId);
        clearCookie(res);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/logout-all',
      tags: ['auth'],
      summary: 'End every session of the account',
      use: signedIn,
      responses: { ...noContent('Logged out everywhere'), ...errorResponses('UNAUTHENTICATED') },
      handler: async (_input, _req, res) => {
        await auth.logoutAll(sessionOf(res).userId);
        clearCookie(res);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/auth/sessions',
      tags: ['auth'],
      summary: "The account's signed-in devices (live refresh-token sessions), the caller's own first",
      use: signedIn,
      responses: {
        200: jsonResponse(ActiveSessionList, 'The live sessions'),
        ...errorResponses('UNAUTHENTICATED'),
      },
      handler: async (_input, _req, res) => {
        const { userId, sessionId } = sessionOf(res);
        res.set('cache-control', 'no-store').json({ sessions: await auth.listSessions(userId, sessionId) });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/auth/sessions/:id',
      tags: ['auth'],
      summary:
        "Sign one of the account's sessions out: its refresh token dies and its access tokens are refused at once",
      use: signedIn,
      request: { params: SessionIdParams },
      responses: {
        ...noContent('Signed out'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      handler: async ({ params }, _req, res) => {
        const { userId, sessionId } = sessionOf(res);
        await auth.revokeSession(userId, params.id);
        // Signing this very device out: its refresh cookie goes too, as with /auth/logout.
        if (params.id === sessionId) clearCookie(res);
        res.status(204).end();
      },
    }),
    ...['/auth/me', '/me'].map((path) =>
      defineRoute({
        method: 'get',
        path,
        tags: ['account'],
        summary: 'The signed-in account',
        use: signedIn,
        responses: { 200: jsonResponse(User, 'The account'), ...errorResponses('UNAUTHENTICATED') },
        handler: (_input, _req, res) => profile(res),
      }),
    ),
    defineRoute({
      method: 'patch',
      path: '/auth/me',
      tags: ['account'],
      summary: 'Change the display name or the second factor (the latter needs a recent re-authentication)',
      use: signedIn,
      request: { body: UpdateProfileRequest },
      responses: {
        200: jsonResponse(User, 'The updated account'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'UNPROCESSABLE'),
      },
      handler: async ({ body }, _req, res) => {
        res.json(await account.updateProfile(actorOf(res), body));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/auth/me',
      tags: ['account'],
      summary: 'Delete the account; every service purges its data (user.deleted.v1)',
      use: signedInCredential,
      request: { body: DeleteAccountRequest },
      responses: {
        ...noContent('Deleted'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE', 'RATE_LIMITED'),
      },
      handler: async ({ body }, req, res) => {
        await account.deleteAccount(actorOf(res), body.password, req.ip);
        clearCookie(res);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/reauthenticate',
      tags: ['account'],
      summary:
        'Prove the session again with the password or a code; e-mail, phone and second-factor changes need it within REAUTH_MAX_AGE_SECONDS',
      use: signedInCredential,
      request: { body: ReauthenticateRequest },
      responses: {
        ...noContent('Re-authenticated'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE', 'RATE_LIMITED'),
      },
      handler: async ({ body }, req, res) => {
        await account.reauthenticate(actorOf(res), body, req.ip);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/reauthenticate/code',
      tags: ['account'],
      summary: 'Send a re-authentication code to the e-mail address or the verified phone',
      use: signedInCredential,
      request: { body: ReauthenticationCodeRequest },
      responses: {
        202: jsonResponse(Accepted, 'Sent'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE', 'RATE_LIMITED'),
      },
      handler: async ({ body }, _req, res) => {
        await account.sendReauthenticationCode(actorOf(res), body.channel);
        res.status(202).json({ accepted: true });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/password',
      tags: ['account'],
      summary: 'Change the password; every other session ends',
      use: signedInCredential,
      request: { body: ChangePasswordRequest },
      responses: {
        ...noContent('Changed'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE', 'RATE_LIMITED'),
      },
      handler: async ({ body }, req, res) => {
        await account.changePassword(actorOf(res), body, req.ip);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/phone',
      tags: ['account'],
      summary: 'Text a code to a new phone number (needs a verified e-mail and a recent re-authentication)',
      use: signedInCredential,
      request: { body: PhoneChangeRequest },
      responses: {
        202: jsonResponse(Accepted, 'Sent'),
        ...errorResponses(
          'VALIDATION_FAILED',
          'UNAUTHENTICATED',
          'FORBIDDEN',
          'CONFLICT',
          'UNPROCESSABLE',
          'RATE_LIMITED',
        ),
      },
      handler: async ({ body }, _req, res) => {
        await account.startPhoneVerification(actorOf(res), body.phone);
        res.status(202).json({ accepted: true });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/phone/verify',
      tags: ['account'],
      summary: "Make the texted number the account's phone (one account per number)",
      use: signedInCredential,
      request: { body: CodeRequest },
      responses: {
        200: jsonResponse(User, 'The account with its verified phone'),
        ...errorResponses(
          'VALIDATION_FAILED',
          'UNAUTHENTICATED',
          'CONFLICT',
          'UNPROCESSABLE',
          'RATE_LIMITED',
        ),
      },
      handler: async ({ body }, _req, res) => {
        res.json(await account.verifyPhone(actorOf(res), body.code));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/auth/phone',
      tags: ['account'],
      summary: 'Remove the phone (needs a recent re-authentication; not while SMS is the second factor)',
      use: signedIn,
      responses: {
        200: jsonResponse(User, 'The account without a phone'),
        ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'CONFLICT'),
      },
      handler: async (_input, _req, res) => {
        res.json(await account.removePhone(actorOf(res)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/email',
      tags: ['account'],
      summary: 'Send a code to a new e-mail address (needs a recent re-authentication)',
      use: signedInCredential,
      request: { body: EmailChangeRequest },
      responses: {
        202: jsonResponse(Accepted, 'Sent'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'CONFLICT', 'RATE_LIMITED'),
      },
      handler: async ({ body }, _req, res) => {
        await account.startEmailChange(actorOf(res), body.email);
        res.status(202).json({ accepted: true });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/email/verify',
      tags: ['account'],
      summary: 'Switch to the new address; the old one is told and the other sessions end',
      use: signedInCredential,
      request: { body: CodeRequest },
      responses: {
        200: jsonResponse(User, 'The account with its new e-mail'),
        ...errorResponses(
          'VALIDATION_FAILED',
          'UNAUTHENTICATED',
          'CONFLICT',
          'UNPROCESSABLE',
          'RATE_LIMITED',
        ),
      },
      handler: async ({ body }, _req, res) => {
        res.json(await account.verifyEmailChange(actorOf(res), body.code));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/password-reset/start',
      tags: ['auth'],
      ...publicRoute,
      summary:
        'E-mail a reset code (same answer, answered before any lookup, whether or not the account exists)',
      use: [credentialLimit],
      request: { body: PasswordResetStartRequest },
      responses: {
        202: jsonResponse(Accepted, 'Accepted'),
        ...errorResponses('VALIDATION_FAILED', 'RATE_LIMITED'),
      },
      handler: ({ body }, _req, res) => {
        auth.startPasswordReset(body.email);
        res.status(202).json({ accepted: true });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/password-reset/complete',
      tags: ['auth'],
      ...publicRoute,
      summary: 'Set a new password with the e-mailed code; every session ends',
      use: [credentialLimit],
      request: { body: PasswordResetCompleteRequest },
      responses: {
        ...noContent('Password set'),
        ...errorResponses('VALIDATION_FAILED', 'UNPROCESSABLE', 'RATE_LIMITED'),
      },
      handler: async ({ body }, req, res) => {
        await auth.completePasswordReset(body, clientOf(req));
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/otp/start',
      tags: ['auth'],
      ...publicRoute,
      summary:
        'Send a one-time login code by e-mail or to a verified phone (same answer, answered before any lookup, whether or not the account exists)',
      use: [credentialLimit],
      request: { body: OtpStartRequest },
      responses: {
        202: jsonResponse(Accepted, 'Accepted'),
        ...errorResponses('VALIDATION_FAILED', 'RATE_LIMITED'),
      },
      handler: ({ body }, _req, res) => {
        auth.startOtpLogin(body.channel, body.destination);
        res.status(202).json({ accepted: true });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/otp/verify',
      tags: ['auth'],
      ...publicRoute,
      summary: 'Log in with a one-time code, or finish a login that needs a second factor',
      use: [credentialLimit],
      request: { body: OtpVerifyRequest },
      responses: {
        200: jsonResponse(AuthSession, 'A new session'),
        202: jsonResponse(
          SecondFactorChallenge,
          "The code proved one channel and the account's second factor is another: finish with its challenge",
        ),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'RATE_LIMITED'),
      },
      handler: async ({ body }, req, res) => {
        sendLoginResult(res, await auth.verifyOtp(body, clientOf(req)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/.well-known/jwks.json',
      tags: ['auth'],
      ...publicRoute,
      summary: 'Public keys that verify access tokens',
      responses: { 200: jsonResponse(Jwks, 'The key set') },
      handler: (_input, _req, res) => {
        res.set('cache-control', 'public, max-age=300').json(tokens.jwks());
      },
    }),
  ];
}
