/**
 * The upstream of the gateway benchmark, run as its own process by run.ts so that the direct and the
 * through-gateway measurements hit the same server under the same conditions (and the load generator
 * does not share an event loop with it): a minimal keep-alive JSON server that answers every request
 * with the body of an empty list page. It sends its port over the fork IPC channel; it stops on 'stop'.
 */
import http from 'node:http';
import { serveAsChild } from './child-server.js';

const body = '{"items":[],"nextCursor":null}';
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
// Node's 5 s default would close idle gateway sockets between phases; the gateway's agent keeps them 10 s.
server.keepAliveTimeout = 60_000;
serveAsChild(server);
