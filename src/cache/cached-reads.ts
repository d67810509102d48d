import type { Context } from '../context.js';
import type { PermissionKey } from '../compliance/permissions.js';
import { listPermissionRows, type PermissionRow } from '../compliance/permission-repository.js';
import type { Profile } from '../db/schema.js';
import { listOrgFromAddresses, type OrgFromAddressRow } from '../mail/from-address-repository.js';
import { findOrg, type OrgRow } from '../orgs/org-repository.js';
import { findCustomModuleRows, type CustomModuleRow } from '../records/custom-module-repository.js';
import { findUserById, type UserRow } from '../users/user-repository.js';

/**
 * Reads through this process's caches (src/cache/caches.ts), for the hot path of API requests.
 * Writers invalidate: update-org.ts (`invalidateOrg`), permissions.ts, create-custom-module.ts,
 * add-org-from-address.ts, token revocation (`tokensChanged`). Anything read inside a
 * transaction that must see the latest row reads the repository, not these.
 */
export const readOrg = (ctx: Context, orgId: string): Promise<OrgRow | undefined> =>
  ctx.cache.orgs.load(orgId, () => findOrg(ctx.db, orgId));

export const readUser = (ctx: Context, orgId: string, userId: string): Promise<UserRow | undefined> =>
  ctx.cache.users.load(`${orgId}/${userId}`, () => findUserById(ctx.db, orgId, userId));

export async function readPermissionRows(ctx: Context, orgId: string): Promise<readonly PermissionRow[]> {
  return (await ctx.cache.permissions.load(orgId, () => listPermissionRows(ctx.db, orgId))) ?? [];
}

/** Whether the profile has the permission (granted unless a row turns it off). */
export async function readHasPermission(ctx: Context, orgId: string, profile: Profile, permission: PermissionKey): Promise<boolean> {
  const row = (await readPermissionRows(ctx, orgId)).find((r) => r.profile === profile && r.permission === permission);
  return row === undefined || row.enabled === 1;
}

export async function readCustomModuleRows(ctx: Context, orgId: string): Promise<readonly CustomModuleRow[]> {
  return (await ctx.cache.customModules.load(orgId, () => findCustomModuleRows(ctx.db, orgId))) ?? [];
}

export async function readOrgFromAddresses(ctx: Context, orgId: string): Promise<readonly OrgFromAddressRow[]> {
  return (await ctx.cache.orgFromAddresses.load(orgId, () => listOrgFromAddresses(ctx.db, orgId))) ?? [];
}
