/** Environment of receipt-ingest; docs/configuration.md is generated from this schema. */
import { serviceEnvSchema } from '@cartwatch/service-runtime';
import type { z } from 'zod';

export const envSchema = serviceEnvSchema('receipt-ingest', {});
export type Config = z.infer<typeof envSchema>;
