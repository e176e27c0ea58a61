import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { securityHeaderList } from '../src/index.js';
import { buildApp } from './helpers.js';

describe('securityHeaderList', () => {
  it('lists exactly the security headers the app sends on every response', async () => {
    const list = securityHeaderList();
    expect(list.map(([name]) => name.toLowerCase())).toEqual(
      expect.arrayContaining([
        'content-security-policy',
        'strict-transport-security',
        'x-content-type-options',
      ]),
    );
    const res = await request(buildApp(() => {})).get('/health');
    for (const [name, value] of list) expect(res.headers[name.toLowerCase()]).toBe(value);
  });
});
