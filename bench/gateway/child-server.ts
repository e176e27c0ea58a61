/**
 * How the helper servers of this benchmark (upstream.ts, bare-proxy.ts) run as child processes of
 * run.ts: listen on a free loopback port, report it over the fork IPC channel, stop on 'stop' - or
 * when run.ts is gone (the IPC channel closes), so a failed run leaves no server behind.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

export function serveAsChild(server: http.Server): void {
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  process.once('disconnect', () => process.exit(0));
  process.on('message', (message) => {
    if (message !== 'stop') return;
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
