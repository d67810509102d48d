import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.js';
import { getEmailLimits } from '../../limits/get-email-limits.js';
import { principalOf, requireScopes } from '../auth-hooks.js';

/** `GET /settings/email_limits`: today's individual-mail limit of the caller's org (beyond Zoho). */
export const emailLimitRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (fastify) => {
    fastify.get('/crm/:version/settings/email_limits', async (request) => {
      const principal = principalOf(request);
      // The scope of the other email settings (from_addresses); settings.READ/ALL cover it.
      requireScopes(principal, ['ZohoCRM.settings.emails.READ']);
      return getEmailLimits(ctx, principal);
    });
  };
