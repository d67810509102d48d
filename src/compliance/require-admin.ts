import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { findUserById } from '../users/user-repository.js';

/** Settings that only an Administrator may read or change: NO_PERMISSION (403) for anyone else. */
export async function requireAdmin(ctx: Context, principal: Principal): Promise<void> {
  const user = await findUserById(ctx.db, principal.orgId, principal.userId);
  if (user?.profile !== 'admin') throw new AppError('ADMIN_ONLY', { details: { permissions: ['Crm_Implied_Manage_Settings'] } });
}
