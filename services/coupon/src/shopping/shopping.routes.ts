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
import { defineRoute, errorResponses, jsonResponse, type RouteDefinition } from '@cartwatch/service-kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { optimizeShopping } from './optimize.service.js';
import * as lists from './shopping-list.service.js';

const ListQuery = PaginationQuery.strict();

// Routes without a summary of their own carry the one the gateway gave them when they had none, so the
// public contract is unchanged.
export function shoppingRoutes(db: Kysely<DB>): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/shopping/lists',
      summary: 'GET /shopping/lists',
      user: 'required',
      request: { query: ListQuery },
      responses: {
        200: jsonResponse(ShoppingListPage, "The caller's lists"),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ query, user }) => lists.listPage(db, user.id, query),
    }),
    defineRoute({
      method: 'post',
      path: '/shopping/lists',
      summary: 'POST /shopping/lists',
      user: 'required',
      request: { body: CreateShoppingList },
      responses: {
        201: jsonResponse(ShoppingList, 'The new list'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      handler: async ({ body, user }, _req, res) => {
        res.status(201).json(await lists.createList(db, user.id, body));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/shopping/lists/:listId',
      summary: 'GET /shopping/lists/{listId}',
      user: 'required',
      request: { params: ShoppingListParams },
      responses: {
        200: jsonResponse(ShoppingList, 'The list'),
        ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, user }) => lists.getList(db, user.id, params.listId),
    }),
    defineRoute({
      method: 'patch',
      path: '/shopping/lists/:listId',
      summary: 'PATCH /shopping/lists/{listId}',
      user: 'required',
      request: { params: ShoppingListParams, body: UpdateShoppingList },
      responses: {
        200: jsonResponse(ShoppingList, 'The list'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, body, user }) => lists.renameList(db, user.id, params.listId, body.name),
    }),
    defineRoute({
      method: 'delete',
      path: '/shopping/lists/:listId',
      summary: 'DELETE /shopping/lists/{listId}',
      user: 'required',
      request: { params: ShoppingListParams },
      responses: { 204: { description: 'Deleted' }, ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND') },
      handler: async ({ params, user }, _req, res) => {
        await lists.deleteList(db, user.id, params.listId);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'post',
      path: '/shopping/lists/:listId/items',
      summary: 'POST /shopping/lists/{listId}/items',
      user: 'required',
      request: { params: ShoppingListParams, body: ShoppingListItemInput },
      responses: {
        201: jsonResponse(ShoppingList, 'The list with the item'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
      },
      handler: async ({ params, body, user }, _req, res) => {
        res.status(201).json(await lists.addItem(db, user.id, params.listId, body));
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/shopping/lists/:listId/items/:itemId',
      summary: 'PATCH /shopping/lists/{listId}/items/{itemId}',
      user: 'required',
      request: { params: ShoppingListItemParams, body: UpdateShoppingListItem },
      responses: {
        200: jsonResponse(ShoppingList, 'The list'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, body, user }) =>
        lists.changeItem(db, user.id, params.listId, params.itemId, body.quantity),
    }),
    defineRoute({
      method: 'delete',
      path: '/shopping/lists/:listId/items/:itemId',
      summary: 'DELETE /shopping/lists/{listId}/items/{itemId}',
      user: 'required',
      request: { params: ShoppingListItemParams },
      responses: {
        200: jsonResponse(ShoppingList, 'The list without the item'),
        ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, user }) => lists.removeItem(db, user.id, params.listId, params.itemId),
    }),
    defineRoute({
      method: 'post',
      path: '/shopping/optimize',
      summary: 'The exact cheapest way to buy a list across at most maxStores stores, coupons included',
      user: 'required',
      request: { body: OptimizeRequest },
      responses: {
        200: jsonResponse(OptimizePlan, 'The plan'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
      },
      read: ({ body, user }) => optimizeShopping(db, user.id, body),
    }),
  ];
}
