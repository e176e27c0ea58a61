/** What the feature routers need from the process. */
import type { Database } from '@cartwatch/db';
import type { Logger } from 'pino';
import type { CredentialCipher } from './accounts/credential-cipher.js';
import type { Config } from './config.js';
import type { DB } from './db/schema.js';
import type { AdapterRegistry } from './scraping/adapter-registry.js';

export interface AppDeps {
  config: Config;
  database: Database<DB>;
  logger: Logger;
  /** Undefined when CREDENTIAL_KEYS is unset: store accounts cannot be connected. */
  cipher: CredentialCipher | undefined;
  /** Retailer adapters this server can sync with (by retailer slug). */
  adapters: AdapterRegistry;
}
