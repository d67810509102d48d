import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import type { ItemResult } from '../../records/data-array.js';
import { createEmailTemplates } from '../../templates/create-email-templates.js';
import { deleteEmailTemplates } from '../../templates/delete-email-templates.js';
import { getEmailTemplate } from '../../templates/get-email-template.js';
import { listEmailTemplates } from '../../templates/list-email-templates.js';
import { updateEmailTemplates } from '../../templates/update-email-templates.js';
import { itemResultsReply } from '../../wire/zoho-envelope.js';
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
    const sendItems = (reply: FastifyReply, results: ItemResult[], successStatus: number) => {
      const { status, body } = itemResultsReply(results, successStatus);
      return reply.status(status).send({ email_templates: (body as { data: unknown[] }).data });
    };
    const idsParam = (raw: string | string[] | undefined): string[] =>
      typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : [];

    fastify.get('/crm/:version/settings/email_templates', { schema: schemas.listEmailTemplates, config: access('READ') }, async (request, reply) => {
      const page = await listEmailTemplates(ctx, principalOf(request), request.query);
      if (!page) return reply.status(204).send();
      return page;
    });

    fastify.get('/crm/:version/settings/email_templates/:id', { schema: schemas.getEmailTemplate, config: access('READ') }, async (request) => {
      const { id } = request.params;
      return { email_templates: [await getEmailTemplate(ctx, principalOf(request), id)] };
    });

    fastify.post('/crm/:version/settings/email_templates', { schema: schemas.createEmailTemplates, config: access('CREATE') }, async (request, reply) =>
      sendItems(reply, await createEmailTemplates(ctx, principalOf(request), request.body), 201),
    );

    fastify.put('/crm/:version/settings/email_templates', { schema: schemas.updateEmailTemplates, config: access('UPDATE') }, async (request, reply) =>
      sendItems(reply, await updateEmailTemplates(ctx, principalOf(request), request.body), 200),
    );

    fastify.put('/crm/:version/settings/email_templates/:id', { schema: schemas.updateEmailTemplate, config: access('UPDATE') }, async (request, reply) => {
      const { id } = request.params;
      return sendItems(reply, await updateEmailTemplates(ctx, principalOf(request), request.body, id), 200);
    });

    fastify.delete('/crm/:version/settings/email_templates', { schema: schemas.deleteEmailTemplates, config: access('DELETE') }, async (request, reply) =>
      sendItems(reply, await deleteEmailTemplates(ctx, principalOf(request), idsParam(request.query.ids)), 200),
    );

    fastify.delete('/crm/:version/settings/email_templates/:id', { schema: schemas.deleteEmailTemplate, config: access('DELETE') }, async (request, reply) => {
      const { id } = request.params;
      return sendItems(reply, await deleteEmailTemplates(ctx, principalOf(request), [id]), 200);
    });
  };
