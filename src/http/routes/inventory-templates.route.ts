import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { createInventoryTemplates } from '../../inventory/create-inventory-template.js';
import { getInventoryTemplate, listInventoryTemplates, type InventoryTemplateQuery } from '../../inventory/get-inventory-templates.js';
import { inventoryTemplatesReply, readInventoryTemplateItems } from '../../wire/inventory-template-writes.js';
import { principalOf } from '../auth-hooks.js';
import * as schemas from '../schemas/templates.js';

const access = (operation: 'READ' | 'CREATE') => ({ scopes: [`ZohoCRM.templates.inventory.${operation}`] });

/**
 * Inventory templates: Zoho's read API (`GET /settings/inventory_templates[/{id}]`, docs/zoho-contract.md §7)
 * and an admin create API beyond Zoho (`POST`) with per-item results.
 */
export const inventoryTemplateRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();

    fastify.get('/crm/:version/settings/inventory_templates', { schema: schemas.listInventoryTemplates, config: access('READ') }, async (request, reply) => {
      const page = await listInventoryTemplates(ctx, principalOf(request), request.query as InventoryTemplateQuery);
      if (!page) return reply.status(204).send();
      return page;
    });

    fastify.get('/crm/:version/settings/inventory_templates/:id', { schema: schemas.getInventoryTemplate, config: access('READ') }, async (request) => {
      const { id } = request.params;
      return { inventory_templates: [await getInventoryTemplate(ctx, principalOf(request), id)] };
    });

    fastify.post('/crm/:version/settings/inventory_templates', { schema: schemas.createInventoryTemplates, config: access('CREATE') }, async (request, reply) => {
      const { status, body } = inventoryTemplatesReply(await createInventoryTemplates(ctx, principalOf(request), readInventoryTemplateItems(request.body)));
      return reply.status(status).send(body);
    });
  };
