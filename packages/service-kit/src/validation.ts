/**
 * Request parsing for thin routes: `parseBody(CreateOrder, req)` returns typed data or throws
 * VALIDATION_FAILED with one FieldIssue per problem. Every input is first checked against common-types'
 * NUL rule (no U+0000 in any string or key), so no route can store one into Postgres by forgetting it.
 */
import { type FieldIssue, findNul, nulIssue } from '@cartwatch/common-types';
import type { Request } from 'express';
import type { z } from 'zod';
import { AppError } from './app-error.js';

function joinPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** zod issues as FieldIssues; an unknown key of a strict object becomes one issue on that key's own path. */
export function toFieldIssues(error: z.core.$ZodError): FieldIssue[] {
  return error.issues.flatMap((issue): FieldIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: joinPath([...issue.path, key]),
        message: 'unknown field',
        code: issue.code,
      }));
    }
    return [{ path: joinPath(issue.path), message: issue.message, code: issue.code }];
  });
}

/** Parses `input` the way every request input is parsed: the NUL rule first, then `schema`. */
export function safeParseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
): { success: true; data: z.output<S> } | { success: false; issues: FieldIssue[] } {
  const nulAt = findNul(input);
  if (nulAt !== undefined) return { success: false, issues: [nulIssue(nulAt)] };
  const result = schema.safeParse(input);
  return result.success
    ? { success: true, data: result.data }
    : { success: false, issues: toFieldIssues(result.error) };
}

/**
 * `parseInput(InboundEmail, JSON.parse(raw), 'request body')`: typed data, or VALIDATION_FAILED. For
 * inputs that do not come through `req.body`/`req.query`/`req.params` (raw webhook bodies, CSV rows).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = safeParseInput(schema, input);
  if (!result.success) throw AppError.validation(result.issues, `invalid ${what}`);
  return result.data;
}

export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parseInput(schema, req.body, 'request body');
}

export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parseInput(schema, req.query, 'query parameters');
}

export function parseParams<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parseInput(schema, req.params, 'path parameters');
}
