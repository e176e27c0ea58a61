/**
 * The rule for every string the API accepts: no NUL (U+0000). Postgres `text` and `jsonb` cannot hold
 * it, so a NUL that got past validation failed deep inside a query as a 500. service-kit's request
 * parsers (`parseBody`, `parseQuery`, `parseParams`, fast reads) run `findNul` over the raw input before
 * any schema, so no route can forget it; inputs that are not JSON (CSV, webhooks) call it themselves.
 */
import type { FieldIssue } from './errors.js';

export const NUL_ISSUE_CODE = 'nul_character';

/** A value met on the walk, with the way back to the root (paths are built only for a hit). */
interface Visit {
  value: unknown;
  key: PropertyKey | undefined;
  parent: Visit | undefined;
}

function pathOf(visit: Visit | undefined, last?: PropertyKey): PropertyKey[] {
  const reversed: PropertyKey[] = last === undefined ? [] : [last];
  for (let at = visit; at?.key !== undefined; at = at.parent) reversed.push(at.key);
  return reversed.reverse();
}

/**
 * The path of the first string in `value` (a value or an object key, at any depth) that contains NUL, or
 * undefined when there is none. Walks iteratively, so a deeply nested body cannot exhaust the stack.
 */
export function findNul(value: unknown): PropertyKey[] | undefined {
  const pending: Visit[] = [{ value, key: undefined, parent: undefined }];
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    const current = visit.value;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return pathOf(visit);
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) {
        pending.push({ value: current[index], key: index, parent: visit });
      }
    } else if (typeof current === 'object' && current !== null) {
      const entries = Object.entries(current);
      for (const [key] of entries) if (key.includes('\u0000')) return pathOf(visit, key);
      for (let index = entries.length - 1; index >= 0; index--) {
        const [key, child] = entries[index] as [string, unknown];
        pending.push({ value: child, key, parent: visit });
      }
    }
  }
  return undefined;
}

/** The VALIDATION_FAILED issue for a NUL at `path` (dotted, like every FieldIssue path). */
export function nulIssue(path: readonly PropertyKey[], prefix = ''): FieldIssue {
  const dotted = [prefix, ...path.map(String)].filter((part) => part !== '').join('.');
  return { path: dotted, message: 'must not contain NUL (U+0000)', code: NUL_ISSUE_CODE };
}
