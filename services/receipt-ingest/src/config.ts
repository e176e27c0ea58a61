/** Environment of receipt-ingest; docs/configuration.md is generated from this schema. */
import { serviceEnvSchema } from '@cartwatch/service-runtime';
import { z } from 'zod';

export const envSchema = serviceEnvSchema('receipt-ingest', {
  CSV_MAX_ROWS: z.coerce
    .number()
    .int()
    .positive()
    .max(1_000_000)
    .default(50_000)
    .describe('Most rows one `POST /receipts/csv` request may carry; the file is rejected whole beyond it.'),
  CSV_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(20 * 1024 * 1024)
    .describe('Largest CSV body in bytes (it is streamed, never buffered whole).'),
  DEFAULT_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default('USD')
    .describe('ISO-4217 currency of CSV rows that leave `currency` empty.'),
});
export type Config = z.infer<typeof envSchema>;
