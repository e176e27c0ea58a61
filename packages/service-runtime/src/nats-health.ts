/**
 * NATS connection health as metrics, never as readiness (docs/deploy.md, "Readiness means can serve"):
 * while NATS is away the service keeps serving and its writes queue in the outbox, so a NATS blip must
 * not take every pod out of its Service. `cartwatch_nats_connected` (1/0) and
 * `cartwatch_nats_disconnects_total` follow the connection's status events; alerts fire on them.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { Counter, Gauge, type Registry } from 'prom-client';

export function registerNatsConnectionMetrics(nc: NatsConnection, registry: Registry): void {
  let connected = !nc.isClosed();
  new Gauge({
    name: 'cartwatch_nats_connected',
    help: '1 while the NATS connection is up, 0 while it is reconnecting or closed',
    registers: [registry],
    collect() {
      this.set(connected && !nc.isClosed() ? 1 : 0);
    },
  });
  const disconnects = new Counter({
    name: 'cartwatch_nats_disconnects_total',
    help: 'Times the NATS connection was lost',
    registers: [registry],
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        connected = false;
        disconnects.inc();
      } else if (status.type === 'reconnect') connected = true;
      else if (status.type === 'close') connected = false;
    }
  })();
}
