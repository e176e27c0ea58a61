/**
 * The floor of bench/pricing's open-loop table: a bare node:http server in a process of its own that
 * answers every request with a small JSON body, measured exactly like the price-watch routes. Same IPC
 * as server.ts: `{ env }` -> `{ port }`; `cpu` -> `{ cpuMs }`; `close` -> exits.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const body = JSON.stringify({
  productId: '00000000-0000-0000-0000-000000000000',
  points: [{ period: 'noop' }],
});

process.once('message', () => {
  const server = createServer((_request, response) => {
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  process.on('message', async (command: string) => {
    if (command === 'cpu') {
      const usage = process.cpuUsage();
      process.send?.({ cpuMs: (usage.user + usage.system) / 1000 });
      return;
    }
    await new Promise((resolve) => {
      server.close(resolve);
      server.closeIdleConnections();
    });
    process.exit(0);
  });
});
