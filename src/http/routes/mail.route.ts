import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { listFromAddresses } from '../../mail/from-addresses.js';
import { getRecordEmail, listRecordEmails } from '../../mail/list-record-emails.js';
import { sendMail, type MailOutcome } from '../../mail/send-mail.js';
import { unblockEmail } from '../../mail/unblock-email.js';
import { cancelMail, rescheduleMail } from '../../mail/change-scheduled-mail.js';
import type { ModuleDefinition } from '../../records/modules.js';
import { findUserById } from '../../users/user-repository.js';
import { getReplyAttachment } from '../../replies/get-reply-attachment.js';
import { attachmentDisposition } from './files.route.js';
import { itemAt, withErrorsAt } from '../../wire/item-errors.js';
import { emailJson, recordEmailsJson } from '../../wire/record-emails.js';
import { blockedRecipientsOn, readRescheduleRequest, readSendMailItems } from '../../wire/send-mail-request.js';
import { mailChangedReply, quotaHeaders, sendMailReply } from '../../wire/send-mail-reply.js';
import { readUnblockRequest, unblockedReply } from '../../wire/unblock-email.js';
import { idempotencyKeyOf, requestFingerprint } from '../idempotency-key.js';
import { principalOf, versionOf } from '../auth-hooks.js';
import { moduleScopesOf, routeModule, type AnyOf } from '../route-access.js';
import * as schemas from '../schemas/mail.js';

/** `ZohoCRM.send_mail.{module}.CREATE` (docs/zoho-contract.md §14.3): sending, changing and unblocking. */
const sendMailScopes = (module: ModuleDefinition): readonly AnyOf[] => {
  const names = new Set([module.apiName.toLowerCase().replace(/_/g, ''), module.apiName.toLowerCase(), ...(module.isCustom ? ['custom'] : [])]);
  return [[...names].map((n) => `ZohoCRM.send_mail.${n}.CREATE`)];
};
const SEND = { module: 'module', scopes: sendMailScopes } as const;
/** The Emails related list: the module's READ scope, then the Emails one. */
const READ_EMAILS = { module: 'module', scopes: (module: ModuleDefinition) => [moduleScopesOf(module, 'READ'), ['ZohoCRM.modules.emails.READ']] } as const;

/** Send Mail, From addresses, the Emails related list and unblock_email. */
export const mailRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();

    fastify.post('/crm/:version/:module/:id/actions/send_mail', { schema: schemas.sendMail, config: SEND }, async (request, reply) => {
      const principal = principalOf(request);
      const version = versionOf(request);
      const module = routeModule(request);
      const key = idempotencyKeyOf(request);
      const answer = (mails: readonly MailOutcome[]) => sendMailReply(mails, version);
      const result = await sendMail(ctx, principal, {
        module,
        recordId: request.params.id,
        mails: () => readSendMailItems(request.body),
        blockedRecipients: blockedRecipientsOn(version),
        idempotency: key === null ? null : { key, fingerprint: requestFingerprint('POST', request.url, request.body), answer },
      });
      if (result.kind === 'replayed') return reply.header('idempotent-replayed', 'true').status(result.answer.status).send(result.answer.body);
      if (result.quota) reply.headers(quotaHeaders(result.quota));
      const { status, body } = answer(result.mails);
      return reply.status(status).send(body);
    });

    fastify.get(
      '/crm/:version/settings/emails/actions/from_addresses',
      { schema: schemas.fromAddresses, config: { scopes: ['ZohoCRM.settings.emails.READ'] } },
      async (request) => {
        const principal = principalOf(request);
        const userId = request.query.user_id;
        if (userId !== undefined && (typeof userId !== 'string' || !(await findUserById(ctx.db, principal.orgId, userId)))) {
          throw new AppError('INVALID_PARAMETER', { details: { param_name: 'user_id' } });
        }
        const addresses = await listFromAddresses(ctx.db, principal.orgId, typeof userId === 'string' ? userId : principal.userId);
        return { from_addresses: addresses ?? [] };
      },
    );

    fastify.get('/crm/:version/:module/:id/Emails', { schema: schemas.listEmails, config: READ_EMAILS }, async (request, reply) => {
      const principal = principalOf(request);
      const page = await listRecordEmails(ctx, principal, routeModule(request), request.params.id, request.query as { type?: string; index?: string });
      if (!page) return reply.status(204).send();
      return recordEmailsJson(page, principal.timeZone);
    });

    fastify.get('/crm/:version/:module/:id/Emails/:messageId', { schema: schemas.getEmail, config: READ_EMAILS }, async (request) => {
      const principal = principalOf(request);
      const { id, messageId } = request.params;
      return { Emails: [emailJson(await getRecordEmail(ctx, principal, routeModule(request), id, messageId), principal.timeZone)] };
    });

    // An attachment of a reply received on the record (beyond Zoho; src/replies/).
    fastify.get('/crm/:version/:module/:id/Emails/:messageId/attachments/:attachmentId', { schema: schemas.replyAttachment, config: READ_EMAILS }, async (request, reply) => {
      const { id, messageId, attachmentId } = request.params;
      const file = await getReplyAttachment(ctx, principalOf(request), routeModule(request), id, messageId, attachmentId);
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', attachmentDisposition(file.name))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, max-age=0')
        .send(file.content);
    });

    // Cancel and reschedule a mail that has not started sending (beyond Zoho).
    fastify.post('/crm/:version/:module/:id/Emails/:messageId/actions/cancel', { schema: schemas.cancelMail, config: SEND }, async (request) => {
      const { id, messageId } = request.params;
      const cancelled = await cancelMail(ctx, principalOf(request), routeModule(request), id, messageId);
      return mailChangedReply('cancelled', { message_id: cancelled.messageId });
    });
    fastify.post('/crm/:version/:module/:id/Emails/:messageId/actions/reschedule', { schema: schemas.rescheduleMail, config: SEND }, async (request) => {
      const module = routeModule(request);
      const { id, messageId } = request.params;
      const place = itemAt('data', 0, { version: versionOf(request) });
      const { scheduledTime, text } = await withErrorsAt(place, async () => readRescheduleRequest(request.body));
      const moved = await withErrorsAt(place, () => rescheduleMail(ctx, principalOf(request), module, id, messageId, scheduledTime));
      return mailChangedReply('rescheduled', { message_id: moved.messageId, scheduled_time: text });
    });

    const unblock = async (request: FastifyRequest, recordId?: string) =>
      unblockedReply(await unblockEmail(ctx, principalOf(request), routeModule(request), readUnblockRequest(request.body, recordId)));
    fastify.post('/crm/:version/:module/:id/actions/unblock_email', { schema: schemas.unblockRecordEmail, config: SEND }, async (request, reply) => {
      const result = await unblock(request, request.params.id);
      return reply.status(result.status).send(result.body);
    });
    fastify.post('/crm/:version/:module/actions/unblock_email', { schema: schemas.unblockEmails, config: SEND }, async (request, reply) => {
      const result = await unblock(request);
      return reply.status(result.status).send(result.body);
    });
  };
