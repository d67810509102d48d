import { requireAdmin } from '../compliance/require-admin.js';
import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { findDkimKey } from './dkim-key-repository.js';
import { createDkimKey, listDkimKeyViews, removeDkimKey, rotateDkimKey, type CreateDkimKeyInput, type DkimKeyView } from './dkim-keys.js';

/**
 * The admin API's DKIM use-cases (`/crm/{v}/settings/dkim_keys`): Administrators only
 * (ADMIN_ONLY otherwise), on their own org's keys — another org's key id answers like a missing
 * one. The CLI (an operator) calls dkim-keys.ts directly.
 */
export type DkimKeyRequest = Omit<CreateDkimKeyInput, 'orgId'>;

export async function listOrgDkimKeys(ctx: Context, principal: Principal): Promise<DkimKeyView[]> {
  await requireAdmin(ctx, principal);
  return listDkimKeyViews(ctx, principal.orgId);
}

export async function createOrgDkimKey(ctx: Context, principal: Principal, read: () => DkimKeyRequest): Promise<DkimKeyView> {
  await requireAdmin(ctx, principal);
  return createDkimKey(ctx, { ...read(), orgId: principal.orgId });
}

export async function rotateOrgDkimKey(ctx: Context, principal: Principal, read: () => DkimKeyRequest): Promise<{ created: DkimKeyView; signing: DkimKeyView[] }> {
  await requireAdmin(ctx, principal);
  return rotateDkimKey(ctx, { ...read(), orgId: principal.orgId });
}

export async function deleteOrgDkimKey(ctx: Context, principal: Principal, id: string): Promise<void> {
  await requireAdmin(ctx, principal);
  const key = /^\d{1,19}$/.test(id) ? await findDkimKey(ctx.db, principal.orgId, id) : undefined;
  if (!key) throw new AppError('NOT_FOUND', { details: { api_name: 'id', id } });
  await removeDkimKey(ctx, { orgId: principal.orgId, domain: key.domain, selector: key.selector });
}
