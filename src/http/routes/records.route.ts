import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { createRecords } from '../../records/create-records.js';
import { deleteRecords } from '../../records/delete-records.js';
import { getRecord, listRecords, type ListQuery } from '../../records/get-records.js';
import { updateRecords } from '../../records/update-records.js';
import { principalOf, versionOf } from '../auth-hooks.js';
import { forModule, routeModule } from '../route-access.js';
import * as schemas from '../schemas/records.js';
import { versionNumber } from '../../wire/versions.js';
import { itemResultsReply } from '../../wire/zoho-envelope.js';

/** Records API: insert, list, get, update, delete (docs/zoho-contract.md §13). */
export const recordRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();
    const send = (reply: FastifyReply, result: { status: number; body: unknown }) =>
      reply.status(result.status).send(result.body);

    fastify.post('/crm/:version/:module', { schema: schemas.createRecords, config: { module: 'module', scopes: forModule('CREATE') } }, async (request, reply) => {
      const module = routeModule(request);
      return send(reply, itemResultsReply(await createRecords(ctx, principalOf(request), module, request.body), 201));
    });

    fastify.get('/crm/:version/:module', { schema: schemas.listRecords, config: { module: 'module', scopes: forModule('READ') } }, async (request, reply) => {
      const module = routeModule(request);
      const page = await listRecords(ctx, principalOf(request), module, request.query as ListQuery, {
        fieldsRequired: versionNumber(versionOf(request)) >= 7,
      });
      if (page.data.length === 0) return reply.status(204).send();
      return page;
    });

    fastify.put('/crm/:version/:module', { schema: schemas.updateRecords, config: { module: 'module', scopes: forModule('UPDATE') } }, async (request, reply) => {
      const module = routeModule(request);
      return send(reply, itemResultsReply(await updateRecords(ctx, principalOf(request), module, request.body), 200));
    });

    fastify.delete('/crm/:version/:module', { schema: schemas.deleteRecords, config: { module: 'module', scopes: forModule('DELETE') } }, async (request, reply) => {
      const module = routeModule(request);
      const raw = request.query.ids;
      const ids = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : [];
      return send(reply, itemResultsReply(await deleteRecords(ctx, principalOf(request), module, ids), 200));
    });

    fastify.get('/crm/:version/:module/:id', { schema: schemas.getRecord, config: { module: 'module', scopes: forModule('READ') } }, async (request) => {
      const module = routeModule(request);
      const { id } = request.params;
      const record = await getRecord(ctx, principalOf(request), module, id, request.query as ListQuery);
      return { data: [record] };
    });

    fastify.put('/crm/:version/:module/:id', { schema: schemas.updateRecord, config: { module: 'module', scopes: forModule('UPDATE') } }, async (request, reply) => {
      const module = routeModule(request);
      const { id } = request.params;
      return send(reply, itemResultsReply(await updateRecords(ctx, principalOf(request), module, request.body, id), 200));
    });

    fastify.delete('/crm/:version/:module/:id', { schema: schemas.deleteRecord, config: { module: 'module', scopes: forModule('DELETE') } }, async (request, reply) => {
      const module = routeModule(request);
      const { id } = request.params;
      return send(reply, itemResultsReply(await deleteRecords(ctx, principalOf(request), module, [id]), 200));
    });
  };
