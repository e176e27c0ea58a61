/**
 * Prometheus metrics of the event backbone (docs/architecture.md#operations: outbox backlog and age, consumer lag,
 * DLQ count). Registered once per registry; relays and consumers add their label values.
 */
import { Counter, register as defaultRegistry, Gauge, type Registry } from 'prom-client';

/** `user_deleted`: acked without running the handler, because the event's user is deleted. */
export type HandleOutcome = 'handled' | 'duplicate' | 'user_deleted' | 'failed' | 'dead_lettered';

/** Reads one schema's unpublished backlog; registered by each running relay, read on scrape. */
export type OutboxBacklogSource = () => Promise<{ backlog: number; oldestAgeSeconds: number }>;

export interface EventMetrics {
  outboxBacklog: Gauge<'schema'>;
  outboxOldestAgeSeconds: Gauge<'schema'>;
  outboxPublished: Counter<'schema'>;
  eventsHandled: Counter<'consumer' | 'type' | 'outcome'>;
  consumerLag: Gauge<'consumer'>;
  deadLettered: Counter<'consumer'>;
  /** schema -> backlog reader, polled when the registry is scraped. */
  backlogSources: Map<string, OutboxBacklogSource>;
}

const metricsByRegistry = new WeakMap<Registry, EventMetrics>();

/** Registers the event metrics on `registry` (default: prom-client's global one); idempotent. */
export function registerEventMetrics(registry: Registry = defaultRegistry): EventMetrics {
  const existing = metricsByRegistry.get(registry);
  if (existing) return existing;
  const backlogSources = new Map<string, OutboxBacklogSource>();
  const backlogSnapshot = new Map<string, { backlog: number; oldestAgeSeconds: number }>();
  // Both outbox gauges come from one query per schema per scrape.
  const refreshBacklog = async (): Promise<void> => {
    for (const schema of backlogSnapshot.keys())
      if (!backlogSources.has(schema)) backlogSnapshot.delete(schema);
    await Promise.all(
      [...backlogSources].map(async ([schema, read]) => {
        try {
          backlogSnapshot.set(schema, await read());
        } catch {
          // Keep the last value: a scrape must not fail because the database blips.
        }
      }),
    );
  };
  let refreshing: Promise<void> | undefined;
  const refreshOnce = (): Promise<void> => {
    refreshing ??= refreshBacklog().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };

  const metrics: EventMetrics = {
    outboxBacklog: new Gauge({
      name: 'cartwatch_outbox_backlog',
      help: 'Outbox rows not yet published to JetStream',
      labelNames: ['schema'],
      registers: [registry],
      async collect() {
        await refreshOnce();
        this.reset();
        for (const [schema, value] of backlogSnapshot) this.set({ schema }, value.backlog);
      },
    }),
    outboxOldestAgeSeconds: new Gauge({
      name: 'cartwatch_outbox_oldest_age_seconds',
      help: 'Age of the oldest unpublished outbox row (0 when the outbox is drained)',
      labelNames: ['schema'],
      registers: [registry],
      async collect() {
        await refreshOnce();
        this.reset();
        for (const [schema, value] of backlogSnapshot) this.set({ schema }, value.oldestAgeSeconds);
      },
    }),
    outboxPublished: new Counter({
      name: 'cartwatch_outbox_published_total',
      help: 'Outbox rows published to JetStream and marked published',
      labelNames: ['schema'],
      registers: [registry],
    }),
    eventsHandled: new Counter({
      name: 'cartwatch_events_handled_total',
      help: 'Messages processed by consumers, by outcome (handled, duplicate, user_deleted, failed, dead_lettered)',
      labelNames: ['consumer', 'type', 'outcome'],
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: 'cartwatch_consumer_lag',
      help: 'Messages waiting for a consumer: num_pending + num_ack_pending over its durables',
      labelNames: ['consumer'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'cartwatch_dlq_total',
      help: 'Messages a consumer sent to its dead-letter subject',
      labelNames: ['consumer'],
      registers: [registry],
    }),
    backlogSources,
  };
  metricsByRegistry.set(registry, metrics);
  return metrics;
}
