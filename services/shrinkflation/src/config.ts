/** Environment of shrinkflation; docs/configuration.md is generated from this schema. */
import { defaultServiceUrl } from '@cartwatch/common-types';
import { serviceEnvSchema } from '@cartwatch/service-runtime';
import { z } from 'zod';

export const envSchema = serviceEnvSchema('shrinkflation', {
  SHRINK_MIN_CONTRIBUTORS: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(3)
    .describe(
      'Distinct shoppers whose receipts make a detection independent evidence (a store-sourced price does too, and an admin confirmation): only then is it public and alerts every buyer; before, only its contributors (docs/shrinkflation.md).',
    ),
  SHRINK_HIGH_CONFIDENCE: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(0.8)
    .describe(
      'Confidence from which a detection alerts buyers (publishes `shrinkflation.detected.v1`) and is listed ' +
        'publicly without a reviewer; confirmed detections always do, rejected ones never.',
    ),
  SHRINK_MIN_OBSERVATIONS_AFTER: z.coerce
    .number()
    .int()
    .min(2)
    .max(50)
    .default(2)
    .describe(
      'Regular-price observations of the new size needed before a change counts (a one-off never does).',
    ),
  SHRINK_MIN_SIZE_DROP_PCT: z.coerce
    .number()
    .min(0)
    .max(50)
    .default(0.5)
    .describe('Smallest pack-size drop, in percent, that counts; smaller ones are label rounding.'),
  SHRINK_SUCCESSOR_MAX_GAP_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(730)
    .default(90)
    .describe(
      'Longest gap between the old product last seen and the new one first seen in a store for a pairing.',
    ),
  SHRINK_SUCCESSOR_OVERLAP_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .max(90)
    .default(14)
    .describe('How long the old product may still be seen in a store after its successor appeared there.'),
  GATEWAY_URL: z
    .url({ protocol: /^https?$/ })
    .default(defaultServiceUrl('gateway'))
    .describe(
      `Base URL of the gateway, whose public cache this service purges after a review (default ${defaultServiceUrl('gateway')}).`,
    ),
});
export type Config = z.infer<typeof envSchema>;
