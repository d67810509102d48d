import type { Context, Principal } from '../context.js';
import { quotaStatus } from './daily-quota.js';

/**
 * `GET /crm/{v}/settings/email_limits` (beyond Zoho, which shows the limit only in its UI): the
 * org's daily individual-mail limit, what is used of it today and when it resets. One entry today;
 * a list so that mass-mail limits can join it in Zoho's `type` vocabulary.
 */
export async function getEmailLimits(ctx: Context, principal: Principal): Promise<{ email_limits: Record<string, unknown>[] }> {
  const status = await quotaStatus(ctx.db, principal.orgId, ctx.clock.now());
  return {
    email_limits: [
      {
        type: 'individual',
        period: status.period,
        allowed_limit: status.limit,
        used: status.used,
        remaining: status.remaining,
        resets_at: status.resets_at,
      },
    ],
  };
}
