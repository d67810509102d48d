import type { Context, Principal } from '../context.js';
import type { ProfilePermissionChange } from '../wire/settings-writes.js';
import { checkPermissionChange, listProfilePermissions, setProfilePermission, type ProfilePermissions } from './permissions.js';
import { requireAdmin } from './require-admin.js';

/**
 * `PUT /settings/profile_permissions`: 1 to 10 changes, applied in order, for Administrators
 * (ADMIN_ONLY otherwise, checked before the request is read: `read` gives the changes, all of
 * them checked before the first is applied). Answers every profile's permissions afterwards.
 */
export async function changeProfilePermissions(
  ctx: Context,
  principal: Principal,
  read: () => readonly ProfilePermissionChange[],
): Promise<ProfilePermissions[]> {
  await requireAdmin(ctx, principal);
  const changes = read();
  // Every change is checked before the first is applied: a bad request changes nothing.
  for (const change of changes) checkPermissionChange(change);
  let latest = await listProfilePermissions(ctx.db, principal.orgId);
  for (const change of changes) {
    latest = await setProfilePermission(ctx, { orgId: principal.orgId, ...change, actor: { type: 'user', id: principal.userId } });
  }
  return latest;
}
