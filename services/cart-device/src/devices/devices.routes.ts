/**
 * `/devices/*`: admins and the store staff of a cart's retailer manage carts and keys; shoppers pair
 * with a cart and unpair.
 */
import type { IncomingMessage } from 'node:http';
import {
  Device,
  DeviceIdParams,
  DeviceListQuery,
  DevicePage,
  PairDevice,
  PairingSession,
  RegisterDevice,
  RegisteredDevice,
  RotateDeviceKey,
  RotatedDeviceKey,
} from '@cartwatch/common-types';
import {
  currentUser,
  errorResponses,
  jsonResponse,
  type OpenAPIRegistry,
  parseBody,
  parseParams,
  parseQuery,
  requestIdOf,
  requireStaff,
  requireUser,
} from '@cartwatch/service-kit';
import { type Express, Router } from 'express';
import type { Deps } from '../deps.js';
import { pairWithCode, sessionOfUser, unpairUser } from '../pairing/pairing.service.js';
import { getDevice, listDevices, registerDevice, revokeDevice, rotateDeviceKey } from './device.service.js';

export function devicesRouter(deps: Deps): Router {
  const router = Router();

  // Shopper side first, so /devices/pair and /devices/session never match /devices/:id.
  router.post('/pair', requireUser, async (req, res) => {
    const { code } = parseBody(PairDevice, req);
    res.status(201).json(await pairWithCode(deps, currentUser(req), code));
  });
  router.get('/session', requireUser, async (req, res) => {
    res.json(await sessionOfUser(deps, currentUser(req)));
  });
  router.delete('/session', requireUser, async (req, res) => {
    await unpairUser(deps, currentUser(req));
    res.status(204).end();
  });

  const ctx = (req: IncomingMessage) => ({ requestId: requestIdOf(req) });
  router.post('/', requireStaff, async (req, res) => {
    const input = parseBody(RegisterDevice, req);
    res.status(201).json(await registerDevice(deps, input, currentUser(req), ctx(req)));
  });
  router.get('/', requireStaff, async (req, res) => {
    res.json(await listDevices(deps, parseQuery(DeviceListQuery, req), currentUser(req), ctx(req)));
  });
  router.get('/:id', requireStaff, async (req, res) => {
    res.json(await getDevice(deps, parseParams(DeviceIdParams, req).id, currentUser(req), ctx(req)));
  });
  router.post('/:id/rotate-key', requireStaff, async (req, res) => {
    const { id } = parseParams(DeviceIdParams, req);
    const { graceSeconds } = parseBody(RotateDeviceKey, req);
    res.status(201).json(await rotateDeviceKey(deps, id, graceSeconds, currentUser(req), ctx(req)));
  });
  router.post('/:id/revoke', requireStaff, async (req, res) => {
    const { id } = parseParams(DeviceIdParams, req);
    res.json(await revokeDevice(deps, id, currentUser(req), ctx(req)));
  });
  return router;
}

export function mountDevicesRoutes(app: Express, deps: Deps): void {
  app.use('/devices', devicesRouter(deps));
}

export function registerDevicesOpenApi(registry: OpenAPIRegistry): void {
  const tags = ['devices'];
  registry.registerPath({
    method: 'post',
    path: '/devices/pair',
    tags,
    summary: 'Pair with the cart showing this code',
    request: { body: { content: { 'application/json': { schema: PairDevice } } } },
    responses: {
      201: jsonResponse(PairingSession, 'The new session'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/devices/session',
    tags,
    summary: "The caller's active pairing session",
    responses: {
      200: jsonResponse(PairingSession, 'The session'),
      ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/devices/session',
    tags,
    summary: 'Unpair from the cart',
    responses: { 204: { description: 'Unpaired' }, ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND') },
  });
  registry.registerPath({
    method: 'post',
    path: '/devices',
    tags,
    summary:
      "Register a cart at a store location (admin, or store staff of the location's retailer); its key is shown once",
    request: { body: { content: { 'application/json': { schema: RegisterDevice } } } },
    responses: {
      201: jsonResponse(RegisteredDevice, 'The device and its key'),
      ...errorResponses(
        'VALIDATION_FAILED',
        'UNAUTHENTICATED',
        'FORBIDDEN',
        'NOT_FOUND',
        'UPSTREAM_UNAVAILABLE',
      ),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/devices',
    tags,
    summary: "List carts: every cart (admin), the carts of their retailer's locations (store staff)",
    request: { query: DeviceListQuery },
    responses: {
      200: jsonResponse(DevicePage, 'A page of devices'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'UPSTREAM_UNAVAILABLE'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/devices/{id}',
    tags,
    summary: "One cart (admin, or store staff of its location's retailer)",
    request: { params: DeviceIdParams },
    responses: {
      200: jsonResponse(Device, 'The device'),
      ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'UPSTREAM_UNAVAILABLE'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/devices/{id}/rotate-key',
    tags,
    summary: 'Issue a new key; earlier keys work until the grace period ends (admin or the store staff)',
    request: {
      params: DeviceIdParams,
      body: { content: { 'application/json': { schema: RotateDeviceKey } } },
    },
    responses: {
      201: jsonResponse(RotatedDeviceKey, 'The new key, shown once'),
      ...errorResponses(
        'VALIDATION_FAILED',
        'UNAUTHENTICATED',
        'FORBIDDEN',
        'NOT_FOUND',
        'CONFLICT',
        'UPSTREAM_UNAVAILABLE',
      ),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/devices/{id}/revoke',
    tags,
    summary: 'Revoke the cart and all its keys at once, ending its session (admin or the store staff)',
    request: { params: DeviceIdParams },
    responses: {
      200: jsonResponse(Device, 'The revoked device'),
      ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'UPSTREAM_UNAVAILABLE'),
    },
  });
}
