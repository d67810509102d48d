import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { listFromAddresses } from '../../mail/from-addresses.js';
import { requestFingerprint } from '../../mail/idempotency.js';
import { getRecordEmail, listRecordEmails } from '../../mail/list-record-emails.js';
import { sendMail } from '../../mail/send-mail.js';
import { unblockEmail } from '../../mail/unblock-email.js';
import { cancelMail, rescheduleMail, type ChangeResult } from '../../mail/change-scheduled-mail.js';
import { findUserById } from '../../users/user-repository.js';
import { moduleScopes } from '../../auth/scopes.js';
import { itemResultsReply } from '../../wire/zoho-envelope.js';
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
      const key = request.headers['idempotency-key'];
      if (Array.isArray(key)) throw new AppError('IDEMPOTENCY_KEY_INVALID');
      const result = await sendMail(ctx, principal, {
        version,
        moduleSegment: module.apiName,
        recordId: (request.params as { id: string }).id,
        body: request.body,
        idempotency: key === undefined ? null : { key, fingerprint: requestFingerprint('POST', request.url, request.body) },
      });
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
      return reply.status(result.status).send(result.body);
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
      const page = await listRecordEmails(ctx, principalOf(request), module, (request.params as { id: string }).id, request.query as { type?: string; index?: string });
      if (!page) return reply.status(204).send();
      return page;
    });

    fastify.get('/crm/:version/:module/:id/Emails/:messageId', async (request) => {
      const module = await emailsScopes(request);
      const { id, messageId } = request.params as { id: string; messageId: string };
      return getRecordEmail(ctx, principalOf(request), module, id, messageId);
    });

    // Cancel and reschedule a mail that has not started sending (beyond Zoho).
    const changeReply = (result: ChangeResult) => ({ data: [{ code: 'SUCCESS', details: result.details, message: result.message, status: 'success' }] });
    const changeScopes = async (request: FastifyRequest) => {
      const principal = principalOf(request);
      const module = await moduleFor(request);
      requireScopes(principal, sendMailScopes(module.apiName, module.isCustom));
      return module;
    };
    fastify.post('/crm/:version/:module/:id/Emails/:messageId/actions/cancel', async (request) => {
      const module = await changeScopes(request);
      const { id, messageId } = request.params as { id: string; messageId: string };
      return changeReply(await cancelMail(ctx, principalOf(request), module, id, messageId));
    });
    fastify.post('/crm/:version/:module/:id/Emails/:messageId/actions/reschedule', async (request) => {
      const module = await changeScopes(request);
      const { id, messageId } = request.params as { id: string; messageId: string };
      return changeReply(await rescheduleMail(ctx, principalOf(request), module, id, messageId, request.body, versionOf(request)));
    });

    const unblock = async (request: FastifyRequest, recordId?: string) => {
      const principal = principalOf(request);
      const module = await moduleFor(request);
      requireScopes(principal, sendMailScopes(module.apiName, module.isCustom));
      return itemResultsReply(await unblockEmail(ctx, principal, module, request.body, recordId), 200);
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
