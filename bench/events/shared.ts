/** What the benchmark's producing side (run.ts) and consuming process (consumer-service.ts) share. */
import { defineEvent } from '@cartwatch/common-types';
import type { Generated } from 'kysely';
import { z } from 'zod';

export const benchEvent = defineEvent(
  'bench.measured.v1',
  z.object({
    sampleId: z.uuid(),
    phase: z.enum(['throughput', 'sustained', 'latency']),
    padding: z.string(),
  }),
);

export interface BenchTables {
  bench_applied: { event_id: string; phase: string; occurred_at: Date; handled_at: Generated<Date> };
}

export interface ConsumerServiceConfig {
  databaseUrl: string;
  natsUrl: string;
  schema: string;
  streamName: string;
  subjectPrefix: string;
  batchSize: number;
  concurrency: number;
  poolSize: number;
}
