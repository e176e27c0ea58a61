/**
 * /auth/* and /me: thin routes over AuthService (signing in and out) and AccountService (changes to the
 * account). Credential endpoints are rate-limited per client IP first, registration per IP on its own,
 * refresh per session; signed-in routes per user (requireSession).
 */
import {
  type AuthSession,
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
  SessionIdParams,
  UpdateProfileRequest,
  VerifyEmailRequest,
} from '@cartwatch/common-types';
import { AppError, consumeOrReject, parseBody, parseParams } from '@cartwatch/service-kit';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { Limiters } from '../rate-limit/limiters.js';
import type { AccessTokens } from '../tokens/access-token.js';
import type { AccountService, Actor } from './account.service.js';
import type { AuthService, ClientInfo, LoginResult } from './auth.service.js';
import { sessionOf } from './authenticate.js';

export const REFRESH_COOKIE = 'cw_refresh';

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

export function mountAuthRoutes(app: Express, deps: AuthRouteDeps): void {
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

  app.post('/auth/register', registrationLimit, async (req, res) => {
    const input = parseBody(RegisterRequest, req);
    sendSession(res, 201, await auth.register(input, clientOf(req)));
  });

  app.post('/auth/login', credentialLimit, async (req, res) => {
    const input = parseBody(LoginRequest, req);
    sendLoginResult(res, await auth.login(input, clientOf(req)));
  });

  app.post('/auth/verify-email', session, credentialLimit, async (req, res) => {
    const { code } = parseBody(VerifyEmailRequest, req);
    res.json(await auth.verifyEmail(sessionOf(res).userId, code));
  });

  app.post('/auth/verify-email/resend', session, credentialLimit, async (_req, res) => {
    await auth.resendVerification(sessionOf(res).userId);
    res.status(202).json({ accepted: true });
  });

  // Limited per session: clients sharing an address (an office, a carrier's NAT) never share a bucket.
  // A token that belongs to no session is a guess, limited as a credential attempt per IP.
  app.post('/auth/refresh', async (req, res) => {
    const { refreshToken } = parseBody(RefreshRequest, req);
    const token = refreshToken ?? cookieValue(req, REFRESH_COOKIE);
    if (!token) throw AppError.unauthenticated('refresh token required');
    const sessionId = await auth.sessionOfRefreshToken(token);
    if (sessionId) await consumeOrReject(limiters.refresh, sessionId);
    else await consumeOrReject(limiters.authIp, req.ip ?? 'unknown');
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

  app.get('/auth/sessions', session, async (_req, res) => {
    const { userId, sessionId } = sessionOf(res);
    res.set('cache-control', 'no-store').json({ sessions: await auth.listSessions(userId, sessionId) });
  });

  app.delete('/auth/sessions/:id', session, async (req, res) => {
    const { id } = parseParams(SessionIdParams, req);
    const { userId, sessionId } = sessionOf(res);
    await auth.revokeSession(userId, id);
    // Signing this very device out: its refresh cookie goes too, as with /auth/logout.
    if (id === sessionId) clearCookie(res);
    res.status(204).end();
  });

  const profile: RequestHandler = async (_req, res) => {
    res.json(await account.profile(sessionOf(res).userId));
  };
  app.get('/auth/me', session, profile);
  app.get('/me', session, profile);

  app.patch('/auth/me', session, async (req, res) => {
    const changes = parseBody(UpdateProfileRequest, req);
    res.json(await account.updateProfile(actorOf(res), changes));
  });

  app.delete('/auth/me', session, credentialLimit, async (req, res) => {
    const { password } = parseBody(DeleteAccountRequest, req);
    await account.deleteAccount(actorOf(res), password, req.ip);
    clearCookie(res);
    res.status(204).end();
  });

  app.post('/auth/reauthenticate', session, credentialLimit, async (req, res) => {
    const proof = parseBody(ReauthenticateRequest, req);
    await account.reauthenticate(actorOf(res), proof, req.ip);
    res.status(204).end();
  });

  app.post('/auth/reauthenticate/code', session, credentialLimit, async (req, res) => {
    const { channel } = parseBody(ReauthenticationCodeRequest, req);
    await account.sendReauthenticationCode(actorOf(res), channel);
    res.status(202).json({ accepted: true });
  });

  app.post('/auth/password', session, credentialLimit, async (req, res) => {
    const input = parseBody(ChangePasswordRequest, req);
    await account.changePassword(actorOf(res), input, req.ip);
    res.status(204).end();
  });

  app.post('/auth/phone', session, credentialLimit, async (req, res) => {
    const { phone } = parseBody(PhoneChangeRequest, req);
    await account.startPhoneVerification(actorOf(res), phone);
    res.status(202).json({ accepted: true });
  });

  app.post('/auth/phone/verify', session, credentialLimit, async (req, res) => {
    const { code } = parseBody(CodeRequest, req);
    res.json(await account.verifyPhone(actorOf(res), code));
  });

  app.delete('/auth/phone', session, async (_req, res) => {
    res.json(await account.removePhone(actorOf(res)));
  });

  app.post('/auth/email', session, credentialLimit, async (req, res) => {
    const { email } = parseBody(EmailChangeRequest, req);
    await account.startEmailChange(actorOf(res), email);
    res.status(202).json({ accepted: true });
  });

  app.post('/auth/email/verify', session, credentialLimit, async (req, res) => {
    const { code } = parseBody(CodeRequest, req);
    res.json(await account.verifyEmailChange(actorOf(res), code));
  });

  app.post('/auth/password-reset/start', credentialLimit, async (req, res) => {
    const { email } = parseBody(PasswordResetStartRequest, req);
    auth.startPasswordReset(email);
    res.status(202).json({ accepted: true });
  });

  app.post('/auth/password-reset/complete', credentialLimit, async (req, res) => {
    const input = parseBody(PasswordResetCompleteRequest, req);
    await auth.completePasswordReset(input, clientOf(req));
    res.status(204).end();
  });

  app.post('/auth/otp/start', credentialLimit, async (req, res) => {
    const input = parseBody(OtpStartRequest, req);
    auth.startOtpLogin(input.channel, input.destination);
    res.status(202).json({ accepted: true });
  });

  app.post('/auth/otp/verify', credentialLimit, async (req, res) => {
    const input = parseBody(OtpVerifyRequest, req);
    sendLoginResult(res, await auth.verifyOtp(input, clientOf(req)));
  });

  app.get('/.well-known/jwks.json', (_req, res) => {
    res.set('cache-control', 'public, max-age=300').json(tokens.jwks());
  });
}
