/**
 * The create-admin command against a real database: creates an argon2id admin, is idempotent, promotes
 * an existing account without touching its password, and refuses bad input without writing anything.
 */
import { testEnv } from '@cartwatch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCreateAdmin } from '../src/cli/create-admin.command.js';
import { createGatewayDatabase } from './harness.js';

let database: Awaited<ReturnType<typeof createGatewayDatabase>>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  database = await createGatewayDatabase();
  env = { DATABASE_URL: testEnv().databaseUrl, DB_SCHEMA: database.schema };
});

afterAll(async () => {
  await database.drop();
});

async function run(argv: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const lines: string[] = [];
  const code = await runCreateAdmin({ argv, env: { ...env, ...extraEnv }, out: (line) => lines.push(line) });
  return { code, output: lines.join('\n') };
}

const userByEmail = (email: string) =>
  database.db.selectFrom('app_user').selectAll().where('email', '=', email).executeTakeFirst();

describe('create-admin', () => {
  it('creates an admin with an argon2id hash, and a second run changes nothing', async () => {
    const first = await run(['--email', 'Root@Example.com', '--password', 'correct horse battery']);
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toContain('created');
    const admin = await userByEmail('root@example.com');
    expect(admin?.role).toBe('admin');
    expect(admin?.email_verified_at).not.toBeNull();
    const [, algorithm, , parameters] = admin?.password_hash.split('$') ?? [];
    expect(algorithm).toBe('argon2id');
    expect(parameters?.split(',').sort()).toEqual(['m=19456', 'p=1', 't=2']);

    const second = await run(['--email', 'root@example.com', '--password', 'another long passphrase']);
    expect(second).toMatchObject({ code: 0 });
    expect(second.output).toContain('already an admin');
    const again = await userByEmail('root@example.com');
    expect(again?.password_hash).toBe(admin?.password_hash);
    const count = await database.db
      .selectFrom('app_user')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('email', '=', 'root@example.com')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  it('promotes an existing account, keeping its password, with the password from ADMIN_PASSWORD', async () => {
    await database.db
      .insertInto('app_user')
      .values({
        id: '0192f9b4-6f3c-7c1e-9d0a-4a5b6c7d8e77',
        email: 'ops@example.com',
        display_name: 'Ops',
        password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
        role: 'user',
        email_verified_at: null,
        phone: null,
        second_factor: null,
      })
      .execute();
    const result = await run(['--email', 'ops@example.com'], { ADMIN_PASSWORD: 'unused but valid pass' });
    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toContain('promoted');
    const promoted = await userByEmail('ops@example.com');
    expect(promoted?.role).toBe('admin');
    expect(promoted?.password_hash).toBe('$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g');
  });

  it('refuses a bad address, a short password and unknown flags with exit code 2, writing nothing', async () => {
    expect((await run(['--email', 'not-an-address', '--password', 'long enough password'])).code).toBe(2);
    expect((await run(['--email', 'short@example.com', '--password', 'short'])).code).toBe(2);
    expect((await run(['--email', 'flag@example.com', '--pasword', 'long enough password'])).code).toBe(2);
    expect((await run([])).output).toContain('usage: create-admin');
    for (const email of ['not-an-address', 'short@example.com', 'flag@example.com']) {
      expect(await userByEmail(email)).toBeUndefined();
    }
  });
});
