import type { Context } from '../context.js';
import { inTransaction, type Database } from '../db/database.js';
import type { Profile } from '../db/schema.js';
import { AppError } from '../errors.js';
import { recordAudit, type AuditEntry } from './audit-log.js';
import { readHasPermission } from '../cache/cached-reads.js';
import { findPermissionEnabled, listPermissionRows, upsertPermission } from './permission-repository.js';

/**
 * Profile permissions (docs/zoho-contract.md §3.3 step 4). Mailroom has two profiles per org, Administrator
 * and Standard; every permission is granted unless an admin takes it away (`mailroom profile
 * permission`, `PUT /settings/profile_permissions`). The names are Zoho's `details.permissions`
 * words for the permission that is missing.
 */
export const PERMISSIONS = {
  send_email: 'Crm_Implied_Send_Email',
} as const;

export type PermissionKey = keyof typeof PERMISSIONS;
export const PERMISSION_KEYS = Object.keys(PERMISSIONS) as PermissionKey[];
export const PROFILES: readonly Profile[] = ['admin', 'standard'];

export async function hasPermission(db: Database, orgId: string, profile: Profile, permission: PermissionKey): Promise<boolean> {
  const enabled = await findPermissionEnabled(db, orgId, profile, permission);
  return enabled === undefined || enabled === 1;
}

/** NO_PERMISSION (403) naming the missing permission, unless the profile has it. */
export async function requirePermission(db: Database, orgId: string, profile: Profile, permission: PermissionKey): Promise<void> {
  if (!(await hasPermission(db, orgId, profile, permission))) {
    throw new AppError('SEND_EMAIL_NOT_PERMITTED', { details: { permissions: [PERMISSIONS[permission]] } });
  }
}

/** `requirePermission` through this process's cache (src/cache): for the hot path of API requests. */
export async function requirePermissionCached(ctx: Context, orgId: string, profile: Profile, permission: PermissionKey): Promise<void> {
  if (!(await readHasPermission(ctx, orgId, profile, permission))) {
    throw new AppError('SEND_EMAIL_NOT_PERMITTED', { details: { permissions: [PERMISSIONS[permission]] } });
  }
}

export type ProfilePermissions = { profile: Profile; permissions: Record<PermissionKey, boolean> };

export async function listProfilePermissions(db: Database, orgId: string): Promise<ProfilePermissions[]> {
  const rows = await listPermissionRows(db, orgId);
  return PROFILES.map((profile) => ({
    profile,
    permissions: Object.fromEntries(
      PERMISSION_KEYS.map((key) => [key, rows.find((r) => r.profile === profile && r.permission === key)?.enabled !== 0]),
    ) as Record<PermissionKey, boolean>,
  }));
}

export type SetPermissionInput = { orgId: string; profile: string; permission: string; enabled: boolean; actor: AuditEntry['actor'] };

/** The profile and permission a change names, or INVALID_DATA naming the unknown one. */
export function checkPermissionChange(input: Pick<SetPermissionInput, 'profile' | 'permission'>): { profile: Profile; permission: PermissionKey } {
  if (!(PROFILES as readonly string[]).includes(input.profile)) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'profile', supported_values: PROFILES } });
  }
  if (!(PERMISSION_KEYS as readonly string[]).includes(input.permission)) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'permission', supported_values: PERMISSION_KEYS } });
  }
  return { profile: input.profile as Profile, permission: input.permission as PermissionKey };
}

export async function setProfilePermission(ctx: Context, input: SetPermissionInput): Promise<ProfilePermissions[]> {
  const { profile, permission } = checkPermissionChange(input);
  const before = await hasPermission(ctx.db, input.orgId, profile, permission);
  await inTransaction(ctx.db, async (tx) => {
    await upsertPermission(tx, { org_id: input.orgId, profile, permission, enabled: input.enabled ? 1 : 0 });
    if (before !== input.enabled) {
      await recordAudit(ctx, tx, {
        orgId: input.orgId,
        actor: input.actor,
        action: 'permission.changed',
        reason: `${permission} ${input.enabled ? 'granted to' : 'taken from'} the ${profile} profile`,
        details: { profile, permission, enabled: input.enabled },
      });
    }
  });
  ctx.cache.permissions.invalidate(input.orgId);
  return listProfilePermissions(ctx.db, input.orgId);
}
