import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { moduleScopes } from '../../auth/scopes.js';
import type { Context } from '../../context.js';
import { createRecords } from '../../records/create-records.js';
import { deleteRecords } from '../../records/delete-records.js';
import { getRecord, listRecords, type ListQuery } from '../../records/get-records.js';
import type { ModuleDefinition } from '../../records/modules.js';
import { updateRecords } from '../../records/update-records.js';
import { moduleOf, principalOf, requireScopes, versionOf } from '../auth-hooks.js';
import { versionNumber } from '../../wire/versions.js';
import { deletedRecordsReply, readRecordItems, readRecordUpdates, savedRecordsReply } from '../../wire/record-writes.js';

type Operation = 'READ' | 'CREATE' | 'UPDATE' | 'DELETE';

/** Records API: insert, list, get, update, delete (docs/zoho-contract.md §13). */
export const recordRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (fastify) => {
    /** Auth → module (INVALID_MODULE) → scope for this module and operation. */
    const authorize = async (request: FastifyRequest, operation: Operation): Promise<ModuleDefinition> => {
      const principal = principalOf(request);
      const module = await moduleOf(ctx, principal, (request.params as { module: string }).module);
      requireScopes(principal, moduleScopes(module.apiName, operation, module.isCustom));
      return module;
    };
    const send = (reply: FastifyReply, result: { status: number; body: unknown }) =>
      reply.status(result.status).send(result.body);

    fastify.post('/crm/:version/:module', async (request, reply) => {
      const module = await authorize(request, 'CREATE');
      const principal = principalOf(request);
      const outcomes = await createRecords(ctx, principal, module, readRecordItems(request.body));
      return send(reply, savedRecordsReply(outcomes, 'added', principal.timeZone));
    });

    fastify.get('/crm/:version/:module', async (request, reply) => {
      const module = await authorize(request, 'READ');
      const page = await listRecords(ctx, principalOf(request), module, request.query as ListQuery, {
        fieldsRequired: versionNumber(versionOf(request)) >= 7,
      });
      if (page.data.length === 0) return reply.status(204).send();
      return page;
    });

    fastify.put('/crm/:version/:module', async (request, reply) => {
      const module = await authorize(request, 'UPDATE');
      const principal = principalOf(request);
      const outcomes = await updateRecords(ctx, principal, module, readRecordUpdates(request.body, undefined));
      return send(reply, savedRecordsReply(outcomes, 'updated', principal.timeZone));
    });

    fastify.delete('/crm/:version/:module', async (request, reply) => {
      const module = await authorize(request, 'DELETE');
      const raw = (request.query as { ids?: unknown }).ids;
      const ids = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : [];
      return send(reply, deletedRecordsReply(await deleteRecords(ctx, principalOf(request), module, ids)));
    });

    fastify.get('/crm/:version/:module/:id', async (request) => {
      const module = await authorize(request, 'READ');
      const { id } = request.params as { id: string };
      const record = await getRecord(ctx, principalOf(request), module, id, request.query as ListQuery);
      return { data: [record] };
    });

    fastify.put('/crm/:version/:module/:id', async (request, reply) => {
      const module = await authorize(request, 'UPDATE');
      const { id } = request.params as { id: string };
      const principal = principalOf(request);
      const outcomes = await updateRecords(ctx, principal, module, readRecordUpdates(request.body, id));
      return send(reply, savedRecordsReply(outcomes, 'updated', principal.timeZone));
    });

    fastify.delete('/crm/:version/:module/:id', async (request, reply) => {
      const module = await authorize(request, 'DELETE');
      const { id } = request.params as { id: string };
      return send(reply, deletedRecordsReply(await deleteRecords(ctx, principalOf(request), module, [id])));
    });
  };
