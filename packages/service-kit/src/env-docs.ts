/**
 * Turns a service's env schema into rows for the generated docs/configuration.md, so the reference can never
 * drift from what the service actually accepts.
 */
import type { z } from 'zod';

export interface EnvVarDoc {
  name: string;
  /** True when the service refuses to start without it (no default, not optional). */
  required: boolean;
  /** The default, rendered as it would be written in the env; undefined when there is none. */
  default: string | undefined;
  description: string;
  /** The accepted values, for enum variables. */
  allowed?: string[];
}

type AnySchema = z.core.$ZodType;

/** Wrappers that change presence or defaults but not the value's meaning; we look through them. */
function innerOf(schema: AnySchema): AnySchema | undefined {
  const def = schema._zod.def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return (def as z.core.$ZodOptionalDef).innerType;
    case 'pipe':
      return (def as z.core.$ZodPipeDef).in;
    default:
      return undefined;
  }
}

function describeVariable(name: string, schema: AnySchema): EnvVarDoc | string {
  let description: string | undefined;
  let defaultValue: unknown;
  let hasDefault = false;
  let optional = false;
  let allowed: string[] | undefined;

  for (let current: AnySchema | undefined = schema; current; current = innerOf(current)) {
    description ??= (current as z.ZodType).description;
    const def = current._zod.def;
    if (def.type === 'optional') optional = true;
    if (!hasDefault && (def.type === 'default' || def.type === 'prefault')) {
      hasDefault = true;
      defaultValue = (def as z.core.$ZodDefaultDef).defaultValue;
    }
    if (def.type === 'enum') allowed = Object.values((def as z.core.$ZodEnumDef).entries).map(String);
  }

  if (!description) return name;
  const row: EnvVarDoc = {
    name,
    required: !optional && !hasDefault,
    default: hasDefault ? String(defaultValue) : undefined,
    description,
  };
  if (allowed) row.allowed = allowed;
  return row;
}

/**
 * One row per variable of an env schema, in declaration order. Throws when a variable has no `.describe()`,
 * because an undocumented variable is a bug in the schema, not something to paper over in the docs.
 */
export function describeEnv(schema: z.ZodObject): EnvVarDoc[] {
  const rows: EnvVarDoc[] = [];
  const undocumented: string[] = [];
  for (const [name, field] of Object.entries(schema.shape)) {
    const row = describeVariable(name, field);
    if (typeof row === 'string') undocumented.push(row);
    else rows.push(row);
  }
  if (undocumented.length > 0) {
    throw new Error(`env variables without a .describe(): ${undocumented.join(', ')}`);
  }
  return rows;
}
