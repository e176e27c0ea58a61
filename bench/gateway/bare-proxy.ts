/**
 * The floor of the gateway benchmark: the least a node proxy can do - node:http in, node:http out
 * through a keep-alive agent, headers and body passed through, no authentication, limits or logging.
 * run.ts measures it beside the gateway so the gateway's own cost can be told from node's.
 * Target URL in argv[2]; it sends its port over the fork IPC channel and stops on 'stop'.
 */
import http from 'node:http';
import { serveAsChild } from './child-server.js';

const target = new URL(process.argv[2] ?? 'http://127.0.0.1:1');
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const server = http.createServer((req, res) => {
  const upstream = http.request(
    {
      host: target.hostname,
      port: target.port,
      path: req.url,
      method: req.method,
      headers: req.headers,
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
});
serveAsChild(server);
