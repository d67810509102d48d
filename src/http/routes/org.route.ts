import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { findOrg } from '../../orgs/org-repository.js';
import { presentOrg } from '../../orgs/present-org.js';
import { updateOrg } from '../../orgs/update-org.js';
import { requireAdmin } from '../../compliance/require-admin.js';
import { listUsers } from '../../users/user-repository.js';
import { principalOf, requireScopes } from '../auth-hooks.js';

/** `GET /crm/{v}/org`: the caller's org (the SDK reads it during initialisation). */
export const orgRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (fastify) => {
    fastify.get('/crm/:version/org', async (request) => {
      const principal = principalOf(request);
      requireScopes(principal, ['ZohoCRM.org.READ']);
      const org = await findOrg(ctx.db, principal.orgId);
      if (!org) throw new AppError('INVALID_TOKEN');
      const users = await listUsers(ctx.db, org.id);
      const primary = users.find((u) => u.profile === 'admin') ?? users[0];
      return { org: [presentOrg(org, primary)] };
    });

    // Beyond Zoho (which switches GDPR compliance in Setup only): Administrators turn
    // `privacy_settings` on or off with `{"org":[{"privacy_settings":true}]}`.
    fastify.put('/crm/:version/org', async (request) => {
      const principal = principalOf(request);
      requireScopes(principal, ['ZohoCRM.org.UPDATE']);
      await requireAdmin(ctx, principal);
      const list = (request.body as { org?: unknown } | undefined)?.org;
      const item = Array.isArray(list) && list.length === 1 ? (list[0] as Record<string, unknown>) : undefined;
      if (!item || typeof item !== 'object' || typeof item.privacy_settings !== 'boolean') {
        throw new AppError('INVALID_DATA', { details: { api_name: 'privacy_settings', json_path: '$.org[0].privacy_settings', expected_data_type: 'boolean' } });
      }
      const org = await updateOrg(ctx, { orgId: principal.orgId, privacySettings: item.privacy_settings, actor: { type: 'user', id: principal.userId } });
      return { org: [{ code: 'SUCCESS', details: { id: org.id, privacy_settings: org.privacy_settings === 1 }, message: 'org updated successfully', status: 'success' }] };
    });
  };
