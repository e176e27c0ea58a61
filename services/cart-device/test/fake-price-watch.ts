/**
 * A loopback HTTP fake of price-watch's `GET /products/{id}` (the fields cart-device reads: id and
 * category; README.md "Depends on price-watch"). It checks the service key, records which user each
 * call acted for, and answers 503 while `down`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePriceWatch {
  url: string;
  /** Product id -> its category (null: none). Unknown ids answer 404. */
  categories: Map<string, string | null>;
  /** Calls answered or refused, in order: the product id and the X-User-Id sent. */
  calls: { productId: string; userId: string | undefined }[];
  down: boolean;
  close(): Promise<void>;
}

export async function startFakePriceWatch(serviceKey: string): Promise<FakePriceWatch> {
  const fake = { categories: new Map<string, string | null>(), calls: [], down: false } as Omit<
    FakePriceWatch,
    'url' | 'close'
  >;
  const answer = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const error = (res: http.ServerResponse, status: number, code: string) =>
    answer(res, status, { error: { code, message: code, requestId: 'fake' } });
  const server = http.createServer((req, res) => {
    if (req.headers['x-service-key'] !== serviceKey) return error(res, 401, 'UNAUTHENTICATED');
    const productId = /^\/products\/([0-9a-f-]{36})$/.exec(req.url ?? '')?.[1];
    if (req.method !== 'GET' || productId === undefined) return error(res, 404, 'NOT_FOUND');
    const userId = req.headers['x-user-id'];
    fake.calls.push({ productId, userId: typeof userId === 'string' ? userId : undefined });
    if (fake.down) return error(res, 503, 'UPSTREAM_UNAVAILABLE');
    if (!fake.categories.has(productId)) return error(res, 404, 'NOT_FOUND');
    answer(res, 200, {
      id: productId,
      name: `Product ${productId.slice(0, 8)}`,
      brand: null,
      category: fake.categories.get(productId),
      size: null,
      gtins: [],
      mergedIntoId: null,
      createdAt: new Date().toISOString(),
      prices: [],
      cheapestStore: null,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}
