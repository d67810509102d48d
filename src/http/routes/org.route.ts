import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { changeOrgSettings } from '../../orgs/change-org-settings.js';
import { readOrgSettingsChange } from '../../wire/settings-writes.js';
import { findOrg } from '../../orgs/org-repository.js';
import { emailTrackingOn } from '../../tracking/tracking-setting.js';
import { presentOrg } from '../../orgs/present-org.js';
import { listUsers } from '../../users/user-repository.js';
import { principalOf } from '../auth-hooks.js';
import * as schemas from '../schemas/settings.js';

/** `GET /crm/{v}/org`: the caller's org (the SDK reads it during initialisation). */
export const orgRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (fastify) => {
    fastify.get('/crm/:version/org', { schema: schemas.getOrg, config: { scopes: ['ZohoCRM.org.READ'] } }, async (request) => {
      const principal = principalOf(request);
      const org = await findOrg(ctx.db, principal.orgId);
      if (!org) throw new AppError('INVALID_TOKEN');
      const users = await listUsers(ctx.db, org.id);
      const primary = users.find((u) => u.profile === 'admin') ?? users[0];
      return { org: [presentOrg(org, primary)] };
    });

    // Beyond Zoho (which switches GDPR compliance in Setup only): Administrators turn
    // `privacy_settings` and Mailroom's `one_click_unsubscribe` on or off with
    // `{"org":[{"privacy_settings":true,"one_click_unsubscribe":true,"email_tracking":true}]}` (any of them).
    fastify.put('/crm/:version/org', { schema: schemas.updateOrg, config: { scopes: ['ZohoCRM.org.UPDATE'], admin: true } }, async (request) => {
      const org = await changeOrgSettings(ctx, principalOf(request), () => readOrgSettingsChange(request.body));
      const details = { id: org.id, privacy_settings: org.privacy_settings === 1, one_click_unsubscribe: org.one_click_unsubscribe === 1, email_tracking: emailTrackingOn(org) };
      return { org: [{ code: 'SUCCESS', details, message: 'org updated successfully', status: 'success' }] };
    });
  };
