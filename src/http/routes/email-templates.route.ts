import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { createEmailTemplates } from '../../templates/create-email-templates.js';
import { deleteEmailTemplates } from '../../templates/delete-email-templates.js';
import { getEmailTemplate } from '../../templates/get-email-template.js';
import { listEmailTemplates, type TemplateListQuery } from '../../templates/list-email-templates.js';
import { updateEmailTemplates } from '../../templates/update-email-templates.js';
import { emailTemplateJson, emailTemplatesPageJson } from '../../wire/email-templates.js';
import { readTemplateItems, readTemplateUpdates, templatesReply } from '../../wire/template-writes.js';
import type { WireReply } from '../../wire/zoho-envelope.js';
import { principalOf } from '../auth-hooks.js';
import * as schemas from '../schemas/templates.js';

const access = (operation: 'READ' | 'CREATE' | 'UPDATE' | 'DELETE') => ({ scopes: [`ZohoCRM.templates.email.${operation}`] });

/**
 * Email templates: Zoho's read API (`GET /settings/email_templates[/{id}]`, docs/zoho-contract.md §6) and an
 * admin API beyond Zoho (POST, PUT, DELETE) with the same shapes and per-item results.
 */
export const emailTemplateRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();
    /** Per-item results under the resource's key, as Zoho's settings APIs answer writes. */
    const sendItems = (reply: FastifyReply, { status, body }: WireReply) => reply.status(status).send(body);
    const idsParam = (raw: string | string[] | undefined): string[] =>
      typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : [];

    fastify.get('/crm/:version/settings/email_templates', { schema: schemas.listEmailTemplates, config: access('READ') }, async (request, reply) => {
      const principal = principalOf(request);
      const page = await listEmailTemplates(ctx, principal, request.query as TemplateListQuery);
      if (!page) return reply.status(204).send();
      return emailTemplatesPageJson(page, principal.timeZone);
    });

    fastify.get('/crm/:version/settings/email_templates/:id', { schema: schemas.getEmailTemplate, config: access('READ') }, async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      return { email_templates: [emailTemplateJson(await getEmailTemplate(ctx, principal, id), principal.timeZone)] };
    });

    fastify.post('/crm/:version/settings/email_templates', { schema: schemas.createEmailTemplates, config: access('CREATE') }, async (request, reply) =>
      sendItems(reply, templatesReply(await createEmailTemplates(ctx, principalOf(request), readTemplateItems(request.body)), 'created')),
    );

    fastify.put('/crm/:version/settings/email_templates', { schema: schemas.updateEmailTemplates, config: access('UPDATE') }, async (request, reply) =>
      sendItems(reply, templatesReply(await updateEmailTemplates(ctx, principalOf(request), readTemplateUpdates(request.body, undefined)), 'updated')),
    );

    fastify.put('/crm/:version/settings/email_templates/:id', { schema: schemas.updateEmailTemplate, config: access('UPDATE') }, async (request, reply) => {
      const { id } = request.params;
      return sendItems(reply, templatesReply(await updateEmailTemplates(ctx, principalOf(request), readTemplateUpdates(request.body, id)), 'updated'));
    });

    fastify.delete('/crm/:version/settings/email_templates', { schema: schemas.deleteEmailTemplates, config: access('DELETE') }, async (request, reply) =>
      sendItems(reply, templatesReply(await deleteEmailTemplates(ctx, principalOf(request), idsParam(request.query.ids)), 'deleted')),
    );

    fastify.delete('/crm/:version/settings/email_templates/:id', { schema: schemas.deleteEmailTemplate, config: access('DELETE') }, async (request, reply) => {
      const { id } = request.params;
      return sendItems(reply, templatesReply(await deleteEmailTemplates(ctx, principalOf(request), [id]), 'deleted'));
    });
  };
