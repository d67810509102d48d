import { requireAdmin } from '../compliance/require-admin.js';
import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import type { OrgRow } from './org-repository.js';
import { updateOrg } from './update-org.js';

/**
 * `PUT /org` with `{"org": [{"privacy_settings": true}]}` (beyond Zoho, which switches GDPR
 * compliance in Setup only), for Administrators (ADMIN_ONLY otherwise).
 */
export async function changePrivacySettings(ctx: Context, principal: Principal, body: unknown): Promise<OrgRow> {
  await requireAdmin(ctx, principal);
  const list = (body as { org?: unknown } | undefined)?.org;
  const item = Array.isArray(list) && list.length === 1 ? (list[0] as Record<string, unknown>) : undefined;
  if (!item || typeof item !== 'object' || typeof item.privacy_settings !== 'boolean') {
    throw new AppError('INVALID_DATA', { details: { api_name: 'privacy_settings', json_path: '$.org[0].privacy_settings', expected_data_type: 'boolean' } });
  }
  return updateOrg(ctx, { orgId: principal.orgId, privacySettings: item.privacy_settings, actor: { type: 'user', id: principal.userId } });
}
