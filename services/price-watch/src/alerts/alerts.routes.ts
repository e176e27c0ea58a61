/** Alert routes: the user's alerts (cursor, unread filter), marking read, alert settings. */
import {
  Alert,
  AlertListQuery,
  AlertPage,
  AlertParams,
  AlertSettings,
  AlertSettingsUpdate,
} from '@cartwatch/common-types';
import type { Database } from '@cartwatch/db';
import {
  currentUser,
  errorResponses,
  jsonResponse,
  type OpenAPIRegistry,
  parseBody,
  parseParams,
  parseQuery,
  requireUser,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
import type { DB } from '../db/schema.js';
import { getAlertSettings, listUserAlerts, markAlertRead, updateAlertSettings } from './alerts.service.js';

export function mountAlertRoutes(
  app: Express,
  deps: { database: Database<DB>; registry: OpenAPIRegistry },
): void {
  const { database, registry } = deps;

  registry.registerPath({
    method: 'get',
    path: '/alerts',
    summary: 'Your alerts, newest first',
    request: { query: AlertListQuery },
    responses: {
      200: jsonResponse(AlertPage, 'A page of alerts'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  app.get('/alerts', requireUser, async (req, res) => {
    res.json(await listUserAlerts(database, currentUser(req).id, parseQuery(AlertListQuery, req)));
  });

  registry.registerPath({
    method: 'get',
    path: '/alerts/settings',
    summary: 'Your alert settings',
    responses: { 200: jsonResponse(AlertSettings, 'Settings'), ...errorResponses('UNAUTHENTICATED') },
  });
  app.get('/alerts/settings', requireUser, async (req, res) => {
    res.json(await getAlertSettings(database, currentUser(req).id));
  });

  registry.registerPath({
    method: 'put',
    path: '/alerts/settings',
    summary: 'Change your alert settings (fields not given stay as they are)',
    request: { body: { content: { 'application/json': { schema: AlertSettingsUpdate } } } },
    responses: {
      200: jsonResponse(AlertSettings, 'Settings'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  app.put('/alerts/settings', requireUser, async (req, res) => {
    res.json(await updateAlertSettings(database, currentUser(req).id, parseBody(AlertSettingsUpdate, req)));
  });

  registry.registerPath({
    method: 'post',
    path: '/alerts/{id}/read',
    summary: 'Mark one of your alerts read',
    request: { params: AlertParams },
    responses: {
      200: jsonResponse(Alert, 'The alert'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  app.post('/alerts/:id/read', requireUser, async (req, res) => {
    res.json(await markAlertRead(database, currentUser(req).id, parseParams(AlertParams, req).id));
  });
}
