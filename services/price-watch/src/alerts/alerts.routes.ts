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
import { defineRoute, errorResponses, jsonResponse, type RouteDefinition } from '@cartwatch/service-kit';
import type { DB } from '../db/schema.js';
import { getAlertSettings, listUserAlerts, markAlertRead, updateAlertSettings } from './alerts.service.js';

export function alertRoutes({ database }: { database: Database<DB> }): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/alerts',
      summary: 'Your alerts, newest first',
      user: 'required',
      request: { query: AlertListQuery },
      responses: {
        200: jsonResponse(AlertPage, 'A page of alerts'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ query, user }) => listUserAlerts(database, user.id, query),
    }),
    defineRoute({
      method: 'get',
      path: '/alerts/settings',
      summary: 'Your alert settings',
      user: 'required',
      responses: { 200: jsonResponse(AlertSettings, 'Settings'), ...errorResponses('UNAUTHENTICATED') },
      read: ({ user }) => getAlertSettings(database, user.id),
    }),
    defineRoute({
      method: 'put',
      path: '/alerts/settings',
      summary: 'Change your alert settings (fields not given stay as they are)',
      user: 'required',
      request: { body: AlertSettingsUpdate },
      responses: {
        200: jsonResponse(AlertSettings, 'Settings'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ body, user }) => updateAlertSettings(database, user.id, body),
    }),
    defineRoute({
      method: 'post',
      path: '/alerts/:id/read',
      summary: 'Mark one of your alerts read',
      user: 'required',
      request: { params: AlertParams },
      responses: {
        200: jsonResponse(Alert, 'The alert'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, user }) => markAlertRead(database, user.id, params.id),
    }),
  ];
}
