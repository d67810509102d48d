import type { Context, Principal } from '../context.js';
import { listProfilePermissions, type ProfilePermissions } from './permissions.js';
import { requireAdmin } from './require-admin.js';

/** `GET /settings/profile_permissions`: every profile's permissions, for Administrators (ADMIN_ONLY otherwise). */
export async function readProfilePermissions(ctx: Context, principal: Principal): Promise<ProfilePermissions[]> {
  await requireAdmin(ctx, principal);
  return listProfilePermissions(ctx.db, principal.orgId);
}
