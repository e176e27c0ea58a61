/** The env schema every service starts from: the kit's base variables with this service's defaults. */
import { type ServiceName, services } from '@cartwatch/common-types';
import { baseServiceEnv, serviceEnv } from '@cartwatch/service-kit';
import { z } from 'zod';

const schemaName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case Postgres identifier');

/**
 * `serviceEnvSchema('orders', { MY_VAR: z.string().describe('...') })`: the base variables (PORT and
 * DB_SCHEMA defaulting to the registry's port and schema) plus the service's own.
 */
export function serviceEnvSchema<Extra extends z.ZodRawShape>(name: ServiceName, extra: Extra) {
  const { schema } = services[name];
  return serviceEnv(name).extend({
    DB_SCHEMA: schemaName
      .default(schema)
      .describe(
        `Postgres schema this service owns (default \`${schema}\`); tests point it at an isolated one.`,
      ),
    ...extra,
  });
}

/** What the migrate command needs, and nothing else. */
export const migrateEnvSchema = z.object({
  DATABASE_URL: baseServiceEnv.shape.DATABASE_URL,
  DB_SCHEMA: schemaName.optional(),
});
