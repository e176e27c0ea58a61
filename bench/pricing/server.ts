/**
 * The price-watch app of bench/pricing in a process of its own, so the load generator never shares
 * the server's event loop. Driven over IPC by run.ts: `{ env }` -> `{ port }`; `cpu` -> `{ cpuMs }`
 * (user + system CPU time of this process so far); `close` -> drains and exits.
 */
import type { AddressInfo } from 'node:net';
import { serviceDefinition } from '@cartwatch/price-watch';
import { createAppFromEnv } from '@cartwatch/service-runtime';

process.once('message', (message: { env: Record<string, string> }) => {
  const built = createAppFromEnv(serviceDefinition, message.env);
  const server = built.app.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  process.on('message', async (command: string) => {
    if (command === 'cpu') {
      const usage = process.cpuUsage();
      process.send?.({ cpuMs: (usage.user + usage.system) / 1000 });
      return;
    }
    // Let the requests the load generator left in flight finish before the pool closes.
    await new Promise((resolve) => {
      server.close(resolve);
      server.closeIdleConnections();
    });
    await built.close();
    process.exit(0);
  });
});
