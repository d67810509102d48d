import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../../context.js';
import { createEmailTemplates } from '../../templates/create-email-templates.js';
import { deleteEmailTemplates } from '../../templates/delete-email-templates.js';
import { getEmailTemplate } from '../../templates/get-email-template.js';
import { listEmailTemplates, type TemplateListQuery } from '../../templates/list-email-templates.js';
import { updateEmailTemplates } from '../../templates/update-email-templates.js';
import { emailTemplateJson, emailTemplatesPageJson } from '../../wire/email-templates.js';
import { readTemplateItems, readTemplateUpdates, templatesReply } from '../../wire/template-writes.js';
import type { WireReply } from '../../wire/zoho-envelope.js';
import { principalOf, requireScopes } from '../auth-hooks.js';

type Operation = 'READ' | 'CREATE' | 'UPDATE' | 'DELETE';

/**
 * Email templates: Zoho's read API (`GET /settings/email_templates[/{id}]`, docs/zoho-contract.md §6) and an
 * admin API beyond Zoho (POST, PUT, DELETE) with the same shapes and per-item results.
 */
export const emailTemplateRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (fastify) => {
    const authorize = (request: FastifyRequest, operation: Operation) => {
      const principal = principalOf(request);
      requireScopes(principal, [`ZohoCRM.templates.email.${operation}`]);
      return principal;
    };
    /** Per-item results under the resource's key, as Zoho's settings APIs answer writes. */
    const sendItems = (reply: FastifyReply, { status, body }: WireReply) => reply.status(status).send(body);
    const idsParam = (request: FastifyRequest): string[] => {
      const raw = (request.query as { ids?: unknown }).ids;
      return typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : [];
    };

    fastify.get('/crm/:version/settings/email_templates', async (request, reply) => {
      const principal = authorize(request, 'READ');
      const page = await listEmailTemplates(ctx, principal, request.query as TemplateListQuery);
      if (!page) return reply.status(204).send();
      return emailTemplatesPageJson(page, principal.timeZone);
    });

    fastify.get('/crm/:version/settings/email_templates/:id', async (request) => {
      const principal = authorize(request, 'READ');
      const { id } = request.params as { id: string };
      return { email_templates: [emailTemplateJson(await getEmailTemplate(ctx, principal, id), principal.timeZone)] };
    });

    fastify.post('/crm/:version/settings/email_templates', async (request, reply) => {
      const principal = authorize(request, 'CREATE');
      return sendItems(reply, templatesReply(await createEmailTemplates(ctx, principal, readTemplateItems(request.body)), 'created'));
    });

    fastify.put('/crm/:version/settings/email_templates', async (request, reply) => {
      const principal = authorize(request, 'UPDATE');
      return sendItems(reply, templatesReply(await updateEmailTemplates(ctx, principal, readTemplateUpdates(request.body, undefined)), 'updated'));
    });

    fastify.put('/crm/:version/settings/email_templates/:id', async (request, reply) => {
      const principal = authorize(request, 'UPDATE');
      const { id } = request.params as { id: string };
      return sendItems(reply, templatesReply(await updateEmailTemplates(ctx, principal, readTemplateUpdates(request.body, id)), 'updated'));
    });

    fastify.delete('/crm/:version/settings/email_templates', async (request, reply) => {
      const principal = authorize(request, 'DELETE');
      return sendItems(reply, templatesReply(await deleteEmailTemplates(ctx, principal, idsParam(request)), 'deleted'));
    });

    fastify.delete('/crm/:version/settings/email_templates/:id', async (request, reply) => {
      const principal = authorize(request, 'DELETE');
      const { id } = request.params as { id: string };
      return sendItems(reply, templatesReply(await deleteEmailTemplates(ctx, principal, [id]), 'deleted'));
    });
  };
