/**
 * The URL checker of the process, from config (system DNS, direct connections to checked addresses;
 * rendering in Chromium only when URL_RENDER_ENABLED).
 */

import { directConnector, systemResolver } from '@cartwatch/service-kit/safe-http';
import type { Config } from '../config.js';
import { createUrlChecker } from './url-check.js';

export function urlCheckerFromConfig(config: Config) {
  // Loopback origins are for development and tests (docs/price-watch.md): a deployment never reaches them.
  if (config.NODE_ENV === 'production' && config.URL_CHECK_ALLOWED_ORIGINS.length > 0)
    throw new Error('URL_CHECK_ALLOWED_ORIGINS is for development and tests only: unset it in production');
  return createUrlChecker(
    {
      resolve: systemResolver,
      connect: directConnector,
      allowLoopback: config.URL_CHECK_ALLOW_LOOPBACK,
      allowedLoopbackOrigins: new Set(config.URL_CHECK_ALLOWED_ORIGINS),
      maxBytes: config.URL_CHECK_MAX_BYTES,
      timeoutMs: config.URL_CHECK_TIMEOUT_MS,
      maxRedirects: config.URL_CHECK_MAX_REDIRECTS,
      userAgent: 'CartWatch price-watch (+https://github.com/cartwatch)',
    },
    config.URL_RENDER_ENABLED
      ? {
          chromiumPath: config.URL_RENDER_CHROMIUM_PATH,
          timeoutMs: config.URL_RENDER_TIMEOUT_MS,
          maxRequests: config.URL_RENDER_MAX_REQUESTS,
          concurrency: config.URL_RENDER_CONCURRENCY,
        }
      : undefined,
  );
}
