/**
 * `/device/*`: what a cart calls through the gateway with `Authorization: Bearer cwd_<keyId>_<secret>`
 * (no JWT). Every request is authenticated by its key, then rate-limited per device (`deviceAuth`, the
 * first `use` of every device route).
 */
import { DeviceStatus, Heartbeat, PairingCode } from '@cartwatch/common-types';
import {
  defineRoute,
  errorResponses,
  type OpenAPIRegistry,
  type RouteDefinition,
} from '@cartwatch/service-kit';
import type { RequestHandler } from 'express';
import { currentDevice, setCurrentDevice } from '../auth/device-context.js';
import type { Deps } from '../deps.js';
import { createPairingCode, deviceStatus, unpairDevice } from '../pairing/pairing.service.js';
import { authenticateDevice, recordHeartbeat } from './device.service.js';

export function deviceAuth(deps: Deps): RequestHandler {
  return async (req, _res, next) => {
    const device = await authenticateDevice(deps, req.headers.authorization);
    await deps.deviceLimiter.consume(device.id);
    setCurrentDevice(req, device);
    next();
  };
}

/** The security requirement of every `/device/*` route: the device's own key. */
export const deviceKeySecurity = [{ deviceKey: [] }];

export function registerDeviceKeyScheme(registry: OpenAPIRegistry): void {
  registry.registerComponent('securitySchemes', 'deviceKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'Device key `cwd_<keyId>_<secret>` issued by POST /devices.',
  });
}

export function deviceApiRoutes(deps: Deps): RouteDefinition[] {
  const use = [deviceAuth(deps)];
  const errors = errorResponses('UNAUTHENTICATED', 'RATE_LIMITED');
  return [
    defineRoute({
      method: 'post',
      path: '/device/heartbeat',
      tags: ['device'],
      security: deviceKeySecurity,
      summary: 'Report liveness and firmware version; answers the pairing state',
      use,
      request: { body: Heartbeat },
      responses: {
        200: { description: 'Device status', content: { 'application/json': { schema: DeviceStatus } } },
        ...errors,
        ...errorResponses('VALIDATION_FAILED'),
      },
      handler: async ({ body }, req, res) => {
        const device = currentDevice(req);
        await recordHeartbeat(deps, device, body.firmwareVersion);
        res.json(await deviceStatus(deps, device));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/device/pairing-code',
      tags: ['device'],
      security: deviceKeySecurity,
      summary: 'A new short-lived, single-use pairing code to show (retires the previous one)',
      use,
      responses: {
        201: { description: 'The code', content: { 'application/json': { schema: PairingCode } } },
        ...errors,
        ...errorResponses('CONFLICT'),
      },
      handler: async (_input, req, res) => {
        res.status(201).json(await createPairingCode(deps, currentDevice(req)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/device/session',
      tags: ['device'],
      security: deviceKeySecurity,
      summary: 'The pairing state of this cart',
      use,
      responses: {
        200: { description: 'Device status', content: { 'application/json': { schema: DeviceStatus } } },
        ...errors,
      },
      handler: async (_input, req, res) => {
        res.json(await deviceStatus(deps, currentDevice(req)));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/device/session',
      tags: ['device'],
      security: deviceKeySecurity,
      summary: 'Unpair from the cart side',
      use,
      responses: { 204: { description: 'Unpaired' }, ...errors, ...errorResponses('NOT_FOUND') },
      handler: async (_input, req, res) => {
        await unpairDevice(deps, currentDevice(req));
        res.status(204).end();
      },
    }),
  ];
}
