import { randomUUID } from 'node:crypto';
import { type RequestHandler, Router } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  buildOpenApiDocument,
  createOpenApiRegistry,
  defineRoute,
  errorResponses,
  jsonResponse,
  mountedRoutes,
  mountRoutes,
  openApiPath,
} from '../src/index.js';
import { buildApp, TEST_KEY, userHeaders } from './helpers.js';

const NoteParams = z.strictObject({ id: z.uuid() });
const NoteQuery = z.strictObject({ full: z.enum(['yes', 'no']).default('no') });
const CreateNote = z.strictObject({ text: z.string().min(1) });
const Note = z.object({ id: z.uuid(), text: z.string() });

function notesApp() {
  const seen: unknown[] = [];
  const registry = createOpenApiRegistry();
  const tagged: RequestHandler = (_req, res, next) => {
    res.setHeader('x-tagged', 'yes');
    next();
  };
  const routes = [
    defineRoute({
      method: 'post',
      path: '/notes',
      summary: 'Write a note',
      tags: ['notes'],
      security: [{ deviceKey: [] }],
      user: 'required',
      use: [tagged],
      request: { body: CreateNote },
      responses: { 201: jsonResponse(Note, 'The note'), ...errorResponses('VALIDATION_FAILED') },
      handler: ({ body, user }, _req, res) => {
        seen.push({ body, user: user.id });
        res.status(201).json({ id: randomUUID(), text: body.text });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/notes/:id',
      summary: 'One note',
      request: { params: NoteParams, query: NoteQuery },
      responses: { 200: jsonResponse(Note, 'The note') },
      read: async ({ params, query, user }) => {
        seen.push({ params, query, user: user?.id ?? null });
        return { id: params.id, text: query.full };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/notes/:id/image',
      summary: 'Attach an image (raw body)',
      request: {
        params: NoteParams,
        body: { content: { 'image/png': { schema: z.string().meta({ format: 'binary' }) } } },
      },
      responses: { 204: { description: 'Attached' } },
      handler: ({ body }, _req, res) => {
        seen.push({ rawBody: body });
        res.status(204).end();
      },
    }),
  ];
  const app = buildApp((router) => {
    const nested = Router();
    nested.get('/inner/:x', (_req, res) => res.end());
    router.use('/sub', nested);
    mountRoutes(router, registry, routes);
  });
  return { app, registry, seen };
}

describe('defineRoute', () => {
  it('documents each route from the schemas it parses with', () => {
    const { registry } = notesApp();
    const document = buildOpenApiDocument(registry, 'orders');
    expect(Object.keys(document.paths ?? {}).sort()).toEqual(['/notes', '/notes/{id}', '/notes/{id}/image']);
    const post = document.paths?.['/notes']?.post;
    expect(post?.summary).toBe('Write a note');
    expect(post?.tags).toEqual(['notes']);
    expect(post?.security).toEqual([{ deviceKey: [] }]);
    expect(document.paths?.['/notes/{id}']?.get?.tags).toBeUndefined();
    expect(
      Object.keys(post?.requestBody && 'content' in post.requestBody ? post.requestBody.content : {}),
    ).toEqual(['application/json']);
    expect(Object.keys(post?.responses ?? {}).sort()).toEqual(['201', '400']);
    const get = document.paths?.['/notes/{id}']?.get;
    expect(get?.parameters?.map((parameter) => ('name' in parameter ? parameter.name : '')).sort()).toEqual([
      'full',
      'id',
    ]);
    const put = document.paths?.['/notes/{id}/image']?.put;
    expect(
      Object.keys(put?.requestBody && 'content' in put.requestBody ? put.requestBody.content : {}),
    ).toEqual(['image/png']);
  });

  it('parses params, query and a JSON body before the handler, and hands them over typed', async () => {
    const { app, seen } = notesApp();
    const user = randomUUID();
    const created = await request(app).post('/notes').set(userHeaders('user', user)).send({ text: 'milk' });
    expect(created.status).toBe(201);
    expect(created.headers['x-tagged']).toBe('yes');
    const id = randomUUID();
    const read = await request(app).get(`/notes/${id}?full=yes`).set({ 'x-service-key': TEST_KEY });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ id, text: 'yes' });
    const raw = await request(app)
      .put(`/notes/${id}/image`)
      .set({ 'x-service-key': TEST_KEY, 'content-type': 'image/png' })
      .send(Buffer.from([1, 2, 3]));
    expect(raw.status).toBe(204);
    expect(seen).toEqual([
      { body: { text: 'milk' }, user },
      { params: { id }, query: { full: 'yes' }, user: null },
      { rawBody: undefined },
    ]);
  });

  it('refuses bad input in the error shape without running the handler, and requires the user it asks for', async () => {
    const { app, seen } = notesApp();
    const anonymous = await request(app)
      .post('/notes')
      .set({ 'x-service-key': TEST_KEY })
      .send({ text: 'x' });
    expect(anonymous.status).toBe(401);
    const badBody = await request(app).post('/notes').set(userHeaders()).send({ text: '', extra: 1 });
    expect(badBody.status).toBe(400);
    expect(badBody.body.error.code).toBe('VALIDATION_FAILED');
    expect(badBody.body.error.details.issues.map((issue: { path: string }) => issue.path).sort()).toEqual([
      'extra',
      'text',
    ]);
    const badParams = await request(app).get('/notes/nope?full=maybe').set({ 'x-service-key': TEST_KEY });
    expect(badParams.status).toBe(400);
    expect(seen).toEqual([]);
  });

  it('lists what the router answers, sub-routers under their mount path', () => {
    const { app } = notesApp();
    expect(
      mountedRoutes(app).filter((route) => !route.includes('/internal/') && !route.includes('/health')),
    ).toEqual(['GET /notes/{id}', 'GET /sub/inner/{x}', 'POST /notes', 'PUT /notes/{id}/image']);
  });

  it('refuses a path it cannot document, and a fast read that is not a plain GET', () => {
    expect(openApiPath('/a/:id/b')).toBe('/a/{id}/b');
    expect(() => openApiPath('/files/*rest')).toThrow(/unsupported path segment/);
    expect(() => openApiPath('/a/:id-x')).toThrow(/unsupported path parameter/);
    expect(() =>
      defineRoute({
        method: 'post',
        path: '/x',
        summary: 'x',
        responses: {},
        fast: true,
        read: async () => 1,
      }),
    ).toThrow(/GET/);
  });
});
