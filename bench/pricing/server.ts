/**
 * The price-watch app of bench/pricing in a process of its own, so the load generator never shares
 * the server's event loop (the IPC of child-server.ts). On `close` the requests the load generator left
 * in flight finish before the pool closes.
 */
import { createServer } from 'node:http';
import { serviceDefinition } from '@cartwatch/price-watch';
import { createAppFromEnv } from '@cartwatch/service-runtime';
import { serveToParent } from './child-server.js';

serveToParent((env) => {
  const built = createAppFromEnv(serviceDefinition, env);
  return { server: createServer(built.app), cleanup: () => built.close() };
});
