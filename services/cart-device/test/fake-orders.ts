/**
 * A loopback HTTP fake of orders' internal routes (the contract in README.md "Depends on orders"):
 * GET /internal/carts/:userId?location=, POST /internal/carts/:userId/items and /items/remove with
 * { locationId, gtin, quantity }; GET /internal/locations/:id and GET /internal/locations?store= from
 * `locations`. It checks the service key and counts the writes it applied. Requests are parsed and
 * answers built with orders' schemas from common-types (AddCartItem, RemoveCartItem, Cart, StoreLocation,
 * RetailerLocationIds), so the fake cannot drift from the contract orders serves.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AddCartItem,
  Cart,
  RemoveCartItem,
  RetailerLocationIds,
  StoreLocation,
} from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';

export interface FakeProduct {
  productId: string;
  gtin: string;
  name: string;
  priceCents: number;
}

export interface FakeOrders {
  url: string;
  /** Products sold per location. */
  catalog: Map<string, FakeProduct[]>;
  /** Store locations orders knows: location id -> its retailer's slug. */
  locations: Map<string, string>;
  /** Cart writes applied, in order. */
  writes: { userId: string; path: string; gtin: string; quantity: number }[];
  close(): Promise<void>;
}

interface Line {
  product: FakeProduct;
  quantity: number;
}

export async function startFakeOrders(serviceKey: string): Promise<FakeOrders> {
  const catalog = new Map<string, FakeProduct[]>();
  const locations = new Map<string, string>();
  const carts = new Map<string, { id: string; lines: Line[] }>();
  const writes: FakeOrders['writes'] = [];

  const cartOf = (userId: string, locationId: string) => {
    const key = `${userId}/${locationId}`;
    let cart = carts.get(key);
    if (!cart) {
      cart = { id: newId(), lines: [] };
      carts.set(key, cart);
    }
    return cart;
  };
  const view = (userId: string, locationId: string): Cart => {
    const cart = cartOf(userId, locationId);
    const items = cart.lines.map((line) => ({
      id: newId(),
      catalogItemId: newId(),
      productId: line.product.productId,
      gtin: line.product.gtin,
      name: line.product.name,
      unitPriceCents: line.product.priceCents,
      quantity: line.quantity,
      lineTotalCents: line.product.priceCents * line.quantity,
      available: 100,
    }));
    return Cart.parse({
      id: cart.id,
      userId,
      locationId,
      currency: 'USD',
      items,
      itemCount: items.reduce((sum, item) => sum + item.quantity, 0),
      subtotalCents: items.reduce((sum, item) => sum + item.lineTotalCents, 0),
    });
  };
  const error = (res: http.ServerResponse, status: number, code: string, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code, message, requestId: 'fake' } }));
  };

  const answerLocations = (res: http.ServerResponse, url: URL) => {
    const id = /^\/internal\/locations\/([0-9a-f-]{36})$/.exec(url.pathname)?.[1];
    let body: unknown;
    if (id !== undefined) {
      const storeSlug = locations.get(id);
      if (storeSlug === undefined) return error(res, 404, 'NOT_FOUND', 'store location not found');
      body = StoreLocation.parse({
        id,
        storeSlug,
        name: `Location of ${storeSlug}`,
        currency: 'USD',
        createdAt: new Date().toISOString(),
      });
    } else if (url.pathname === '/internal/locations') {
      const storeSlug = url.searchParams.get('store') ?? '';
      const locationIds = [...locations]
        .filter(([, slug]) => slug === storeSlug)
        .map(([locationId]) => locationId);
      body = RetailerLocationIds.parse({ storeSlug, locationIds });
    } else {
      return error(res, 404, 'NOT_FOUND', 'no route');
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      if (req.headers['x-service-key'] !== serviceKey)
        return error(res, 401, 'UNAUTHENTICATED', 'service key');
      const url = new URL(req.url ?? '/', 'http://fake');
      if (req.method === 'GET' && url.pathname.startsWith('/internal/locations')) {
        return answerLocations(res, url);
      }
      const match = /^\/internal\/carts\/([0-9a-f-]{36})(\/items(\/remove)?)?$/.exec(url.pathname);
      if (!match?.[1]) return error(res, 404, 'NOT_FOUND', 'no route');
      const userId = match[1];
      if (req.method === 'GET' && !match[2]) {
        const location = url.searchParams.get('location') ?? '';
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(view(userId, location)));
      }
      if (req.method !== 'POST' || !match[2]) return error(res, 404, 'NOT_FOUND', 'no route');
      const parsed = (match[3] ? RemoveCartItem : AddCartItem).safeParse(JSON.parse(body));
      if (!parsed.success) return error(res, 400, 'VALIDATION_FAILED', parsed.error.message);
      const input = parsed.data;
      if (input.gtin === undefined) return error(res, 400, 'VALIDATION_FAILED', 'cart-device sends gtin');
      const cart = cartOf(userId, input.locationId);
      const line = cart.lines.find((l) => l.product.gtin === input.gtin);
      if (match[3]) {
        if (!line) return error(res, 404, 'NOT_FOUND', 'cart item not found');
        line.quantity -= input.quantity;
        if (line.quantity <= 0) cart.lines.splice(cart.lines.indexOf(line), 1);
      } else {
        const product = catalog.get(input.locationId)?.find((p) => p.gtin === input.gtin);
        if (!product) return error(res, 404, 'NOT_FOUND', 'catalog item not found');
        if (line) line.quantity += input.quantity;
        else cart.lines.push({ product, quantity: input.quantity });
      }
      writes.push({ userId, path: url.pathname, gtin: input.gtin, quantity: input.quantity });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(view(userId, input.locationId)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    catalog,
    locations,
    writes,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
