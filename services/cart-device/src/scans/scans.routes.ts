/** `POST /device/scans`: a scan from the paired cart, answered with the cart for its screen. */
import { ScanRequest, ScanResult } from '@cartwatch/common-types';
import { errorResponses, type OpenAPIRegistry, parseBody, requestIdOf } from '@cartwatch/service-kit';
import type { Router } from 'express';
import { currentDevice } from '../auth/device-context.js';
import type { Deps } from '../deps.js';
import { deviceSecurity } from '../devices/device-api.routes.js';
import { applyScan } from './scan.service.js';

export function addScanRoutes(router: Router, deps: Deps): void {
  router.post('/scans', async (req, res) => {
    const input = parseBody(ScanRequest, req);
    res.json(await applyScan(deps, currentDevice(req), input, { requestId: requestIdOf(req) }));
  });
}

export function registerScanOpenApi(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/device/scans',
    tags: ['device'],
    security: deviceSecurity,
    summary: "Add or remove a scanned product in the paired shopper's cart (idempotent per scanId)",
    request: { body: { content: { 'application/json': { schema: ScanRequest } } } },
    responses: {
      200: {
        description: 'The scan and the cart after it',
        content: { 'application/json': { schema: ScanResult } },
      },
      ...errorResponses(
        'VALIDATION_FAILED',
        'UNAUTHENTICATED',
        'NOT_FOUND',
        'CONFLICT',
        'RATE_LIMITED',
        'UPSTREAM_UNAVAILABLE',
        'UPSTREAM_TIMEOUT',
      ),
    },
  });
}
