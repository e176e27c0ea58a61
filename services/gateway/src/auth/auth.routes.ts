/** /auth/* and /me: thin routes over AuthService; credential endpoints are rate-limited per IP first. */
import {
  type AuthSession,
  ChangePasswordRequest,
  DeleteAccountRequest,
  LoginRequest,
  OtpStartRequest,
  OtpVerifyRequest,
  PasswordResetCompleteRequest,
  PasswordResetStartRequest,
  RefreshRequest,
  RegisterRequest,
  UpdateProfileRequest,
  VerifyEmailRequest,
} from '@cartwatch/common-types';
import { AppError, parseBody } from '@cartwatch/service-kit';
import type { Express, Request, RequestHandler, Response } from 'express';
import { consumeOrReject, type Limiters } from '../rate-limit/limiters.js';
import type { AccessTokens } from '../tokens/access-token.js';
import type { AuthService, ClientInfo } from './auth.service.js';
import { requireSession, sessionOf } from './authenticate.js';

export const REFRESH_COOKIE = 'cw_refresh';

export interface AuthRouteDeps {
  auth: AuthService;
  tokens: AccessTokens;
  limiters: Limiters;
  cookieSecure: boolean;
}

function clientOf(req: Request): ClientInfo {
  return { ip: req.ip, userAgent: req.get('user-agent') };
}

function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

export function mountAuthRoutes(app: Express, deps: AuthRouteDeps): void {
  const { auth, tokens, limiters } = deps;
  const session = requireSession(tokens, auth);
  const credentialLimit: RequestHandler = async (req, _res, next) => {
    await consumeOrReject(limiters.authIp, req.ip ?? 'unknown');
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
  const clearCookie = (res: Response) =>
    res.clearCookie(REFRESH_COOKIE, {
      httpOnly: true,
      secure: deps.cookieSecure,
      sameSite: 'strict',
      path: '/auth',
    });

  app.post('/auth/register', credentialLimit, async (req, res) => {
    const input = parseBody(RegisterRequest, req);
    sendSession(res, 201, await auth.register(input, clientOf(req)));
  });

  app.post('/auth/login', credentialLimit, async (req, res) => {
    const input = parseBody(LoginRequest, req);
    const result = await auth.login(input, clientOf(req));
    if (result.kind === 'second-factor') {
      res
        .status(202)
        .json({ secondFactorRequired: true, challengeId: result.challengeId, channel: result.channel });
      return;
    }
    sendSession(res, 200, result.session);
  });

  app.post('/auth/verify-email', session, credentialLimit, async (req, res) => {
    const { code } = parseBody(VerifyEmailRequest, req);
    res.json(await auth.verifyEmail(sessionOf(res).userId, code));
  });

  app.post('/auth/verify-email/resend', session, credentialLimit, async (_req, res) => {
    await auth.resendVerification(sessionOf(res).userId);
    res.status(202).json({ accepted: true });
  });

  app.post('/auth/refresh', credentialLimit, async (req, res) => {
    const { refreshToken } = parseBody(RefreshRequest, req);
    const token = refreshToken ?? cookieValue(req, REFRESH_COOKIE);
    if (!token) throw AppError.unauthenticated('refresh token required');
    sendSession(res, 200, await auth.refresh(token));
  });

  app.post('/auth/logout', session, async (_req, res) => {
    await auth.logout(sessionOf(res).sessionId);
    clearCookie(res);
    res.status(204).end();
  });

  app.post('/auth/logout-all', session, async (_req, res) => {
    await auth.logoutAll(sessionOf(res).userId);
    clearCookie(res);
    res.status(204).end();
  });

  const profile: RequestHandler = async (_req, res) => {
    res.json(await auth.profile(sessionOf(res).userId));
  };
  app.get('/auth/me', session, profile);
  app.get('/me', session, profile);

  app.patch('/auth/me', session, async (req, res) => {
    const changes = parseBody(UpdateProfileRequest, req);
    res.json(await auth.updateProfile(sessionOf(res).userId, changes));
  });

  app.delete('/auth/me', session, credentialLimit, async (req, res) => {
    const { password } = parseBody(DeleteAccountRequest, req);
    await auth.deleteAccount(sessionOf(res).userId, password);
    clearCookie(res);
    res.status(204).end();
  });

  app.post('/auth/password', session, credentialLimit, async (req, res) => {
    const input = parseBody(ChangePasswordRequest, req);
    const { userId, sessionId } = sessionOf(res);
    await auth.changePassword(userId, sessionId, input);
    res.status(204).end();
  });

  app.post('/auth/password-reset/start', credentialLimit, async (req, res) => {
    const { email } = parseBody(PasswordResetStartRequest, req);
    await auth.startPasswordReset(email);
    res.status(202).json({ accepted: true });
  });

  app.post('/auth/password-reset/complete', credentialLimit, async (req, res) => {
    const input = parseBody(PasswordResetCompleteRequest, req);
    await auth.completePasswordReset(input);
    res.status(204).end();
  });

  app.post('/auth/otp/start', credentialLimit, async (req, res) => {
    const input = parseBody(OtpStartRequest, req);
    await auth.startOtpLogin(input.channel, input.destination);
    res.status(202).json({ accepted: true });
  });

  app.post('/auth/otp/verify', credentialLimit, async (req, res) => {
    const input = parseBody(OtpVerifyRequest, req);
    sendSession(res, 200, await auth.verifyOtp(input, clientOf(req)));
  });

  app.get('/.well-known/jwks.json', (_req, res) => {
    res.set('cache-control', 'public, max-age=300').json(tokens.jwks());
  });
}
