/**
 * The gateway's merged OpenAPI document built from the real apps of all seven services: each upstream
 * app listens on an ephemeral loopback port and the gateway app merges their `/internal/openapi.json` as
 * it does in production. Used by test/openapi.test.ts and scripts/generate-openapi.ts (the committed
 * contract, packages/api-contract/openapi.json).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { services, upstreamServices } from '@cartwatch/common-types';
import { OPENAPI_PATH } from '@cartwatch/service-kit';
import { buildApps } from './services.js';

export type Json = Record<string, unknown>;

/** The committed public API contract. */
export const contractFile = new URL('../../../packages/api-contract/openapi.json', import.meta.url);

/** The merged document, and each upstream service's own document. */
export async function mergedOpenApi(
  env: NodeJS.ProcessEnv,
  serviceDocuments?: Map<string, Json>,
): Promise<Json> {
  const servers: http.Server[] = [];
  const closers: Array<() => Promise<void>> = [];
  const listen = async (app: http.RequestListener) => {
    const server = http.createServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  try {
    const urls: Record<string, string> = {};
    for (const name of upstreamServices) {
      const { app, close } = buildApps[name](env);
      closers.push(close);
      const url = await listen(app);
      urls[services[name].urlEnv] = url;
      // Each app builds its document once, on the first request. Building it here, without the gateway's
      // short per-service fetch timeout, keeps a busy machine from turning a slow first build into a
      // "missing service".
      const own = await fetch(`${url}${OPENAPI_PATH}`, {
        headers: { 'x-service-key': env.SERVICE_KEY ?? '' },
      });
      if (!own.ok) throw new Error(`${name} answered ${OPENAPI_PATH} with HTTP ${own.status}`);
      serviceDocuments?.set(name, (await own.json()) as Json);
    }
    const gateway = buildApps.gateway({ ...env, ...urls });
    closers.push(gateway.close);
    const response = await fetch(`${await listen(gateway.app)}/openapi.json`);
    if (!response.ok) throw new Error(`gateway answered /openapi.json with HTTP ${response.status}`);
    const document = (await response.json()) as Json;
    if (document['x-unavailable-services'])
      throw new Error(`services missing from the document: ${String(document['x-unavailable-services'])}`);
    return document;
  } finally {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await Promise.all(closers.map((close) => close()));
  }
}
