/** The typed API client: openapi-fetch over the generated `paths`, through the session's fetch. */
import createClient, { type Client } from 'openapi-fetch';
import type { SessionStore } from '../auth/session';
import type { paths } from './schema';

export type Api = Client<paths>;

export function createApi(session: SessionStore): Api {
  return createClient<paths>({ baseUrl: session.origin, fetch: session.fetch });
}
