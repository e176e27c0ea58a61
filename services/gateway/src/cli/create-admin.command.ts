/**
 * `create-admin --email <address> [--password <password>]`: creates the admin account, or makes an
 * existing account with that address an admin; running it again changes nothing. The password may come
 * from ADMIN_PASSWORD instead of the command line (which other users of the machine can see). Uses the
 * gateway's DATABASE_URL / DB_SCHEMA and argon2id parameters, and the same function as the start-up
 * ADMIN_EMAIL bootstrap.
 */
import { parseArgs } from 'node:util';
import { createDatabase } from '@cartwatch/db';
import { ConfigError, loadConfig } from '@cartwatch/service-kit';
import { ensureAdminAccount } from '../auth/admin-account.js';
import { PasswordHasher } from '../auth/password.js';
import { envVariables } from '../config.js';
import type { DB } from '../db/schema.js';

const commandEnv = envVariables
  .pick({
    DATABASE_URL: true,
    DB_SCHEMA: true,
    ARGON2_MEMORY_KIB: true,
    ARGON2_TIME_COST: true,
    ARGON2_PARALLELISM: true,
    ADMIN_EMAIL: true,
    ADMIN_PASSWORD: true,
  })
  .required({ ADMIN_EMAIL: true, ADMIN_PASSWORD: true });

const usage =
  'usage: create-admin --email <address> [--password <password>]  (or ADMIN_PASSWORD in the environment)';

/** Runs the command; returns the process exit code (0 done, 1 failed, 2 bad input). */
export async function runCreateAdmin(options: {
  argv: string[];
  env: NodeJS.ProcessEnv;
  out?: (line: string) => void;
}): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  let args: { email?: string; password?: string };
  try {
    args = parseArgs({
      args: options.argv,
      options: { email: { type: 'string' }, password: { type: 'string' } },
      strict: true,
    }).values;
  } catch (error) {
    out(`create-admin: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  let config: ReturnType<typeof commandEnv.parse>;
  try {
    config = loadConfig(commandEnv, {
      ...options.env,
      ...(args.email !== undefined && { ADMIN_EMAIL: args.email }),
      ...(args.password !== undefined && { ADMIN_PASSWORD: args.password }),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    out(`create-admin: ${error.message}\n${usage}`);
    return 2;
  }
  const database = createDatabase<DB>({
    connectionString: config.DATABASE_URL,
    schema: config.DB_SCHEMA,
    max: 1,
    applicationName: 'gateway-create-admin',
  });
  try {
    const hasher = new PasswordHasher({
      memoryCost: config.ARGON2_MEMORY_KIB,
      timeCost: config.ARGON2_TIME_COST,
      parallelism: config.ARGON2_PARALLELISM,
    });
    const outcome = await ensureAdminAccount(database.db, hasher, {
      email: config.ADMIN_EMAIL,
      password: config.ADMIN_PASSWORD,
      promoteExisting: true,
    });
    const messages = {
      created: 'admin account created',
      exists: 'already an admin; nothing changed (the password was not changed)',
      promoted: 'existing account promoted to admin (its password was not changed)',
      'taken-by-user': 'the address belongs to another account',
    } as const;
    out(`${config.ADMIN_EMAIL.toLowerCase()}: ${messages[outcome]}`);
    return outcome === 'taken-by-user' ? 1 : 0;
  } catch (error) {
    out(`create-admin failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await database.close();
  }
}
