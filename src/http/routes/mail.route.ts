import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { listFromAddresses } from '../../mail/from-addresses.js';
import { getRecordEmail, listRecordEmails } from '../../mail/list-record-emails.js';
import { sendMail, type MailOutcome } from '../../mail/send-mail.js';
import { unblockEmail } from '../../mail/unblock-email.js';
import { cancelMail, rescheduleMail } from '../../mail/change-scheduled-mail.js';
import { findUserById } from '../../users/user-repository.js';
import { moduleScopes } from '../../auth/scopes.js';
import { itemAt, withErrorsAt } from '../../wire/item-errors.js';
import { emailJson, recordEmailsJson } from '../../wire/record-emails.js';
import { blockedRecipientsOn, readRescheduleRequest, readSendMailItems } from '../../wire/send-mail-request.js';
import { mailChangedReply, quotaHeaders, sendMailReply } from '../../wire/send-mail-reply.js';
import { readUnblockRequest, unblockedReply } from '../../wire/unblock-email.js';
import { idempotencyKeyOf, requestFingerprint } from '../idempotency-key.js';
import { moduleOf, principalOf, requireScopes, versionOf } from '../auth-hooks.js';

const sendMailScopes = (apiName: string, isCustom: boolean): string[] => {
  const names = new Set([apiName.toLowerCase().replace(/_/g, ''), apiName.toLowerCase(), ...(isCustom ? ['custom'] : [])]);
  return [...names].map((n) => `ZohoCRM.send_mail.${n}.CREATE`);
};

/** Send Mail, From addresses, the Emails related list and unblock_email. */
export const mailRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (fastify) => {
    const moduleFor = async (request: FastifyRequest) =>
      moduleOf(ctx, principalOf(request), (request.params as { module: string }).module);

    fastify.post('/crm/:version/:module/:id/actions/send_mail', async (request, reply) => {
      const principal = principalOf(request);
      const version = versionOf(request);
      const module = await moduleFor(request);
      requireScopes(principal, sendMailScopes(module.apiName, module.isCustom));
      const key = idempotencyKeyOf(request);
      const answer = (mails: readonly MailOutcome[]) => sendMailReply(mails, version);
      const result = await sendMail(ctx, principal, {
        module,
        recordId: (request.params as { id: string }).id,
        mails: () => readSendMailItems(request.body),
        blockedRecipients: blockedRecipientsOn(version),
        idempotency: key === null ? null : { key, fingerprint: requestFingerprint('POST', request.url, request.body), answer },
      });
      if (result.kind === 'replayed') return reply.header('idempotent-replayed', 'true').status(result.answer.status).send(result.answer.body);
      if (result.quota) reply.headers(quotaHeaders(result.quota));
      const { status, body } = answer(result.mails);
      return reply.status(status).send(body);
    });

    fastify.get('/crm/:version/settings/emails/actions/from_addresses', async (request) => {
      const principal = principalOf(request);
      requireScopes(principal, ['ZohoCRM.settings.emails.READ']);
      const userId = (request.query as { user_id?: unknown }).user_id;
      if (userId !== undefined && (typeof userId !== 'string' || !(await findUserById(ctx.db, principal.orgId, userId)))) {
        throw new AppError('INVALID_PARAMETER', { details: { param_name: 'user_id' } });
      }
      const addresses = await listFromAddresses(ctx.db, principal.orgId, typeof userId === 'string' ? userId : principal.userId);
      return { from_addresses: addresses ?? [] };
    });

    const emailsScopes = async (request: FastifyRequest) => {
      const principal = principalOf(request);
      const module = await moduleFor(request);
      requireScopes(principal, moduleScopes(module.apiName, 'READ', module.isCustom));
      requireScopes(principal, ['ZohoCRM.modules.emails.READ']);
      return module;
    };

    fastify.get('/crm/:version/:module/:id/Emails', async (request, reply) => {
      const module = await emailsScopes(request);
      const principal = principalOf(request);
      const page = await listRecordEmails(ctx, principal, module, (request.params as { id: string }).id, request.query as { type?: string; index?: string });
      if (!page) return reply.status(204).send();
      return recordEmailsJson(page, principal.timeZone);
    });

    fastify.get('/crm/:version/:module/:id/Emails/:messageId', async (request) => {
      const module = await emailsScopes(request);
      const { id, messageId } = request.params as { id: string; messageId: string };
      const principal = principalOf(request);
      return { Emails: [emailJson(await getRecordEmail(ctx, principal, module, id, messageId), principal.timeZone)] };
    });

    // Cancel and reschedule a mail that has not started sending (beyond Zoho).
    const changeScopes = async (request: FastifyRequest) => {
      const principal = principalOf(request);
      const module = await moduleFor(request);
      requireScopes(principal, sendMailScopes(module.apiName, module.isCustom));
      return module;
    };
    fastify.post('/crm/:version/:module/:id/Emails/:messageId/actions/cancel', async (request) => {
      const module = await changeScopes(request);
      const { id, messageId } = request.params as { id: string; messageId: string };
      const cancelled = await cancelMail(ctx, principalOf(request), module, id, messageId);
      return mailChangedReply('cancelled', { message_id: cancelled.messageId });
    });
    fastify.post('/crm/:version/:module/:id/Emails/:messageId/actions/reschedule', async (request) => {
      const module = await changeScopes(request);
      const { id, messageId } = request.params as { id: string; messageId: string };
      const place = itemAt('data', 0, { version: versionOf(request) });
      const { scheduledTime, text } = await withErrorsAt(place, async () => readRescheduleRequest(request.body));
      const moved = await withErrorsAt(place, () => rescheduleMail(ctx, principalOf(request), module, id, messageId, scheduledTime));
      return mailChangedReply('rescheduled', { message_id: moved.messageId, scheduled_time: text });
    });

    const unblock = async (request: FastifyRequest, recordId?: string) => {
      const principal = principalOf(request);
      const module = await moduleFor(request);
      requireScopes(principal, sendMailScopes(module.apiName, module.isCustom));
      return unblockedReply(await unblockEmail(ctx, principal, module, readUnblockRequest(request.body, recordId)));
    };
    fastify.post('/crm/:version/:module/:id/actions/unblock_email', async (request, reply) => {
      const result = await unblock(request, (request.params as { id: string }).id);
      return reply.status(result.status).send(result.body);
    });
    fastify.post('/crm/:version/:module/actions/unblock_email', async (request, reply) => {
      const result = await unblock(request);
      return reply.status(result.status).send(result.body);
    });
  };
