import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { findOrg } from '../../orgs/org-repository.js';
import { presentOrg } from '../../orgs/present-org.js';
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
  };
