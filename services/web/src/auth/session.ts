/**
 * The signed-in session. The access token lives only in this object's memory (never in storage, so
 * an injected script cannot lift it from there); the refresh token lives only in the HttpOnly
 * `cw_refresh` cookie the gateway scopes to `/auth`, so `POST /auth/refresh` with an empty body renews
 * the session, on start and whenever the API answers 401. Refreshes are single-flight per tab and
 * serialized across tabs with the Web Locks API: the gateway rotates the refresh token on every use
 * and revokes the whole family when a used one is replayed, so two tabs must never race with one cookie.
 */
import type { components } from '../api/schema';

export type User = components['schemas']['User'];
export type AuthSession = components['schemas']['AuthSession'];

export type SessionState =
  | { status: 'unknown' }
  | { status: 'signed-out' }
  | { status: 'signed-in'; user: User };

/** Credential endpoints and public data never carry the access token (public responses stay cacheable). */
const UNAUTHENTICATED_PREFIXES = [
  '/public/',
  '/auth/login',
  '/auth/register',
  '/auth/refresh',
  '/auth/otp/',
  '/auth/password-reset/',
];

export type FetchLike = (request: Request) => Promise<Response>;

export interface SessionOptions {
  /** The network; tests pass a fake. */
  fetch?: FetchLike;
  /** Origin of the gateway; default: the page's own. */
  origin?: string;
  /** Cross-tab lock; default `navigator.locks` where the browser has it. */
  locks?: Pick<LockManager, 'request'>;
}

export class SessionStore {
  private accessToken: string | undefined;
  private state: SessionState = { status: 'unknown' };
  private readonly listeners = new Set<() => void>();
  private refreshing: Promise<boolean> | undefined;
  private readonly network: FetchLike;
  readonly origin: string;
  private readonly locks: Pick<LockManager, 'request'> | undefined;

  constructor(options: SessionOptions = {}) {
    this.network = options.fetch ?? ((request) => fetch(request));
    this.origin = options.origin ?? window.location.origin;
    this.locks = options.locks ?? (typeof navigator !== 'undefined' ? navigator.locks : undefined);
  }

  getState = (): SessionState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private setState(state: SessionState): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }

  /** Takes a session from register, login, a one-time code or a refresh. */
  accept(session: AuthSession): void {
    this.accessToken = session.tokens.accessToken;
    this.setState({ status: 'signed-in', user: session.user });
  }

  /** A newer profile (after verifying the e-mail, editing the profile). */
  updateUser(user: User): void {
    if (this.state.status === 'signed-in') this.setState({ status: 'signed-in', user });
  }

  clear(): void {
    this.accessToken = undefined;
    this.setState({ status: 'signed-out' });
  }

  get token(): string | undefined {
    return this.accessToken;
  }

  /**
   * Renews the session from the refresh cookie. Resolves true when signed in afterwards. A 401 means
   * the cookie is gone, expired or revoked: signed out. A network failure keeps the current state.
   */
  refresh(): Promise<boolean> {
    this.refreshing ??= (async () => {
      try {
        return this.locks
          ? await this.locks.request('cartwatch-refresh', () => this.refreshNow())
          : await this.refreshNow();
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private async refreshNow(): Promise<boolean> {
    let response: Response;
    try {
      response = await this.network(
        new Request(`${this.origin}/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
          credentials: 'same-origin',
        }),
      );
    } catch {
      if (this.state.status === 'unknown') this.setState({ status: 'signed-out' });
      return false;
    }
    if (response.ok) {
      this.accept((await response.json()) as AuthSession);
      return true;
    }
    await response.body?.cancel();
    this.clear();
    return false;
  }

  /**
   * The fetch every API call goes through: adds `Authorization: Bearer` when signed in, and on a 401 to
   * a request that carried a token refreshes once and repeats the request with the new token.
   */
  fetch = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    const token = UNAUTHENTICATED_PREFIXES.some((prefix) => path.startsWith(prefix))
      ? undefined
      : this.accessToken;
    if (!token) return this.network(request);
    const retry = request.clone();
    const response = await this.network(withToken(request, token));
    if (response.status !== 401) return response;
    if (!(await this.refresh()) || !this.accessToken) return response;
    await response.body?.cancel();
    return this.network(withToken(retry, this.accessToken));
  };
}

function withToken(request: Request, token: string): Request {
  const headers = new Headers(request.headers);
  headers.set('authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}
