import { requireAdmin } from '../compliance/require-admin.js';
import type { Context, Principal } from '../context.js';
import type { OrgSettingsChange } from '../wire/settings-writes.js';
import type { OrgRow } from './org-repository.js';
import { updateOrg } from './update-org.js';

/**
 * `PUT /org` (beyond Zoho): `privacy_settings` (GDPR compliance, which Zoho switches in Setup
 * only), `one_click_unsubscribe` (RFC 8058 headers, docs/compliance.md) and `email_tracking`
 * (open and click tracking, README), for Administrators
 * (ADMIN_ONLY otherwise, checked before `read` reads the request). Each change is audited.
 */
export async function changeOrgSettings(ctx: Context, principal: Principal, read: () => OrgSettingsChange): Promise<OrgRow> {
  await requireAdmin(ctx, principal);
  const change = read();
  return updateOrg(ctx, {
    orgId: principal.orgId,
    ...(change.privacySettings !== undefined ? { privacySettings: change.privacySettings } : {}),
    ...(change.oneClickUnsubscribe !== undefined ? { oneClickUnsubscribe: change.oneClickUnsubscribe } : {}),
    ...(change.emailTracking !== undefined ? { emailTracking: change.emailTracking } : {}),
    actor: { type: 'user', id: principal.userId },
  });
}
