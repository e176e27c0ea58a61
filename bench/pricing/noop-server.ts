/**
 * The floor of bench/pricing's open-loop table: a bare node:http server in a process of its own that
 * answers every request with a small JSON body, measured exactly like the price-watch routes (the IPC of
 * child-server.ts).
 */
import { createServer } from 'node:http';
import { serveToParent } from './child-server.js';

const body = JSON.stringify({
  productId: '00000000-0000-0000-0000-000000000000',
  points: [{ period: 'noop' }],
});

serveToParent(() => ({
  server: createServer((_request, response) => {
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  }),
}));
