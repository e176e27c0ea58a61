/**
 * Retailers: any signed-in user reads one by slug; an unknown slug is a 404 in the error shape. Admins add
 * retailers; admins and the retailer's own store staff add its locations.
 */

import { testStaff } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, as, createHarness, createRetailer, type Harness, testUser } from './harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await createHarness('stores');
  await createRetailer(harness.app, 'fresh-fields', 'Fresh Fields');
  await createRetailer(harness.app, 'corner-shop', 'Corner Shop');
});

afterAll(async () => {
  await harness.close();
});

describe('GET /stores/{slug}', () => {
  it('answers the retailer', async () => {
    const response = await request(harness.app).get('/stores/fresh-fields').set(as(testUser())).expect(200);
    expect(response.body).toEqual({
      slug: 'fresh-fields',
      name: 'Fresh Fields',
      website: 'https://fresh-fields.example.test',
      ingestionMethods: ['json', 'csv', 'text', 'email'],
    });
  });

  it('answers 404 for a retailer that does not exist and 400 for a malformed slug', async () => {
    const missing = await request(harness.app).get('/stores/no-such-store').set(as(testUser())).expect(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    const malformed = await request(harness.app).get('/stores/Not_A_Slug').set(as(testUser())).expect(400);
    expect(malformed.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('who adds retailers and locations', () => {
  const location = (name: string) => ({ name, city: 'Springfield', country: 'US' });
  const locationNames = async (slug: string) => {
    const response = await request(harness.app)
      .get(`/stores/${slug}/locations`)
      .set(as(testUser()))
      .expect(200);
    return response.body.items.map((item: { name: string }) => item.name);
  };

  it("lets the retailer's store staff and admins add its locations", async () => {
    const byStaff = await request(harness.app)
      .post('/stores/fresh-fields/locations')
      .set(as(testStaff('fresh-fields')))
      .send(location('Fresh Fields North'))
      .expect(201);
    expect(byStaff.body).toMatchObject({ storeSlug: 'fresh-fields', name: 'Fresh Fields North' });
    await request(harness.app)
      .post('/stores/fresh-fields/locations')
      .set(as(admin))
      .send(location('Fresh Fields South'))
      .expect(201);
    expect(await locationNames('fresh-fields')).toEqual(
      expect.arrayContaining(['Fresh Fields North', 'Fresh Fields South']),
    );
  });

  it("keeps a location's telephone number, and refuses one that is not a number", async () => {
    const added = await request(harness.app)
      .post('/stores/fresh-fields/locations')
      .set(as(admin))
      .send({ ...location('Fresh Fields East'), phone: '+1 (217) 555-0143' })
      .expect(201);
    expect(added.body.phone).toBe('+1 (217) 555-0143');
    const refused = await request(harness.app)
      .post('/stores/fresh-fields/locations')
      .set(as(admin))
      .send({ ...location('Fresh Fields West'), phone: 'call us' })
      .expect(400);
    expect(refused.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(refused.body.error.details.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'phone' })]),
    );
    expect(await locationNames('fresh-fields')).not.toContain('Fresh Fields West');
  });

  it('refuses staff of another retailer and shoppers, and adds nothing', async () => {
    const before = await locationNames('corner-shop');
    const otherStaff = await request(harness.app)
      .post('/stores/corner-shop/locations')
      .set(as(testStaff('fresh-fields')))
      .send(location('Corner Shop by a stranger'))
      .expect(403);
    expect(otherStaff.body.error).toMatchObject({
      code: 'FORBIDDEN',
      message: 'not staff of retailer corner-shop',
    });
    await request(harness.app)
      .post('/stores/corner-shop/locations')
      .set(as(testUser()))
      .send(location('Corner Shop by a shopper'))
      .expect(403);
    // The retailer is checked before the body is read: a malformed location does not tell them more.
    await request(harness.app)
      .post('/stores/corner-shop/locations')
      .set(as(testStaff('fresh-fields')))
      .send({ name: '' })
      .expect(403);
    expect(await locationNames('corner-shop')).toEqual(before);
  });

  it('keeps adding retailers to admins: staff get 403 and no retailer is created', async () => {
    const refused = await request(harness.app)
      .post('/stores')
      .set(as(testStaff('fresh-fields')))
      .send({ slug: 'staff-made', name: 'Staff Made', ingestionMethods: ['json'] })
      .expect(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    await request(harness.app).get('/stores/staff-made').set(as(testUser())).expect(404);
  });
});
