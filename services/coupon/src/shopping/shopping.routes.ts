/** /shopping: the caller's lists and the cheapest store split. */
import {
  CreateShoppingList,
  OptimizePlan,
  OptimizeRequest,
  PaginationQuery,
  ShoppingList,
  ShoppingListItemInput,
  ShoppingListItemParams,
  ShoppingListPage,
  ShoppingListParams,
  UpdateShoppingList,
  UpdateShoppingListItem,
} from '@cartwatch/common-types';
import {
  currentUser,
  errorResponses,
  jsonResponse,
  type OpenAPIRegistry,
  parseBody,
  parseParams,
  parseQuery,
  requireUser,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { DB } from '../db/schema.js';
import { optimizeShopping } from './optimize.service.js';
import * as lists from './shopping-list.service.js';

const ListQuery = PaginationQuery.strict();

export function mountShoppingRoutes(app: Express, db: Kysely<DB>): void {
  app.get('/shopping/lists', requireUser, async (req, res) => {
    res.json(await lists.listPage(db, currentUser(req).id, parseQuery(ListQuery, req)));
  });
  app.post('/shopping/lists', requireUser, async (req, res) => {
    res.status(201).json(await lists.createList(db, currentUser(req).id, parseBody(CreateShoppingList, req)));
  });
  app.get('/shopping/lists/:listId', requireUser, async (req, res) => {
    const { listId } = parseParams(ShoppingListParams, req);
    res.json(await lists.getList(db, currentUser(req).id, listId));
  });
  app.patch('/shopping/lists/:listId', requireUser, async (req, res) => {
    const { listId } = parseParams(ShoppingListParams, req);
    const { name } = parseBody(UpdateShoppingList, req);
    res.json(await lists.renameList(db, currentUser(req).id, listId, name));
  });
  app.delete('/shopping/lists/:listId', requireUser, async (req, res) => {
    const { listId } = parseParams(ShoppingListParams, req);
    await lists.deleteList(db, currentUser(req).id, listId);
    res.status(204).end();
  });
  app.post('/shopping/lists/:listId/items', requireUser, async (req, res) => {
    const { listId } = parseParams(ShoppingListParams, req);
    res
      .status(201)
      .json(await lists.addItem(db, currentUser(req).id, listId, parseBody(ShoppingListItemInput, req)));
  });
  app.patch('/shopping/lists/:listId/items/:itemId', requireUser, async (req, res) => {
    const { listId, itemId } = parseParams(ShoppingListItemParams, req);
    const { quantity } = parseBody(UpdateShoppingListItem, req);
    res.json(await lists.changeItem(db, currentUser(req).id, listId, itemId, quantity));
  });
  app.delete('/shopping/lists/:listId/items/:itemId', requireUser, async (req, res) => {
    const { listId, itemId } = parseParams(ShoppingListItemParams, req);
    res.json(await lists.removeItem(db, currentUser(req).id, listId, itemId));
  });
  app.post('/shopping/optimize', requireUser, async (req, res) => {
    res.json(await optimizeShopping(db, currentUser(req).id, parseBody(OptimizeRequest, req)));
  });
}

export function registerShoppingDocs(registry: OpenAPIRegistry): void {
  const listParams = { params: ShoppingListParams };
  const itemParams = { params: ShoppingListItemParams };
  const body = (schema: z.ZodType) => ({ body: { content: { 'application/json': { schema } } } });
  registry.registerPath({
    method: 'get',
    path: '/shopping/lists',
    request: { query: ListQuery },
    responses: {
      200: jsonResponse(ShoppingListPage, "The caller's lists"),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/shopping/lists',
    request: body(CreateShoppingList),
    responses: {
      201: jsonResponse(ShoppingList, 'The new list'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/shopping/lists/{listId}',
    request: listParams,
    responses: {
      200: jsonResponse(ShoppingList, 'The list'),
      ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'patch',
    path: '/shopping/lists/{listId}',
    request: { ...listParams, ...body(UpdateShoppingList) },
    responses: {
      200: jsonResponse(ShoppingList, 'The list'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/shopping/lists/{listId}',
    request: listParams,
    responses: { 204: { description: 'Deleted' }, ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND') },
  });
  registry.registerPath({
    method: 'post',
    path: '/shopping/lists/{listId}/items',
    request: { ...listParams, ...body(ShoppingListItemInput) },
    responses: {
      201: jsonResponse(ShoppingList, 'The list with the item'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
    },
  });
  registry.registerPath({
    method: 'patch',
    path: '/shopping/lists/{listId}/items/{itemId}',
    request: { ...itemParams, ...body(UpdateShoppingListItem) },
    responses: {
      200: jsonResponse(ShoppingList, 'The list'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/shopping/lists/{listId}/items/{itemId}',
    request: itemParams,
    responses: {
      200: jsonResponse(ShoppingList, 'The list without the item'),
      ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/shopping/optimize',
    summary: 'The exact cheapest way to buy a list across at most maxStores stores, coupons included',
    request: body(OptimizeRequest),
    responses: {
      200: jsonResponse(OptimizePlan, 'The plan'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
    },
  });
}
