import { hashPassword } from '../auth/passwords.js';
import type { Context } from '../context.js';
import type { Database } from '../db/database.js';
import type { Profile } from '../db/schema.js';
import { AppError } from '../errors.js';
import { isValidEmail } from '../records/email-address.js';
import { findUserByEmail, insertUser, type UserRow } from './user-repository.js';

export type CreateUserInput = {
  orgId: string;
  email: string;
  name: string;
  profile?: Profile;
  password?: string;
  confirmed?: boolean;
};

/** Splits "Patricia Boyle" into first and last name the way Zoho's user form does. */
export function splitName(name: string): { firstName: string | null; lastName: string } {
  const trimmed = name.trim().replace(/\s+/g, ' ');
  const space = trimmed.lastIndexOf(' ');
  if (space <= 0) return { firstName: null, lastName: trimmed };
  return { firstName: trimmed.slice(0, space), lastName: trimmed.slice(space + 1) };
}

/** Adds a user to an org. Email addresses are unique within an org (case-insensitively). */
export async function createUser(ctx: Context, input: CreateUserInput, db: Database = ctx.db): Promise<UserRow> {
  const email = input.email.trim().toLowerCase();
  if (!isValidEmail(email)) throw new AppError('INVALID_DATA', { details: { api_name: 'email' } });
  if (input.name.trim().length === 0 || input.name.length > 200) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'name' } });
  }
  if (input.password !== undefined && (input.password.length < 8 || input.password.length > 200)) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'password', minimum_length: 8 } });
  }
  if (await findUserByEmail(db, input.orgId, email)) {
    throw new AppError('ALREADY_EXISTS', { details: { api_name: 'email' } });
  }
  const { firstName, lastName } = splitName(input.name);
  const confirmed = input.confirmed ?? true;
  const row: UserRow = {
    id: ctx.ids.next(),
    org_id: input.orgId,
    first_name: firstName,
    last_name: lastName,
    email,
    profile: input.profile ?? 'standard',
    status: 'active',
    is_confirmed: confirmed ? 1 : 0,
    is_email_confirmed: confirmed ? 1 : 0,
    password_hash: input.password === undefined ? null : await hashPassword(input.password),
    time_zone: null,
    created_at: ctx.clock.now(),
  };
  await insertUser(db, row);
  ctx.cache.orgLimitFacts.invalidate(input.orgId); // the daily limit counts confirmed active users
  return row;
}
