import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.js';
import { getEmailLimits } from '../../limits/get-email-limits.js';
import { principalOf } from '../auth-hooks.js';
import * as schemas from '../schemas/settings.js';

/** `GET /settings/email_limits`: today's individual-mail limit of the caller's org (beyond Zoho). */
export const emailLimitRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (fastify) => {
    // The scope of the other email settings (from_addresses); settings.READ/ALL cover it.
    fastify.get('/crm/:version/settings/email_limits', { schema: schemas.emailLimits, config: { scopes: ['ZohoCRM.settings.emails.READ'] } }, async (request) =>
      getEmailLimits(ctx, principalOf(request)),
    );
  };
