import type { Context } from '../context.js';
import { editionHas } from '../limits/edition-features.js';
import type { OrgRow } from '../orgs/org-repository.js';
import type { FieldPath } from '../errors.js';
import { refuse } from '../refusals.js';

/**
 * When a mail may be scheduled (docs/zoho-contract.md §3.6): not on the free edition (Zoho: free and trial),
 * not in the past, not beyond SCHEDULE_HORIZON_DAYS. A time within the current second counts as
 * now, not as past, so a client's "now" is not refused for clock skew of a few hundred ms.
 */
const PAST_TOLERANCE_MS = 1000;

export function checkScheduleTime(
  ctx: Context,
  org: Pick<OrgRow, 'edition'>,
  scheduledMs: number,
): void {
  const path: FieldPath = ['scheduled_time'];
  if (!editionHas(org.edition, 'email_scheduling')) throw refuse('SCHEDULING_NOT_IN_EDITION', path);
  const now = ctx.clock.now();
  if (scheduledMs < now - PAST_TOLERANCE_MS) throw refuse('SCHEDULE_TIME_PAST', path);
  if (scheduledMs > now + ctx.config.delivery.scheduleHorizonMs) {
    throw refuse('SCHEDULE_TIME_TOO_FAR', path, { maximum_days: Math.round(ctx.config.delivery.scheduleHorizonMs / 86_400_000) });
  }
}
