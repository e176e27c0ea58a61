/** Store layouts: validated on write, read whole; the parsed graph is cached per (location, version). */
import {
  productCategoryTaxonomy,
  type RouteRequest,
  type ShoppingRoute,
  type StoreLayout,
  type StoreLayoutInput,
} from '@cartwatch/common-types';
import { AppError, type CurrentUser } from '@cartwatch/service-kit';
import type { CurrentDevice } from '../auth/device-context.js';
import { requireManagedLocation } from '../auth/store-staff.js';
import type { StoredLayout } from '../db/schema.js';
import { type Deps, iso } from '../deps.js';
import type { CallContext } from '../orders/orders.client.js';
import { usePairedSession } from '../pairing/pairing.service.js';
import { planRoute } from '../routing/shopping-route.js';
import { buildStoreGraph, type StoreGraph, validateLayout } from '../routing/store-graph.js';
import * as layouts from './layout.repository.js';

function toLayout(row: layouts.LayoutRow): StoreLayout {
  return {
    locationId: row.location_id,
    version: row.version,
    nodes: row.layout.nodes,
    edges: row.layout.edges,
    placements: row.layout.placements,
    updatedAt: iso(row.updated_at),
  };
}

/** By a manager of the location's retailer (403), for a location orders knows (404); validated (400). */
export async function putLayout(
  deps: Deps,
  locationId: string,
  input: StoreLayoutInput,
  manager: CurrentUser,
  ctx?: CallContext,
) {
  await requireManagedLocation(deps, locationId, manager, ctx);
  const issues = validateLayout(input);
  if (issues.length > 0) throw AppError.validation(issues, 'invalid store layout');
  const stored: StoredLayout = { nodes: input.nodes, edges: input.edges, placements: input.placements };
  return toLayout(await layouts.upsertLayout(deps.db, locationId, stored, manager.id));
}

export async function getLayout(deps: Deps, locationId: string): Promise<StoreLayout> {
  const row = await layouts.findLayout(deps.db, locationId);
  if (!row) throw AppError.notFound('store layout');
  return toLayout(row);
}

interface PreparedLayout {
  version: number;
  graph: StoreGraph;
  labels: (string | null)[];
  productNode: Map<string, number>;
  categoryNode: Map<string, number>;
}

/** Parsed graphs by location; a PUT bumps the version, which invalidates the entry on the next read. */
export class LayoutCache {
  private readonly entries = new Map<string, PreparedLayout>();
  constructor(private readonly maxEntries = 200) {}

  async get(deps: Deps, locationId: string): Promise<PreparedLayout> {
    const cached = this.entries.get(locationId);
    if (cached) {
      const current = await layouts.findLayoutVersion(deps.db, locationId);
      if (!current) throw AppError.notFound('store layout');
      if (current.version === cached.version) return cached;
    }
    const row = await layouts.findLayout(deps.db, locationId);
    if (!row) throw AppError.notFound('store layout');
    const prepared = prepare(row);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value ?? '');
    this.entries.set(locationId, prepared);
    return prepared;
  }
}

function prepare(row: layouts.LayoutRow): PreparedLayout {
  const graph = buildStoreGraph(row.layout);
  const productNode = new Map<string, number>();
  const categoryNode = new Map<string, number>();
  // The first placement of a product or category wins; a layout lists its primary shelf first.
  for (const placement of row.layout.placements) {
    const node = graph.indexOf.get(placement.nodeId);
    if (node === undefined) continue;
    if (placement.productId !== undefined && !productNode.has(placement.productId)) {
      productNode.set(placement.productId, node);
    }
    const category = placement.category?.toLowerCase();
    if (category !== undefined && !categoryNode.has(category)) categoryNode.set(category, node);
  }
  return {
    version: row.version,
    graph,
    labels: row.layout.nodes.map((node) => node.label ?? null),
    productNode,
    categoryNode,
  };
}

export interface RouteFor {
  productIds: string[];
  categories: string[];
  /** Each product's category (price-watch's), for products the layout does not place themselves. */
  productCategories?: ReadonlyMap<string, string | null>;
}

