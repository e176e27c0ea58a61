/**
 * The admin account, through one function for both ways it is made: ADMIN_EMAIL / ADMIN_PASSWORD at
 * start-up, and the `create-admin` command an operator runs.
 */
import { newId } from '@cartwatch/db';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import * as repo from './auth.repository.js';
import type { PasswordHasher } from './password.js';

export type AdminOutcome = 'created' | 'exists' | 'promoted' | 'taken-by-user';

export interface AdminAccountInput {
  email: string;
  password: string;
  /**
   * Make an existing non-admin account with this address an admin. Only the command does this: at
   * start-up it would hand admin rights to whoever self-registered the configured address first.
   */
  promoteExisting: boolean;
}

/**
 * Creates the admin account (argon2id hash, e-mail verified) when the address is unused; an existing
 * admin is left as it is (idempotent, its password unchanged); an existing other account is promoted
 * only with `promoteExisting`, keeping its password.
 */
export async function ensureAdminAccount(
  db: Kysely<DB>,
  hasher: PasswordHasher,
  input: AdminAccountInput,
): Promise<AdminOutcome> {
  const email = input.email.trim().toLowerCase();
  const existing = await repo.findUserByEmail(db, email);
  if (existing?.role === 'admin') return 'exists';
  if (existing) {
    if (!input.promoteExisting) return 'taken-by-user';
    await repo.updateUser(db, existing.id, { role: 'admin', retailer_slug: null });
    return 'promoted';
  }
  const created = await repo.insertUser(db, {
    id: newId(),
    email,
    display_name: 'Administrator',
    password_hash: await hasher.hash(input.password),
    role: 'admin',
    email_verified_at: new Date(),
    phone: null,
    second_factor: null,
  });
  // Lost a race with another replica or command creating the same address: look again.
  return created ? 'created' : ensureAdminAccount(db, hasher, input);
}
