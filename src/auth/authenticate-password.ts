import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { findPasswordUsersByEmail } from '../users/user-repository.js';
import { verifyPassword } from './passwords.js';

/**
 * A well-formed scrypt hash of no password anyone knows: an unknown email costs one scrypt run
 * too, so the answer's timing does not tell which emails exist.
 */
const DUMMY_HASH =
  'scrypt$16384$8$1$6d61696c726f6f6d2d6e6f2d75736572$0000000000000000000000000000000000000000000000000000000000000000';

/**
 * Signs a user in by email and password (the local mailbox's HTTP Basic). The email names no
 * org: when several orgs have a user with that email, each is tried until one password verifies.
 * Any failure (unknown email, no password set, inactive user, wrong password) is
 * AUTHENTICATION_FAILURE. The principal carries no OAuth scopes.
 */
export async function authenticatePassword(ctx: Context, email: string, password: string): Promise<Principal> {
  const candidates = email.length > 0 && email.length <= 320 && password.length <= 1024 ? await findPasswordUsersByEmail(ctx.db, email.trim()) : [];
  if (candidates.length === 0) {
    await verifyPassword(password.slice(0, 1024), DUMMY_HASH);
    throw new AppError('AUTHENTICATION_FAILURE');
  }
  for (const user of candidates) {
    if (await verifyPassword(password, user.password_hash)) {
      return { orgId: user.org_id, userId: user.id, scopes: [], timeZone: user.time_zone };
    }
  }
  throw new AppError('AUTHENTICATION_FAILURE');
}
