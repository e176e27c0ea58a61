/**
 * The IPC of bench/pricing's server processes (server.ts, noop-server.ts), driven by run.ts: `{ env }`
 * -> `{ port }` once listening; `cpu` -> `{ cpuMs }` (user + system CPU time of this process so far);
 * `close` -> lets the requests in flight finish, runs `cleanup`, exits.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export function serveToParent(
  start: (env: Record<string, string>) => { server: Server; cleanup?: () => Promise<void> },
): void {
  process.once('message', (message: { env: Record<string, string> }) => {
    const { server, cleanup } = start(message.env);
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
      await cleanup?.();
      process.exit(0);
    });
  });
}