/**
 * Where a product not placed itself is shelved: its category's placement, else the placement of the
 * BLS CPI category its category belongs to (`productCategoryTaxonomy`: a layout placing "Dairy" takes
 * milk, cheese and yogurt).
 */
function categoryNodeOf(layout: PreparedLayout, category: string | null | undefined): number | undefined {
  if (category === null || category === undefined) return undefined;
  const own = layout.categoryNode.get(category);
  if (own !== undefined) return own;
  const cpi = (productCategoryTaxonomy as Record<string, string | null>)[category];
  return cpi === null || cpi === undefined ? undefined : layout.categoryNode.get(cpi);
}

export function routeThrough(
  locationId: string,
  layout: PreparedLayout,
  wanted: RouteFor,
  exactMaxStops: number,
) {
  const productIds = [...new Set(wanted.productIds)];
  const categories = [...new Set(wanted.categories.map((category) => category.toLowerCase()))];
  const atNode = new Map<number, { productIds: string[]; categories: string[] }>();
  const entry = (node: number) => {
    let found = atNode.get(node);
    if (!found) {
      found = { productIds: [], categories: [] };
      atNode.set(node, found);
    }
    return found;
  };
  const unplacedProductIds: string[] = [];
  const unplacedCategories: string[] = [];
  for (const productId of productIds) {
    const node =
      layout.productNode.get(productId) ?? categoryNodeOf(layout, wanted.productCategories?.get(productId));
    if (node === undefined) unplacedProductIds.push(productId);
    else entry(node).productIds.push(productId);
  }
  for (const category of categories) {
    const node = layout.categoryNode.get(category);
    if (node === undefined) unplacedCategories.push(category);
    else entry(node).categories.push(category);
  }
  const plan = planRoute(layout.graph, [...atNode.keys()], exactMaxStops);
  const route: ShoppingRoute = {
    locationId,
    layoutVersion: layout.version,
    method: plan.method,
    totalDistance: plan.totalDistance,
    stops: plan.stops.map((node, index) => ({
      nodeId: layout.graph.nodeIds[node] ?? '',
      label: layout.labels[node] ?? null,
      productIds: atNode.get(node)?.productIds ?? [],
      categories: atNode.get(node)?.categories ?? [],
      distanceFromPrevious: plan.legs[index] ?? 0,
    })),
    path: plan.path.map((node) => layout.graph.nodeIds[node] ?? ''),
    unplacedProductIds,
    unplacedCategories,
  };
  return route;
}

export async function shoppingRoute(
  deps: Deps,
  cache: LayoutCache,
  locationId: string,
  request: RouteRequest,
  user: CurrentUser,
  ctx: CallContext,
): Promise<ShoppingRoute> {
  const layout = await cache.get(deps, locationId);
  const productIds = [...(request.productIds ?? [])];
  if (request.cart) {
    const cart = await deps.orders.getCart(user.id, locationId, ctx);
    productIds.push(...cart.items.map((item) => item.productId));
  }
  // Only products the layout does not place themselves need their category.
  const unplaced = [...new Set(productIds)].filter((id) => !layout.productNode.has(id));
  const productCategories =
    unplaced.length > 0 && layout.categoryNode.size > 0
      ? await deps.productCategories.resolve(unplaced, user, ctx)
      : new Map<string, string | null>();
  return routeThrough(
    locationId,
    layout,
    { productIds, categories: request.categories ?? [], productCategories },
    deps.config.EXACT_ROUTE_MAX_STOPS,
  );
}

/** The route through the paired shopper's cart, for the cart's screen (CONFLICT when it is not paired). */
export async function deviceRoute(
  deps: Deps,
  cache: LayoutCache,
  device: CurrentDevice,
  ctx: CallContext,
): Promise<ShoppingRoute> {
  const session = await usePairedSession(deps, device.id);
  const shopper = { id: session.user_id, role: 'user' as const };
  return shoppingRoute(deps, cache, device.locationId, { cart: true }, shopper, ctx);
}
