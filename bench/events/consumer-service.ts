/**
 * The consuming service of the benchmark, run as its own process by run.ts (as in production, where the
 * producing and the consuming service are different processes): an EventConsumer whose handler writes
 * one row per event (one multi-row insert per run of events through `handleMany`). Its settings come as JSON in argv[2]; it sends 'ready' over the fork IPC channel and stops on 'stop'.
 */
import { createDatabase } from '@cartwatch/db';
import { connectNats, defineHandler, EventConsumer } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { type BenchTables, benchEvent, type ConsumerServiceConfig } from './shared.js';

function appliedRow(event: { id: string; occurredAt: string; data: { phase: string } }) {
  return { event_id: event.id, phase: event.data.phase, occurred_at: new Date(event.occurredAt) };
}

const config = JSON.parse(process.argv[2] ?? '{}') as ConsumerServiceConfig;
const nc = await connectNats({ servers: config.natsUrl, name: 'bench-events-consumer' });
const database = createDatabase<BenchTables>({
  connectionString: config.databaseUrl,
  schema: config.schema,
  max: config.poolSize,
  applicationName: 'bench-events-consumer',
});
const consumer = new EventConsumer({
  name: 'bench',
  database,
  nc,
  logger: pino({ level: 'warn' }),
  streamName: config.streamName,
  subjectPrefix: config.subjectPrefix,
  batchSize: config.batchSize,
  concurrency: config.concurrency,
  registry: new Registry(),
  handlers: [
    defineHandler(
      benchEvent,
      async (trx: Transaction<BenchTables>, event) => {
        await trx.insertInto('bench_applied').values(appliedRow(event)).execute();
      },
      // Consecutive events of a batch: one multi-row insert (BENCH_EVENTS_ONE_BY_ONE=1 leaves it out).
      process.env.BENCH_EVENTS_ONE_BY_ONE === '1'
        ? {}
        : {
            async handleMany(trx: Transaction<BenchTables>, events) {
              await trx.insertInto('bench_applied').values(events.map(appliedRow)).execute();
            },
          },
    ),
  ],
});
await consumer.start();
process.send?.('ready');
process.on('message', async (message) => {
  if (message !== 'stop') return;
  await consumer.stop();
  await database.close();
  await nc.close();
  process.disconnect?.();
});
