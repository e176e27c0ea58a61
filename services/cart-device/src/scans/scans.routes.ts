/** `POST /device/scans`: a scan from the paired cart, answered with the cart for its screen. */
import { ScanRequest, ScanResult } from '@cartwatch/common-types';
import { defineRoute, errorResponses, type RouteDefinition, requestIdOf } from '@cartwatch/service-kit';
import { currentDevice } from '../auth/device-context.js';
import type { Deps } from '../deps.js';
import { deviceAuth, deviceKeySecurity } from '../devices/device-api.routes.js';
import { applyScan } from './scan.service.js';

export function scanRoutes(deps: Deps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/device/scans',
      tags: ['device'],
      security: deviceKeySecurity,
      summary: "Add or remove a scanned product in the paired shopper's cart (idempotent per scanId)",
      use: [deviceAuth(deps)],
      request: { body: ScanRequest },
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
      handler: async ({ body }, req, res) => {
        res.json(await applyScan(deps, currentDevice(req), body, { requestId: requestIdOf(req) }));
      },
    }),
  ];
}
