/**
 * Request and response schemas of cart-device: devices and their keys, pairing, scans, store layouts
 * and shopping routes. Routes validate with these and register them in OpenAPI.
 */
import { z } from 'zod';
import { Timestamp, Uuid } from '../ids.js';
import { Currency, MinorUnits } from '../money.js';
import { PaginationQuery, pageOf } from '../pagination.js';

// ---- devices and keys ----

export const RegisterDevice = z
  .strictObject({
    locationId: Uuid.describe('The store location the cart belongs to.'),
    name: z.string().trim().min(1).max(100).describe('Label shown to staff, e.g. "Cart 17".'),
  })
  .meta({ id: 'RegisterDevice' });
export type RegisterDevice = z.infer<typeof RegisterDevice>;

export const Device = z
  .object({
    id: Uuid,
    locationId: Uuid,
    name: z.string(),
    firmwareVersion: z.string().nullable(),
    lastSeenAt: Timestamp.nullable(),
    revokedAt: Timestamp.nullable(),
    createdAt: Timestamp,
    pairedUserId: Uuid.nullable().describe('The shopper of the active pairing session, if any.'),
  })
  .meta({ id: 'Device' });
export type Device = z.infer<typeof Device>;
export const DevicePage = pageOf(Device).meta({ id: 'DevicePage' });

export const DeviceKey = z
  .object({
    keyId: Uuid,
    key: z.string().describe('`cwd_<keyId>_<secret>`: shown once, only its hash is stored.'),
    createdAt: Timestamp,
  })
  .meta({ id: 'DeviceKey' });

export const RegisteredDevice = z.object({ device: Device, key: DeviceKey }).meta({ id: 'RegisteredDevice' });

export const RotateDeviceKey = z
  .strictObject({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .optional()
      .describe('How long the previous key keeps working (default from DEVICE_KEY_GRACE_SECONDS).'),
  })
  .meta({ id: 'RotateDeviceKey' });

export const RotatedDeviceKey = z
  .object({
    key: DeviceKey,
    previousKeysExpireAt: Timestamp.describe('When the keys issued before this one stop working.'),
  })
  .meta({ id: 'RotatedDeviceKey' });

export const DeviceListQuery = PaginationQuery.extend({
  location: Uuid.optional(),
}).strict();
export type DeviceListQuery = z.infer<typeof DeviceListQuery>;

export const DeviceIdParams = z.strictObject({ id: Uuid });

export const Heartbeat = z
  .strictObject({
    firmwareVersion: z
      .string()
      .regex(/^[0-9A-Za-z.+_-]{1,40}$/, 'a version like 1.4.2 or 1.4.2-rc1')
      .optional(),
  })
  .meta({ id: 'Heartbeat' });

// ---- pairing ----

export const PairingCode = z
  .object({
    code: z.string().describe('Eight characters the shopper types or scans; single use.'),
    qrPayload: z.string().describe('What the cart renders as a QR code (`cartwatch:pair:<code>`).'),
    expiresAt: Timestamp,
  })
  .meta({ id: 'PairingCode' });

export const PairDevice = z
  .strictObject({
    code: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .describe('The code shown by the cart (case and separators are ignored) or its QR payload.'),
  })
  .meta({ id: 'PairDevice' });

export const PairingSession = z
  .object({
    id: Uuid,
    deviceId: Uuid,
    userId: Uuid,
    locationId: Uuid,
    startedAt: Timestamp,
    lastActivityAt: Timestamp,
    expiresAt: Timestamp.describe('When the session ends unless the cart is used before.'),
  })
  .meta({ id: 'PairingSession' });
export type PairingSession = z.infer<typeof PairingSession>;

export const DeviceStatus = z
  .object({
    deviceId: Uuid,
    locationId: Uuid,
    serverTime: Timestamp,
    session: PairingSession.nullable(),
  })
  .meta({ id: 'DeviceStatus' });

// ---- scans ----

export const ScanRequest = z
  .strictObject({
    scanId: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/, '1-64 characters from [A-Za-z0-9._:-]')
      .describe('Chosen by the cart per scan; a retry with the same id is applied once.'),
    barcode: z.string().regex(/^\d{8,14}$/, 'GTIN digits (UPC-A, EAN-8/13, GTIN-14)'),
    quantity: z.number().int().min(1).max(99).default(1),
    action: z.enum(['add', 'remove']),
  })
  .meta({ id: 'ScanRequest' });
export type ScanRequest = z.infer<typeof ScanRequest>;

