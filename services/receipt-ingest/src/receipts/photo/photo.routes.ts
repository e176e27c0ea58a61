/** POST /receipts/photo and the draft's review routes (docs/receipt-ingest.md#receipts-from-photos). */
import { ReceiptIngestApi as Api } from '@cartwatch/common-types';
import {
  currentUser,
  errorResponses,
  type OpenAPIRegistry,
  parseBody,
  parseParams,
  requireUser,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
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

export function registerPhotoRoutes(app: Express, { database, config }: AppDeps): void {
  app.post('/receipts/photo', requireUser, async (req, res) => {
    const bytes = await photoService.readPhotoBody(req, config.PHOTO_MAX_BYTES, () =>
      res.setHeader('connection', 'close'),
    );
    const accepted = await photoService.uploadPhoto(
      database,
      currentUser(req).id,
      bytes,
      config.PHOTO_MAX_PIXELS,
    );
    res.status(accepted.duplicate ? 200 : 202).json(accepted);
  });

  app.get('/receipts/photo/:id', requireUser, async (req, res) => {
    const { id } = parseParams(PhotoIdParams, req);
    res.json(await photoService.getPhoto(database, currentUser(req).id, id));
  });

  app.get('/receipts/photo/:id/image', requireUser, async (req, res) => {
    const { id } = parseParams(PhotoIdParams, req);
    const { image, type } = await photoService.getPhotoImage(database, currentUser(req).id, id);
    res.setHeader('cache-control', 'private, no-store');
    res.type(type).send(image);
  });

  app.put('/receipts/photo/:id/draft', requireUser, async (req, res) => {
    const { id } = parseParams(PhotoIdParams, req);
    const input = parseBody(PhotoDraftInput, req);
    res.json(await photoService.updateDraft(database, currentUser(req).id, id, input));
  });

  app.post('/receipts/photo/:id/confirm', requireUser, async (req, res) => {
    const { id } = parseParams(PhotoIdParams, req);
    const input = parseBody(ConfirmPhotoInput, req);
    const result = await photoService.confirmPhoto(database, currentUser(req).id, id, input);
    res.status(result.created ? 201 : 200).json(result);
  });

  app.delete('/receipts/photo/:id', requireUser, async (req, res) => {
    const { id } = parseParams(PhotoIdParams, req);
    await photoService.deletePhoto(database, currentUser(req).id, id);
    res.status(204).end();
  });
}

const idParams = z.object({ id: z.uuid() });

export function documentPhotoRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/receipts/photo',
    summary:
      'Upload a receipt photo (raw body: JPEG, PNG, WebP or HEIC); OCR runs in the background. The same photo again answers 200 with its existing draft',
    request: {
      body: {
        content: Object.fromEntries(
          photoTypes.map((type) => [type, { schema: z.string().meta({ format: 'binary' }) }]),
        ),
      },
    },
    responses: {
      200: {
        description: 'Uploaded before: the existing draft',
        content: { 'application/json': { schema: PhotoAccepted } },
      },
      202: { description: 'Queued for OCR', content: { 'application/json': { schema: PhotoAccepted } } },
      ...errorResponses('UNAUTHENTICATED', 'PAYLOAD_TOO_LARGE', 'UNPROCESSABLE'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/receipts/photo/{id}',
    summary: 'A photo receipt: its OCR status and draft',
    request: { params: idParams },
    responses: {
      200: { description: 'The photo receipt', content: { 'application/json': { schema: PhotoReceipt } } },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/receipts/photo/{id}/image',
    summary: 'The photo (upright JPEG once recognised); 404 once deleted',
    request: { params: idParams },
    responses: {
      200: {
        description: 'The image',
        content: { 'image/jpeg': { schema: z.string().meta({ format: 'binary' }) } },
      },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'put',
    path: '/receipts/photo/{id}/draft',
    summary: 'Replace the draft (store, date, currency, lines: edit, add, delete)',
    request: { params: idParams, body: { content: { 'application/json': { schema: PhotoDraftInput } } } },
    responses: {
      200: {
        description: 'The updated photo receipt',
        content: { 'application/json': { schema: PhotoReceipt } },
      },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'CONFLICT'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/receipts/photo/{id}/confirm',
    summary:
      'Record the draft as a purchase (the same photo twice is one purchase); the photo is deleted unless keepPhoto',
    request: { params: idParams, body: { content: { 'application/json': { schema: ConfirmPhotoInput } } } },
    responses: {
      200: {
        description: 'Recorded before: the existing purchase',
        content: { 'application/json': { schema: Api.ImportResult } },
      },
      201: { description: 'Recorded', content: { 'application/json': { schema: Api.ImportResult } } },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'CONFLICT'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/receipts/photo/{id}',
    summary: 'Delete a photo receipt and its photo (a recorded purchase stays)',
    request: { params: idParams },
    responses: {
      204: { description: 'Deleted' },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
}
