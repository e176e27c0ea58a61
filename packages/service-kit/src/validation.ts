/**
 * Request parsing for thin routes: `parseBody(CreateOrder, req)` returns typed data or throws
 * VALIDATION_FAILED with one FieldIssue per problem.
 */
import type { FieldIssue } from '@cartwatch/common-types';
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

function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw AppError.validation(toFieldIssues(result.error), `invalid ${what}`);
  return result.data;
}

export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parseOrThrow(schema, req.body, 'request body');
}

export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parseOrThrow(schema, req.query, 'query parameters');
}

export function parseParams<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parseOrThrow(schema, req.params, 'path parameters');
}