export const CartScreenLine = z
  .object({
    productId: Uuid,
    name: z.string(),
    quantity: z.number().int(),
    lineTotalCents: MinorUnits,
  })
  .meta({ id: 'CartScreenLine' });

export const CartScreen = z
  .object({
    itemCount: z.number().int(),
    subtotalCents: MinorUnits,
    currency: Currency,
    lines: z.array(CartScreenLine),
  })
  .meta({ id: 'CartScreen' });
export type CartScreen = z.infer<typeof CartScreen>;

export const ScanResult = z
  .object({
    scanId: z.string(),
    action: z.enum(['add', 'remove']),
    productId: Uuid.nullable().describe('null when the cart no longer shows the product (last unit removed)'),
    productName: z.string().nullable(),
    quantity: z.number().int(),
    replayed: z.boolean().describe('true when this scan id was already applied and nothing changed now'),
    cart: CartScreen,
  })
  .meta({ id: 'ScanResult' });
export type ScanResult = z.infer<typeof ScanResult>;

// ---- store layouts and routes ----

const NodeId = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, '1-64 characters from [A-Za-z0-9._:-]');
const Coordinate = z.number().finite().min(-1e6).max(1e6);

export const LayoutNode = z
  .strictObject({
    id: NodeId,
    kind: z.enum(['entrance', 'checkout', 'aisle']),
    x: Coordinate.describe('Metres east of the store origin.'),
    y: Coordinate.describe('Metres north of the store origin.'),
    label: z.string().max(100).optional(),
  })
  .meta({ id: 'LayoutNode' });

export const LayoutEdge = z
  .strictObject({
    from: NodeId,
    to: NodeId,
    distance: z
      .number()
      .finite()
      .min(0, 'must not be negative')
      .max(1e6)
      .describe('Walking distance in metres.'),
  })
  .meta({ id: 'LayoutEdge' });

export const LayoutPlacement = z
  .strictObject({
    nodeId: NodeId,
    productId: Uuid.optional(),
    category: z.string().trim().min(1).max(100).optional(),
  })
  .refine((value) => (value.productId === undefined) !== (value.category === undefined), {
    message: 'give exactly one of productId or category',
    path: ['productId'],
  })
  .meta({ id: 'LayoutPlacement' });

export const StoreLayoutInput = z
  .strictObject({
    nodes: z.array(LayoutNode).min(2).max(10_000),
    edges: z.array(LayoutEdge).min(1).max(50_000),
    placements: z.array(LayoutPlacement).max(100_000).default([]),
  })
  .meta({ id: 'StoreLayoutInput' });
export type StoreLayoutInput = z.infer<typeof StoreLayoutInput>;

export const StoreLayout = z
  .object({
    locationId: Uuid,
    version: z.number().int().describe('Incremented by every PUT.'),
    nodes: z.array(LayoutNode),
    edges: z.array(LayoutEdge),
    placements: z.array(LayoutPlacement),
    updatedAt: Timestamp,
  })
  .meta({ id: 'StoreLayout' });
export type StoreLayout = z.infer<typeof StoreLayout>;

export const LocationIdParams = z.strictObject({ locationId: Uuid });

export const RouteRequest = z
  .strictObject({
    productIds: z.array(Uuid).max(500).optional(),
    categories: z.array(z.string().trim().min(1).max(100)).max(200).optional(),
    cart: z.literal(true).optional().describe("The caller's cart at this location (through orders)."),
  })
  .refine((value) => value.productIds !== undefined || value.categories !== undefined || value.cart, {
    message: 'give productIds, categories or cart: true',
    path: ['productIds'],
  })
  .meta({ id: 'RouteRequest' });
export type RouteRequest = z.infer<typeof RouteRequest>;

export const RouteStop = z
  .object({
    nodeId: z.string(),
    label: z.string().nullable(),
    productIds: z.array(Uuid),
    categories: z.array(z.string()),
    distanceFromPrevious: z.number(),
  })
  .meta({ id: 'RouteStop' });

export const ShoppingRoute = z
  .object({
    locationId: Uuid,
    layoutVersion: z.number().int(),
    method: z
      .enum(['exact', 'heuristic'])
      .describe('Held-Karp up to the exact limit, else NN + 2-opt + Or-opt.'),
    totalDistance: z.number(),
    stops: z.array(RouteStop).describe('In walking order, between the entrance and the checkout.'),
    path: z.array(z.string()).describe('Every node walked through, entrance first, checkout last.'),
    unplacedProductIds: z.array(Uuid),
    unplacedCategories: z.array(z.string()),
  })
  .meta({ id: 'ShoppingRoute' });
export type ShoppingRoute = z.infer<typeof ShoppingRoute>;
