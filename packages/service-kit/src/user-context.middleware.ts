/**
 * The user a request acts for, as asserted by the gateway in `X-User-Id` / `X-User-Role` (and, for store
 * staff, `X-User-Retailer`). Trusted only on requests the service-key guard accepted; a forged header on
 * any other request is ignored. Roles: docs/security.md#roles.
 */
import type { IncomingMessage } from 'node:http';
import { StoreSlug, type UserRole, UserRole as UserRoleSchema, Uuid } from '@cartwatch/common-types';
import type { RequestHandler } from 'express';
import { AppError } from './app-error.js';
import { hasValidServiceKey } from './service-key.guard.js';

export interface CurrentUser {
  id: string;
  role: UserRole;
  /** The retailer (store slug) a `staff` user works for; absent for every other role. */
  retailer?: string;
}

const users = new WeakMap<IncomingMessage, CurrentUser>();

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The identity a key-verified request asserts: the user, undefined for none (service-to-service or
 * public), 'malformed' when the headers are present but not a UUID / a known role.
 */
export function assertedIdentity(req: IncomingMessage): CurrentUser | undefined | 'malformed' {
  if (!hasValidServiceKey(req)) return undefined;
  const id = headerValue(req, 'x-user-id');
  const role = headerValue(req, 'x-user-role');
  if (id === undefined && role === undefined) return undefined;
  const parsedId = Uuid.safeParse(id);
  const parsedRole = UserRoleSchema.safeParse(role ?? 'user');
  if (!parsedId.success || !parsedRole.success) return 'malformed';
  if (parsedRole.data !== 'staff') return { id: parsedId.data, role: parsedRole.data };
  // Staff without the retailer they work for would be staff of nothing: refuse rather than guess.
  const retailer = StoreSlug.safeParse(headerValue(req, 'x-user-retailer'));
  if (!retailer.success) return 'malformed';
  return { id: parsedId.data, role: 'staff', retailer: retailer.data };
}

/** Reads the identity headers; 401 when they are present but malformed (not a UUID / unknown role). */
export function userContext(): RequestHandler {
  return (req, _res, next) => {
    const user = assertedIdentity(req);
    if (user === 'malformed') {
      next(AppError.unauthenticated('malformed user identity'));
      return;
    }
    if (user !== undefined) {
      users.set(req, user);
      if (req.log) req.log = req.log.child({ userId: user.id });
    }
    next();
  };
}

/** The user of the request, or undefined for anonymous (service-to-service or public) requests. */
export function findCurrentUser(req: IncomingMessage): CurrentUser | undefined {
  return users.get(req);
}

/** The user of the request; throws 401 when there is none (use after `requireUser`, or instead of it). */
export function currentUser(req: IncomingMessage): CurrentUser {
  const user = users.get(req);
  if (user === undefined) throw AppError.unauthenticated();
  return user;
}

export const requireUser: RequestHandler = (req, _res, next) => {
  next(users.has(req) ? undefined : AppError.unauthenticated());
};

export const requireAdmin: RequestHandler = (req, _res, next) => {
  const user = users.get(req);
  if (user === undefined) next(AppError.unauthenticated());
  else if (user.role !== 'admin') next(AppError.forbidden('admin role required'));
  else next();
};

/**
 * Admins and store staff: the gate of store-management routes. It does not say which retailer: the route
 * then checks the resource's retailer with `assertManagesRetailer` (staff of another retailer get 403/404).
 */
export const requireStaff: RequestHandler = (req, _res, next) => {
  const user = users.get(req);
  if (user === undefined) next(AppError.unauthenticated());
  else if (user.role !== 'admin' && user.role !== 'staff')
    next(AppError.forbidden('store staff or admin role required'));
  else next();
};

/** Admins manage every retailer; staff only their own; shoppers none. `null` = platform-wide (admins only). */
export function managesRetailer(user: CurrentUser, storeSlug: string | null): boolean {
  if (user.role === 'admin') return true;
  return user.role === 'staff' && storeSlug !== null && user.retailer === storeSlug;
}

/** 403 unless the user manages that retailer (see `managesRetailer`). */
export function assertManagesRetailer(user: CurrentUser, storeSlug: string | null): void {
  if (!managesRetailer(user, storeSlug))
    throw AppError.forbidden(
      storeSlug === null ? 'admin role required' : `not staff of retailer ${storeSlug}`,
    );
}
