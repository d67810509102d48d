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
import { deletedRecordsReply, readRecordItems, readRecordUpdates, savedRecordsReply } from '../../wire/record-writes.js';

/** Records API: insert, list, get, update, delete (docs/zoho-contract.md §13). */
export const recordRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();
    const send = (reply: FastifyReply, result: { status: number; body: unknown }) =>
      reply.status(result.status).send(result.body);

    fastify.post('/crm/:version/:module', { schema: schemas.createRecords, config: { module: 'module', scopes: forModule('CREATE') } }, async (request, reply) => {
      const principal = principalOf(request);
      const outcomes = await createRecords(ctx, principal, routeModule(request), readRecordItems(request.body));
      return send(reply, savedRecordsReply(outcomes, 'added', principal.timeZone));
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
      const principal = principalOf(request);
      const outcomes = await updateRecords(ctx, principal, routeModule(request), readRecordUpdates(request.body, undefined));
      return send(reply, savedRecordsReply(outcomes, 'updated', principal.timeZone));
    });

    fastify.delete('/crm/:version/:module', { schema: schemas.deleteRecords, config: { module: 'module', scopes: forModule('DELETE') } }, async (request, reply) => {
      const module = routeModule(request);
      const raw = request.query.ids;
      const ids = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : [];
      return send(reply, deletedRecordsReply(await deleteRecords(ctx, principalOf(request), module, ids)));
    });

    fastify.get('/crm/:version/:module/:id', { schema: schemas.getRecord, config: { module: 'module', scopes: forModule('READ') } }, async (request) => {
      const module = routeModule(request);
      const { id } = request.params;
      const record = await getRecord(ctx, principalOf(request), module, id, request.query as ListQuery);
      return { data: [record] };
    });

    fastify.put('/crm/:version/:module/:id', { schema: schemas.updateRecord, config: { module: 'module', scopes: forModule('UPDATE') } }, async (request, reply) => {
      const { id } = request.params;
      const principal = principalOf(request);
      const outcomes = await updateRecords(ctx, principal, routeModule(request), readRecordUpdates(request.body, id));
      return send(reply, savedRecordsReply(outcomes, 'updated', principal.timeZone));
    });

    fastify.delete('/crm/:version/:module/:id', { schema: schemas.deleteRecord, config: { module: 'module', scopes: forModule('DELETE') } }, async (request, reply) => {
      const { id } = request.params;
      return send(reply, deletedRecordsReply(await deleteRecords(ctx, principalOf(request), routeModule(request), [id])));
    });
  };
