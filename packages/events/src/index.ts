/**
 * @cartwatch/events: the event backbone (docs/architecture.md#events). Transactional outbox + relay to JetStream,
 * inbox-deduplicating durable consumers, dead letters and metrics.
 */

export type { DeadLetter, DeadLetterReason } from './dead-letter.js';
export { recordDeletedUser } from './deleted-user.repository.js';
export {
  CONSUMER_DEFAULTS,
  defineHandler,
  EventConsumer,
  type EventConsumerOptions,
  type EventHandler,
  type EventHandlerMap,
  type HandlerContext,
} from './event-consumer.js';
export { type EventMetrics, type HandleOutcome, registerEventMetrics } from './event-metrics.js';
export { eventTablesV1, eventTablesV2 } from './migrations/event-tables.js';
export { type ConnectNatsOptions, connectNats } from './nats-connection.js';
export type { UnpublishedRow } from './outbox.repository.js';
export { outboxChannel } from './outbox-channel.js';
export {
  buildEnvelope,
  EventValidationError,
  MAX_EVENT_BYTES,
  type NewEvent,
  type OutboxExecutor,
  type PendingEvent,
  publish,
  publishMany,
} from './outbox-publish.js';
export { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.js';
export type { AnyDatabase, AnyExecutor, AnyTables } from './schema-agnostic.js';
export { DEFAULT_DUPLICATE_WINDOW_MS, type EnsureStreamOptions, ensureStream } from './stream.js';
