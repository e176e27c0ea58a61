/**
 * Who manages a store location's carts and layout: admins, and store staff of the location's retailer.
 * cart-device does not know retailers; orders owns locations and answers which retailer one belongs to
 * (`OrdersClient.findLocation` / `locationIdsOfRetailer`). A location never changes retailer, so an
 * answer checked before a write still holds when the write commits.
 */
import { AppError, assertManagesRetailer, type CurrentUser, managesRetailer } from '@cartwatch/service-kit';
import type { Deps } from '../deps.js';
import type { CallContext, LocationOwner } from '../orders/orders.client.js';

/** The location, when the user manages it: 404 when orders has no such location, 403 when not theirs. */
export async function requireManagedLocation(
  deps: Deps,
  locationId: string,
  user: CurrentUser,
  ctx?: CallContext,
): Promise<LocationOwner> {
  const location = await deps.orders.findLocation(locationId, ctx);
  if (!location) throw AppError.notFound('store location');
  assertManagesRetailer(user, location.storeSlug);
  return location;
}

/** Whether the user manages the location (admins without asking orders). */
export async function managesLocation(
  deps: Deps,
  locationId: string,
  user: CurrentUser,
  ctx?: CallContext,
): Promise<boolean> {
  if (user.role === 'admin') return true;
  if (user.role !== 'staff') return false;
  const location = await deps.orders.findLocation(locationId, ctx);
  return location !== undefined && managesRetailer(user, location.storeSlug);
}

/** The locations whose carts the user may list: every one for admins, their retailer's for staff. */
export async function locationsManagedBy(
  deps: Deps,
  user: CurrentUser,
  ctx?: CallContext,
): Promise<'all' | string[]> {
  if (user.role === 'admin') return 'all';
  if (user.role !== 'staff' || user.retailer === undefined) return [];
  return deps.orders.locationIdsOfRetailer(user.retailer, ctx);
}
