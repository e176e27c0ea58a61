/** Environment of the gateway; docs/configuration.md is generated from this schema. */
import { defaultServiceUrl, type ServiceName, services, upstreamServices } from '@cartwatch/common-types';
import { serviceEnvSchema } from '@cartwatch/service-runtime';
import { z } from 'zod';

const upstreamUrls = Object.fromEntries(
  upstreamServices.map((name) => [
    services[name].urlEnv,
    z
      .url({ protocol: /^https?$/ })
      .default(defaultServiceUrl(name))
      .describe(`Base URL of ${name} (default ${defaultServiceUrl(name)})`),
  ]),
) as Record<string, z.ZodDefault<z.ZodURL>>;

export const envSchema = serviceEnvSchema('gateway', {
  ...upstreamUrls,
  UPSTREAM_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(120_000)
    .default(15_000)
    .describe('How long a proxied request may wait for its service before the gateway answers 504'),
  UPSTREAM_MAX_SOCKETS: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(256)
    .describe('Keep-alive connections per upstream service'),
});
export type Config = z.infer<typeof envSchema>;

export function upstreamUrlOf(config: Config, name: Exclude<ServiceName, 'gateway'>): string {
  const url = (config as Record<string, unknown>)[services[name].urlEnv];
  if (typeof url !== 'string') throw new Error(`no URL configured for ${name}`);
  return url;
}
