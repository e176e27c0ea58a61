/** Environment of cart-device; docs/configuration.md is generated from this schema. */
import { serviceEnvSchema } from '@cartwatch/service-runtime';
import type { z } from 'zod';

export const envSchema = serviceEnvSchema('cart-device', {});
export type Config = z.infer<typeof envSchema>;
