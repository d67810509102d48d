import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.js';
import { createOrgDkimKey, deleteOrgDkimKey, listOrgDkimKeys, rotateOrgDkimKey } from '../../dkim/admin-dkim-keys.js';
import { dkimKeyJson, dkimKeyWritten, readDkimKeyRequest } from '../../wire/dkim-keys.js';
import { principalOf } from '../auth-hooks.js';
import * as schemas from '../schemas/dkim-keys.js';

const access = (operation: 'READ' | 'CREATE' | 'DELETE') => ({ scopes: [`ZohoCRM.settings.dkim_keys.${operation}`], admin: true as const });

/** `/crm/{v}/settings/dkim_keys` (beyond Zoho; docs/operations.md "DKIM"): an Administrator's DKIM keys. */
export const dkimKeyRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (fastify) => {
    fastify.get('/crm/:version/settings/dkim_keys', { schema: schemas.listDkimKeys, config: access('READ') }, async (request) => {
      const principal = principalOf(request);
      return { dkim_keys: (await listOrgDkimKeys(ctx, principal)).map((k) => dkimKeyJson(k, principal.timeZone)) };
    });
    fastify.post('/crm/:version/settings/dkim_keys', { schema: schemas.createDkimKey, config: access('CREATE') }, async (request, reply) => {
      const principal = principalOf(request);
      const key = await createOrgDkimKey(ctx, principal, () => readDkimKeyRequest(request.body));
      return reply.status(201).send(dkimKeyWritten('DKIM key created', dkimKeyJson(key, principal.timeZone)));
    });
    fastify.post('/crm/:version/settings/dkim_keys/actions/rotate', { schema: schemas.rotateDkimKeys, config: access('CREATE') }, async (request, reply) => {
      const principal = principalOf(request);
      const { created, signing } = await rotateOrgDkimKey(ctx, principal, () => readDkimKeyRequest(request.body));
      return reply.status(201).send(dkimKeyWritten('DKIM key created', { ...dkimKeyJson(created, principal.timeZone), signing: signing.map((k) => k.selector) }));
    });
    fastify.delete('/crm/:version/settings/dkim_keys/:id', { schema: schemas.deleteDkimKey, config: access('DELETE') }, async (request) => {
      const { id } = request.params as { id: string };
      await deleteOrgDkimKey(ctx, principalOf(request), id);
      return dkimKeyWritten('DKIM key deleted', { id });
    });
  };
