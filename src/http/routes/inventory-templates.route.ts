import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Context } from '../../context.js';
import { createInventoryTemplates } from '../../inventory/create-inventory-template.js';
import { getInventoryTemplate, listInventoryTemplates, type InventoryTemplateQuery } from '../../inventory/get-inventory-templates.js';
import { inventoryTemplatesReply, readInventoryTemplateItems } from '../../wire/inventory-template-writes.js';
import { principalOf, requireScopes } from '../auth-hooks.js';

/**
 * Inventory templates: Zoho's read API (`GET /settings/inventory_templates[/{id}]`, docs/zoho-contract.md §7)
 * and an admin create API beyond Zoho (`POST`) with per-item results.
 */
export const inventoryTemplateRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (fastify) => {
    const authorize = (request: FastifyRequest, operation: 'READ' | 'CREATE') => {
      const principal = principalOf(request);
      requireScopes(principal, [`ZohoCRM.templates.inventory.${operation}`]);
      return principal;
    };

    fastify.get('/crm/:version/settings/inventory_templates', async (request, reply) => {
      const principal = authorize(request, 'READ');
      const page = await listInventoryTemplates(ctx, principal, request.query as InventoryTemplateQuery);
      if (!page) return reply.status(204).send();
      return page;
    });

    fastify.get('/crm/:version/settings/inventory_templates/:id', async (request) => {
      const principal = authorize(request, 'READ');
      const { id } = request.params as { id: string };
      return { inventory_templates: [await getInventoryTemplate(ctx, principal, id)] };
    });

    fastify.post('/crm/:version/settings/inventory_templates', async (request, reply) => {
      const principal = authorize(request, 'CREATE');
      const { status, body } = inventoryTemplatesReply(await createInventoryTemplates(ctx, principal, readInventoryTemplateItems(request.body)));
      return reply.status(status).send(body);
    });
  };
