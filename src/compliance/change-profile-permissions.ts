import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { listProfilePermissions, setProfilePermission, type ProfilePermissions } from './permissions.js';
import { requireAdmin } from './require-admin.js';

/**
 * `PUT /settings/profile_permissions` with `{"profile_permissions": [{profile, permission, enabled}, …]}`
 * (1 to 10 changes, applied in order), for Administrators (ADMIN_ONLY otherwise). Answers every
 * profile's permissions afterwards.
 */
export async function changeProfilePermissions(ctx: Context, principal: Principal, body: unknown): Promise<ProfilePermissions[]> {
  await requireAdmin(ctx, principal);
  const list = (body as { profile_permissions?: unknown } | undefined)?.profile_permissions;
  if (!Array.isArray(list) || list.length === 0 || list.length > 10) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'profile_permissions', expected_data_type: 'jsonarray' } });
  }
  let latest = await listProfilePermissions(ctx.db, principal.orgId);
  for (const [index, entry] of list.entries()) {
    const item = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof item.profile !== 'string' || typeof item.permission !== 'string' || typeof item.enabled !== 'boolean') {
      throw new AppError('INVALID_DATA', { details: { json_path: `$.profile_permissions[${index}]`, expected_data_type: 'jsonobject' } });
    }
    latest = await setProfilePermission(ctx, {
      orgId: principal.orgId,
      profile: item.profile,
      permission: item.permission,
      enabled: item.enabled,
      actor: { type: 'user', id: principal.userId },
    });
  }
  return latest;
}
