/** POST /receipts/photo and the draft's review routes (docs/receipt-ingest.md#receipts-from-photos). */
import { ReceiptIngestApi as Api } from '@cartwatch/common-types';
import { defineRoute, errorResponses, type RouteDefinition } from '@cartwatch/service-kit';
import { z } from 'zod';
import type { AppDeps } from '../../app-deps.js';
import { photoTypes } from './image-input.js';
import {
  ConfirmPhotoInput,
  PhotoAccepted,
  PhotoDraftInput,
  PhotoIdParams,
  PhotoReceipt,
} from './photo.schemas.js';
import * as photoService from './photo.service.js';

const binary = z.string().meta({ format: 'binary' });

export function photoRoutes({ database, config }: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/receipts/photo',
      summary:
        'Upload a receipt photo (raw body: JPEG, PNG, WebP or HEIC); OCR runs in the background. The same photo again answers 200 with its existing draft',
      user: 'required',
      // Documented only: the handler reads the raw body itself.
      request: {
        body: { content: Object.fromEntries(photoTypes.map((type) => [type, { schema: binary }])) },
      },
      responses: {
        200: {
          description: 'Uploaded before: the existing draft',
          content: { 'application/json': { schema: PhotoAccepted } },
        },
        202: { description: 'Queued for OCR', content: { 'application/json': { schema: PhotoAccepted } } },
        ...errorResponses('UNAUTHENTICATED', 'PAYLOAD_TOO_LARGE', 'UNPROCESSABLE'),
      },
      handler: async ({ user }, req, res) => {
        const bytes = await photoService.readPhotoBody(req, config.PHOTO_MAX_BYTES, () =>
          res.setHeader('connection', 'close'),
        );
        const accepted = await photoService.uploadPhoto(database, user.id, bytes, config.PHOTO_MAX_PIXELS);
        res.status(accepted.duplicate ? 200 : 202).json(accepted);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/receipts/photo/:id',
      summary: 'A photo receipt: its OCR status and draft',
      user: 'required',
      request: { params: PhotoIdParams },
      responses: {
        200: { description: 'The photo receipt', content: { 'application/json': { schema: PhotoReceipt } } },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, user }) => photoService.getPhoto(database, user.id, params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/receipts/photo/:id/image',
      summary: 'The photo (upright JPEG once recognised); 404 once deleted',
      user: 'required',
      request: { params: PhotoIdParams },
      responses: {
        200: { description: 'The image', content: { 'image/jpeg': { schema: binary } } },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      handler: async ({ params, user }, _req, res) => {
        const { image, type } = await photoService.getPhotoImage(database, user.id, params.id);
        res.setHeader('cache-control', 'private, no-store');
        res.type(type).send(image);
      },
    }),
    defineRoute({
      method: 'put',
      path: '/receipts/photo/:id/draft',
      summary: 'Replace the draft (store, date, currency, lines: edit, add, delete)',
      user: 'required',
      request: { params: PhotoIdParams, body: PhotoDraftInput },
      responses: {
        200: {
          description: 'The updated photo receipt',
          content: { 'application/json': { schema: PhotoReceipt } },
        },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'CONFLICT'),
      },
      read: ({ params, body, user }) => photoService.updateDraft(database, user.id, params.id, body),
    }),
    defineRoute({
      method: 'post',
      path: '/receipts/photo/:id/confirm',
      summary:
        'Record the draft as a purchase (the same photo twice is one purchase); the photo is deleted unless keepPhoto',
      user: 'required',
      request: { params: PhotoIdParams, body: ConfirmPhotoInput },
      responses: {
        200: {
          description: 'Recorded before: the existing purchase',
          content: { 'application/json': { schema: Api.ImportResult } },
        },
        201: { description: 'Recorded', content: { 'application/json': { schema: Api.ImportResult } } },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'CONFLICT'),
      },
      handler: async ({ params, body, user }, _req, res) => {
        const result = await photoService.confirmPhoto(database, user.id, params.id, body);
        res.status(result.created ? 201 : 200).json(result);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/receipts/photo/:id',
      summary: 'Delete a photo receipt and its photo (a recorded purchase stays)',
      user: 'required',
      request: { params: PhotoIdParams },
      responses: {
        204: { description: 'Deleted' },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      handler: async ({ params, user }, _req, res) => {
        await photoService.deletePhoto(database, user.id, params.id);
        res.status(204).end();
      },
    }),
  ];
}
