import { requireAdmin } from '../compliance/require-admin.js';
import type { Context, Principal } from '../context.js';
import type { OrgRow } from './org-repository.js';
import { updateOrg } from './update-org.js';

/**
 * `PUT /org` with `{"org": [{"privacy_settings": true}]}` (beyond Zoho, which switches GDPR
 * compliance in Setup only), for Administrators (ADMIN_ONLY otherwise, checked before `read`
 * reads the request).
 */
export async function changePrivacySettings(ctx: Context, principal: Principal, read: () => { privacySettings: boolean }): Promise<OrgRow> {
  await requireAdmin(ctx, principal);
  const { privacySettings } = read();
  return updateOrg(ctx, { orgId: principal.orgId, privacySettings, actor: { type: 'user', id: principal.userId } });
}
