/**
 * `/device/*`: what a cart calls through the gateway with `Authorization: Bearer cwd_<keyId>_<secret>`
 * (no JWT). Every request is authenticated by its key, then rate-limited per device.
 */
import { DeviceStatus, Heartbeat, PairingCode } from '@cartwatch/common-types';
import { errorResponses, type OpenAPIRegistry, parseBody } from '@cartwatch/service-kit';
import { type Express, type RequestHandler, Router } from 'express';
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

export function deviceRouter(deps: Deps): Router {
  const router = Router();
  router.use(deviceAuth(deps));
  router.post('/heartbeat', async (req, res) => {
    const { firmwareVersion } = parseBody(Heartbeat, req);
    const device = currentDevice(req);
    await recordHeartbeat(deps, device, firmwareVersion);
    res.json(await deviceStatus(deps, device));
  });
  router.post('/pairing-code', async (req, res) => {
    res.status(201).json(await createPairingCode(deps, currentDevice(req)));
  });
  router.get('/session', async (req, res) => {
    res.json(await deviceStatus(deps, currentDevice(req)));
  });
  router.delete('/session', async (req, res) => {
    await unpairDevice(deps, currentDevice(req));
    res.status(204).end();
  });
  return router;
}

export function mountDeviceApiRoutes(app: Express, deps: Deps, extra: (router: Router) => void): void {
  const router = deviceRouter(deps);
  extra(router);
  app.use('/device', router);
}

export const deviceSecurity = [{ deviceKey: [] }];

export function registerDeviceApiOpenApi(registry: OpenAPIRegistry): void {
  registry.registerComponent('securitySchemes', 'deviceKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'Device key `cwd_<keyId>_<secret>` issued by POST /devices.',
  });
  const tags = ['device'];
  const errors = errorResponses('UNAUTHENTICATED', 'RATE_LIMITED');
  registry.registerPath({
    method: 'post',
    path: '/device/heartbeat',
    tags,
    security: deviceSecurity,
    summary: 'Report liveness and firmware version; answers the pairing state',
    request: { body: { content: { 'application/json': { schema: Heartbeat } } } },
    responses: {
      200: { description: 'Device status', content: { 'application/json': { schema: DeviceStatus } } },
      ...errors,
      ...errorResponses('VALIDATION_FAILED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/device/pairing-code',
    tags,
    security: deviceSecurity,
    summary: 'A new short-lived, single-use pairing code to show (retires the previous one)',
    responses: {
      201: { description: 'The code', content: { 'application/json': { schema: PairingCode } } },
      ...errors,
      ...errorResponses('CONFLICT'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/device/session',
    tags,
    security: deviceSecurity,
    summary: 'The pairing state of this cart',
    responses: {
      200: { description: 'Device status', content: { 'application/json': { schema: DeviceStatus } } },
      ...errors,
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/device/session',
    tags,
    security: deviceSecurity,
    summary: 'Unpair from the cart side',
    responses: { 204: { description: 'Unpaired' }, ...errors, ...errorResponses('NOT_FOUND') },
  });
}
