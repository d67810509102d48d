import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { listModules, resolveModule } from '../../records/module-registry.js';
import { presentField, presentModule } from '../../records/present-metadata.js';
import { principalOf } from '../auth-hooks.js';
import { routeModule } from '../route-access.js';
import * as schemas from '../schemas/settings.js';

/** Module and field metadata: `GET /settings/modules[/{api_name}]`, `GET /settings/fields?module=`. */
export const settingsMetadataRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();

    fastify.get('/crm/:version/settings/modules', { schema: schemas.listModules, config: { scopes: ['ZohoCRM.settings.modules.READ'] } }, async (request) => {
      const modules = await listModules(ctx.db, principalOf(request).orgId);
      return { modules: modules.map(presentModule) };
    });

    // The scope first, then the module (the order the checks have always had here).
    fastify.get(
      '/crm/:version/settings/modules/:module',
      { schema: schemas.getModule, config: { scopes: ['ZohoCRM.settings.modules.READ'], module: 'module' } },
      async (request) => ({ modules: [presentModule(routeModule(request))] }),
    );

    fastify.get('/crm/:version/settings/fields', { schema: schemas.listFields, config: { scopes: ['ZohoCRM.settings.fields.READ'] } }, async (request) => {
      const principal = principalOf(request);
      const name = request.query.module;
      if (typeof name !== 'string' || name.trim() === '') {
        throw new AppError('REQUIRED_PARAM_MISSING', { details: { param: 'module' } });
      }
      const module = await resolveModule(ctx.db, principal.orgId, name.trim());
      if (!module) throw new AppError('INVALID_MODULE', { details: { param_name: 'module' } });
      const modules = await listModules(ctx.db, principal.orgId);
      return { fields: module.fields.map((field, index) => presentField(module, field, index, modules)) };
    });
  };
