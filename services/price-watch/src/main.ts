/** Process entry: config, Postgres, NATS, outbox relay, consumers, HTTP; drains on SIGTERM. */
import { startService } from '@cartwatch/service-runtime';
import { serviceDefinition } from './service.js';

await startService(serviceDefinition);
