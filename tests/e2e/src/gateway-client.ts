/**
 * A small client of the gateway's public HTTP API, the only door end-to-end tests use: JSON in and out,
 * a bearer token (a user's JWT or a device key) per call, and the expected status checked with the
 * answer's body in the failure message.
 */
import { randomBytes } from 'node:crypto';
import type { AdminCredentials } from './platform.js';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  /** `Authorization: Bearer <token>`: an access token or a device key. */
  token?: string | undefined;
  body?: unknown;
  /** The status (or one of the statuses) the call must answer; default: any 2xx. */
  expect?: number | readonly number[];
  headers?: Record<string, string>;
}

export class GatewayClient {
  constructor(readonly url: string) {}

  async call<T = unknown>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const body = (
      text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text
    ) as T;
    const expected = options.expect;
    const ok =
      expected === undefined
        ? response.ok
        : typeof expected === 'number'
          ? response.status === expected
          : expected.includes(response.status);
    if (!ok) {
      throw new Error(
        `${method} ${path} answered ${response.status} (expected ${String(expected ?? '2xx')}): ${text.slice(0, 2_000)}`,
      );
    }
    return { status: response.status, headers: response.headers, body };
  }

  get<T = unknown>(path: string, options?: CallOptions) {
    return this.call<T>('GET', path, options);
  }

  post<T = unknown>(path: string, body: unknown, options: Omit<CallOptions, 'body'> = {}) {
    return this.call<T>('POST', path, { ...options, body });
  }

  put<T = unknown>(path: string, body: unknown, options: Omit<CallOptions, 'body'> = {}) {
    return this.call<T>('PUT', path, { ...options, body });
  }

  /** A new shopper account (`POST /auth/register`); e-mail addresses are unique per call. */
  async registerUser(label: string): Promise<Session> {
    const email = `${label}-${randomBytes(5).toString('hex')}@example.test`;
    const { body } = await this.post<SessionBody>(
      '/auth/register',
      { email, password: randomBytes(18).toString('base64url'), displayName: label },
      { expect: 201 },
    );
    return { userId: body.user.id, email, token: body.tokens.accessToken };
  }

  /** The admin the gateway bootstrapped from ADMIN_EMAIL / ADMIN_PASSWORD. */
  async loginAdmin(admin: AdminCredentials): Promise<Session> {
    const { body } = await this.post<SessionBody>('/auth/login', admin, { expect: 200 });
    if (body.user.role !== 'admin') throw new Error(`${admin.email} logged in without the admin role`);
    return { userId: body.user.id, email: admin.email, token: body.tokens.accessToken };
  }
}

export interface Session {
  userId: string;
  email: string;
  token: string;
}

interface SessionBody {
  user: { id: string; role: string };
  tokens: { accessToken: string };
}
