import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { listModules, resolveModule } from '../../records/module-registry.js';
import { presentField, presentModule } from '../../records/present-metadata.js';
import { moduleOf, principalOf, requireScopes } from '../auth-hooks.js';

/** Module and field metadata: `GET /settings/modules[/{api_name}]`, `GET /settings/fields?module=`. */
export const settingsMetadataRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (fastify) => {
    fastify.get('/crm/:version/settings/modules', async (request) => {
      const principal = principalOf(request);
      requireScopes(principal, ['ZohoCRM.settings.modules.READ']);
      const modules = await listModules(ctx.db, principal.orgId);
      return { modules: modules.map(presentModule) };
    });

    fastify.get('/crm/:version/settings/modules/:module', async (request) => {
      const principal = principalOf(request);
      requireScopes(principal, ['ZohoCRM.settings.modules.READ']);
      const module = await moduleOf(ctx, principal, (request.params as { module: string }).module);
      return { modules: [presentModule(module)] };
    });

    fastify.get('/crm/:version/settings/fields', async (request) => {
      const principal = principalOf(request);
      requireScopes(principal, ['ZohoCRM.settings.fields.READ']);
      const name = (request.query as { module?: unknown }).module;
      if (typeof name !== 'string' || name.trim() === '') {
        throw new AppError('REQUIRED_PARAM_MISSING', { details: { param: 'module' } });
      }
      const module = await resolveModule(ctx.db, principal.orgId, name.trim());
      if (!module) throw new AppError('INVALID_MODULE', { details: { param_name: 'module' } });
      const modules = await listModules(ctx.db, principal.orgId);
      return { fields: module.fields.map((field, index) => presentField(module, field, index, modules)) };
    });
  };
