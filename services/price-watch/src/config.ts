/** Environment of price-watch; docs/configuration.md is generated from this schema. */
import { serviceEnvSchema } from '@cartwatch/service-runtime';
import { z } from 'zod';

export const envSchema = serviceEnvSchema('price-watch', {
  MATCH_NAME_THRESHOLD: z.coerce
    .number()
    .min(0.1)
    .max(1)
    .default(0.55)
    .describe(
      'Trigram name similarity (0..1) from which a purchase line matches an existing product of the same brand and size; below it a new product is created.',
    ),
});
export type Config = z.infer<typeof envSchema>;
