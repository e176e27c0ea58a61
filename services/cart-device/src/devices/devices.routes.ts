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
  defineRoute,
  errorResponses,
  jsonResponse,
  type RouteDefinition,
  requestIdOf,
  requireStaff,
} from '@cartwatch/service-kit';
import type { Deps } from '../deps.js';
import { pairWithCode, sessionOfUser, unpairUser } from '../pairing/pairing.service.js';
import { getDevice, listDevices, registerDevice, revokeDevice, rotateDeviceKey } from './device.service.js';

export function devicesRoutes(deps: Deps): RouteDefinition[] {
  const ctx = (req: IncomingMessage) => ({ requestId: requestIdOf(req) });
  return [
    // Shopper side first, so /devices/pair and /devices/session never match /devices/:id.
    defineRoute({
      method: 'post',
      path: '/devices/pair',
      tags: ['devices'],
      summary: 'Pair with the cart showing this code',
      user: 'required',
      request: { body: PairDevice },
      responses: {
        201: jsonResponse(PairingSession, 'The new session'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED'),
      },
      handler: async ({ body, user }, _req, res) => {
        res.status(201).json(await pairWithCode(deps, user, body.code));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/devices/session',
      tags: ['devices'],
      summary: "The caller's active pairing session",
      user: 'required',
      responses: {
        200: jsonResponse(PairingSession, 'The session'),
        ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ user }) => sessionOfUser(deps, user),
    }),
    defineRoute({
      method: 'delete',
      path: '/devices/session',
      tags: ['devices'],
      summary: 'Unpair from the cart',
      user: 'required',
      responses: { 204: { description: 'Unpaired' }, ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND') },
      handler: async ({ user }, _req, res) => {
        await unpairUser(deps, user);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'post',
      path: '/devices',
      tags: ['devices'],
      summary:
        "Register a cart at a store location (admin, or store staff of the location's retailer); its key is shown once",
      use: [requireStaff],
      request: { body: RegisterDevice },
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
      handler: async ({ body }, req, res) => {
        res.status(201).json(await registerDevice(deps, body, currentUser(req), ctx(req)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/devices',
      tags: ['devices'],
      summary: "List carts: every cart (admin), the carts of their retailer's locations (store staff)",
      use: [requireStaff],
      request: { query: DeviceListQuery },
      responses: {
        200: jsonResponse(DevicePage, 'A page of devices'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'UPSTREAM_UNAVAILABLE'),
      },
      handler: async ({ query }, req, res) => {
        res.json(await listDevices(deps, query, currentUser(req), ctx(req)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/devices/:id',
      tags: ['devices'],
      summary: "One cart (admin, or store staff of its location's retailer)",
      use: [requireStaff],
      request: { params: DeviceIdParams },
      responses: {
        200: jsonResponse(Device, 'The device'),
        ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'UPSTREAM_UNAVAILABLE'),
      },
      handler: async ({ params }, req, res) => {
        res.json(await getDevice(deps, params.id, currentUser(req), ctx(req)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/devices/:id/rotate-key',
      tags: ['devices'],
      summary: 'Issue a new key; earlier keys work until the grace period ends (admin or the store staff)',
      use: [requireStaff],
      request: { params: DeviceIdParams, body: RotateDeviceKey },
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
      handler: async ({ params, body }, req, res) => {
        res
          .status(201)
          .json(await rotateDeviceKey(deps, params.id, body.graceSeconds, currentUser(req), ctx(req)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/devices/:id/revoke',
      tags: ['devices'],
      summary: 'Revoke the cart and all its keys at once, ending its session (admin or the store staff)',
      use: [requireStaff],
      request: { params: DeviceIdParams },
      responses: {
        200: jsonResponse(Device, 'The revoked device'),
        ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'UPSTREAM_UNAVAILABLE'),
      },
      handler: async ({ params }, req, res) => {
        res.json(await revokeDevice(deps, params.id, currentUser(req), ctx(req)));
      },
    }),
  ];
}
