import type { Context, Principal } from '../context.js';
import { inTransaction } from '../db/database.js';
import { AppError } from '../errors.js';
import { findOrg } from '../orgs/org-repository.js';
import { dailyLimitError, moveReservation, releaseReservation } from '../limits/daily-quota.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord } from '../records/record-repository.js';
import { cancelQueuedMail, rescheduleQueuedMail } from './lifecycle-repository.js';
import { findMail, type MailRow } from './mail-repository.js';
import type { ScheduledTime } from './mail-input.js';
import { checkScheduleTime } from './schedule-rules.js';

/**
 * Cancel and reschedule a mail that has not started sending (beyond Zoho, which offers this only
 * in its UI). Both are one compare-and-set on the mail row (`state = 'queued' and attempts = 0`;
 * lifecycle transitions `cancel` and `reschedule`, lifecycle-repository.ts), the same row a
 * worker's claim moves to `sending`: whichever commits first wins, the other sees that it lost. A mail a worker has started is refused with NOT_ALLOWED.
 */
async function requireMail(ctx: Context, principal: Principal, module: ModuleDefinition, recordId: string, messageId: string): Promise<MailRow> {
  const record = /^\d{1,19}$/.test(recordId) ? await findRecord(ctx.db, principal.orgId, module.apiName, recordId) : undefined;
  if (!record) throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 1 } });
  const mail = /^[0-9a-f]{64}$/.test(messageId) ? await findMail(ctx.db, principal.orgId, messageId) : undefined;
  if (!mail || (mail.record_id !== record.id && mail.linked_record_id !== record.id)) {
    throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 3 } });
  }
  return mail;
}

/** The mail changed: its message id (and, rescheduled, its new time). */
export type ChangedMail = Readonly<{ messageId: string }>;

export async function cancelMail(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  recordId: string,
  messageId: string,
): Promise<ChangedMail> {
  const mail = await requireMail(ctx, principal, module, recordId, messageId);
  const now = ctx.clock.now();
  const won = await inTransaction(ctx.db, async (tx) => {
    if (!(await cancelQueuedMail(tx, { mail, now }))) return false;
    // A cancelled mail never goes: it gives its daily quota back.
    if (mail.quota_day && mail.quota_units) {
      await releaseReservation(tx, { orgId: mail.org_id, day: mail.quota_day, amount: mail.quota_units });
    }
    return true;
  });
  if (!won) throw new AppError('MAIL_ALREADY_STARTED', { details: { message_id: mail.message_id } });
  return { messageId: mail.message_id };
}

export async function rescheduleMail(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  recordId: string,
  messageId: string,
  scheduled: ScheduledTime,
): Promise<ChangedMail> {
  const mail = await requireMail(ctx, principal, module, recordId, messageId);
  const org = await findOrg(ctx.db, principal.orgId);
  if (!org) throw new AppError('INVALID_TOKEN');
  checkScheduleTime(ctx, org, scheduled.ms);
  await inTransaction(ctx.db, async (tx) => {
    // A mail moved to another day takes its daily-quota reservation along; when that day is full
    // the reschedule is refused (LIMIT_EXCEEDED) and the mail keeps its time.
    let quotaDay = mail.quota_day ?? null;
    if (mail.quota_day && mail.quota_units) {
      const moved = await moveReservation(ctx, tx, { orgId: mail.org_id, day: mail.quota_day, amount: mail.quota_units, to: scheduled.ms });
      if (!moved.ok) throw dailyLimitError(moved.status);
      quotaDay = moved.day;
    }
    const won = await rescheduleQueuedMail(tx, {
      messageId: mail.message_id,
      scheduledAt: scheduled.ms,
      scheduledOffset: scheduled.offset,
      quotaDay,
      now: ctx.clock.now(),
    });
    if (!won) {
      // Lost to a worker (or a cancel): undo the quota move with the rest of the transaction.
      throw new AppError('MAIL_ALREADY_STARTED', { details: { message_id: mail.message_id } });
    }
    await ctx.wakeup.notifyInTransaction(tx);
  });
  ctx.wakeup.notifyLocal();
  return { messageId: mail.message_id };
}
