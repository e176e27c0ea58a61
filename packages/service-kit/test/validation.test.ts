/** The request parsers: common-types' NUL rule before any schema, cursors that are not ours as 400. */
import { randomUUID } from 'node:crypto';
import { defineCursor } from '@cartwatch/common-types';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createOpenApiRegistry,
  defineRoute,
  mountRoutes,
  parseBody,
  parseInput,
  parseParams,
  parseQuery,
} from '../src/index.js';
import { buildApp, TEST_KEY } from './helpers.js';

const AnyText = z.object({ name: z.string(), tags: z.array(z.string()).default([]) });
const ByIdCursor = defineCursor(z.strictObject({ id: z.uuid() }));
const auth = { 'x-service-key': TEST_KEY };

function app() {
  let handled = 0;
  const built = buildApp((router) => {
    router.post('/notes', (req, res) => {
      const note = parseBody(AnyText, req);
      handled++;
      res.status(201).json(note);
    });
    router.get('/notes/:slug', (req, res) => {
      const { slug } = parseParams(z.object({ slug: z.string() }), req);
      const { q, cursor } = parseQuery(
        z.object({ q: z.string().optional(), cursor: z.string().optional() }),
        req,
      );
      handled++;
      res.json({ slug, q, after: cursor === undefined ? null : ByIdCursor.decode(cursor).id });
    });
    mountRoutes(router, createOpenApiRegistry(), [
      defineRoute({
        method: 'get',
        path: '/fast/:slug',
        summary: 'A fast read',
        request: {
          params: z.strictObject({ slug: z.string() }),
          query: z.strictObject({ q: z.string().optional() }),
        },
        responses: {},
        fast: true,
        read: async ({ params, query }) => {
          handled++;
          return { slug: params.slug, q: query.q ?? null };
        },
      }),
    ]);
  });
  return { app: built, handled: () => handled };
}

async function expectNulRefused(response: request.Response, path: string) {
  expect(response.status).toBe(400);
  expect(response.body.error).toMatchObject({
    code: 'VALIDATION_FAILED',
    details: { issues: [{ path, message: 'must not contain NUL (U+0000)', code: 'nul_character' }] },
  });
}

describe('the NUL rule in the request parsers', () => {
  it('refuses NUL in a body string, even where the schema takes any string', async () => {
    const { app: notes, handled } = app();
    await expectNulRefused(await request(notes).post('/notes').set(auth).send({ name: 'a\u0000b' }), 'name');
    await expectNulRefused(
      await request(notes)
        .post('/notes')
        .set(auth)
        .send({ name: 'ok', tags: ['x', '\u0000'] }),
      'tags.1',
    );
    await expectNulRefused(
      await request(notes).post('/notes').set(auth).send({ name: 'ok', 'k\u0000': 1 }),
      'k\u0000',
    );
    expect(handled()).toBe(0);
    await request(notes).post('/notes').set(auth).send({ name: 'crème \u0001 ok' }).expect(201);
  });

  it('refuses NUL in query and path parameters', async () => {
    const { app: notes, handled } = app();
    await expectNulRefused(await request(notes).get('/notes/x?q=a%00b').set(auth), 'q');
    await expectNulRefused(await request(notes).get('/notes/a%00b').set(auth), 'slug');
    expect(handled()).toBe(0);
  });

  it('refuses NUL in a fast read’s params and query (express answers the 400)', async () => {
    const { app: notes, handled } = app();
    await expectNulRefused(await request(notes).get('/fast/x?q=%00').set(auth), 'q');
    await expectNulRefused(await request(notes).get('/fast/%00').set(auth), 'slug');
    expect(handled()).toBe(0);
    const ok = await request(notes).get('/fast/x?q=y').set(auth).expect(200);
    expect(ok.body).toEqual({ slug: 'x', q: 'y' });
  });

  it('applies to inputs parsed with parseInput', () => {
    expect(() => parseInput(AnyText, { name: 'a\u0000' }, 'e-mail')).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        details: { issues: [expect.objectContaining({ path: 'name', code: 'nul_character' })] },
      }),
    );
  });
});

describe('cursors', () => {
  it('answers a forged or garbled cursor with 400 on cursor and follows its own', async () => {
    const { app: notes } = app();
    for (const cursor of ['eyJpZCI6ImFiYyJ9', 'garbage', '%25%25']) {
      const response = await request(notes).get(`/notes/x?cursor=${cursor}`).set(auth);
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { issues: [expect.objectContaining({ path: 'cursor', message: 'invalid cursor' })] },
      });
    }
    const id = randomUUID();
    const ok = await request(notes)
      .get(`/notes/x?cursor=${ByIdCursor.encode({ id })}`)
      .set(auth)
      .expect(200);
    expect(ok.body.after).toBe(id);
  });
});
