import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { listFromAddresses } from '../../mail/from-addresses.js';
import { requestFingerprint } from '../../mail/idempotency.js';
import { getRecordEmail, listRecordEmails } from '../../mail/list-record-emails.js';
import { sendMail } from '../../mail/send-mail.js';
import { unblockEmail } from '../../mail/unblock-email.js';
import { cancelMail, rescheduleMail, type ChangeResult } from '../../mail/change-scheduled-mail.js';
import type { ModuleDefinition } from '../../records/modules.js';
import { findUserById } from '../../users/user-repository.js';
import { itemResultsReply } from '../../wire/zoho-envelope.js';
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
      const key = request.headers['idempotency-key'];
      if (Array.isArray(key)) throw new AppError('IDEMPOTENCY_KEY_INVALID');
      const result = await sendMail(ctx, principal, {
        version,
        moduleSegment: module.apiName,
        recordId: request.params.id,
        body: request.body,
        idempotency: key === undefined ? null : { key, fingerprint: requestFingerprint('POST', request.url, request.body) },
      });
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
      return reply.status(result.status).send(result.body);
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
      const module = routeModule(request);
      const page = await listRecordEmails(ctx, principalOf(request), module, request.params.id, request.query as { type?: string; index?: string });
      if (!page) return reply.status(204).send();
      return page;
    });

    fastify.get('/crm/:version/:module/:id/Emails/:messageId', { schema: schemas.getEmail, config: READ_EMAILS }, async (request) => {
      const module = routeModule(request);
      const { id, messageId } = request.params;
      return getRecordEmail(ctx, principalOf(request), module, id, messageId);
    });

    // Cancel and reschedule a mail that has not started sending (beyond Zoho).
    const changeReply = (result: ChangeResult) => ({ data: [{ code: 'SUCCESS', details: result.details, message: result.message, status: 'success' }] });
    fastify.post('/crm/:version/:module/:id/Emails/:messageId/actions/cancel', { schema: schemas.cancelMail, config: SEND }, async (request) => {
      const module = routeModule(request);
      const { id, messageId } = request.params;
      return changeReply(await cancelMail(ctx, principalOf(request), module, id, messageId));
    });
    fastify.post('/crm/:version/:module/:id/Emails/:messageId/actions/reschedule', { schema: schemas.rescheduleMail, config: SEND }, async (request) => {
      const module = routeModule(request);
      const { id, messageId } = request.params;
      return changeReply(await rescheduleMail(ctx, principalOf(request), module, id, messageId, request.body, versionOf(request)));
    });

    const unblock = async (request: FastifyRequest, recordId?: string) =>
      itemResultsReply(await unblockEmail(ctx, principalOf(request), routeModule(request), request.body, recordId), 200);
    fastify.post('/crm/:version/:module/:id/actions/unblock_email', { schema: schemas.unblockRecordEmail, config: SEND }, async (request, reply) => {
      const result = await unblock(request, request.params.id);
      return reply.status(result.status).send(result.body);
    });
    fastify.post('/crm/:version/:module/actions/unblock_email', { schema: schemas.unblockEmails, config: SEND }, async (request, reply) => {
      const result = await unblock(request);
      return reply.status(result.status).send(result.body);
    });
  };
