/** Environment of orders; docs/configuration.md is generated from this schema. */
import { serviceEnvSchema } from '@cartwatch/service-runtime';
import type { z } from 'zod';

export const envSchema = serviceEnvSchema('orders', {});
export type Config = z.infer<typeof envSchema>;
