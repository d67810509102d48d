import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { findOrg } from '../../orgs/org-repository.js';
import { presentUser } from '../../users/present-user.js';
import { findUserById, listUsers, type UserRow } from '../../users/user-repository.js';
import { principalOf } from '../auth-hooks.js';
import * as schemas from '../schemas/settings.js';

const USER_TYPES: Record<string, (user: UserRow, currentUserId: string) => boolean> = {
  AllUsers: () => true,
  ActiveUsers: (u) => u.status === 'active',
  DeactiveUsers: (u) => u.status !== 'active',
  ConfirmedUsers: (u) => u.is_confirmed === 1,
  NotConfirmedUsers: (u) => u.is_confirmed !== 1,
  ActiveConfirmedUsers: (u) => u.status === 'active' && u.is_confirmed === 1,
  AdminUsers: (u) => u.profile === 'admin',
  ActiveConfirmedAdmins: (u) => u.profile === 'admin' && u.status === 'active' && u.is_confirmed === 1,
  CurrentUser: (u, current) => u.id === current,
};

/** `GET /crm/{v}/users[?type=]` and `GET /crm/{v}/users/{id}`. */
export const userRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();
    fastify.get(
      '/crm/:version/users',
      { schema: schemas.listUsers, config: { scopes: ['ZohoCRM.users.READ'] } },
      async (request, reply) => {
        const principal = principalOf(request);
        const type = request.query.type ?? 'AllUsers';
        const filter = USER_TYPES[type];
        if (!filter) {
          throw new AppError('INVALID_PARAMETER', { details: { param_name: 'type', supported_values: Object.keys(USER_TYPES) } });
        }
        const org = await findOrg(ctx.db, principal.orgId);
        const perPage = Math.min(Number(request.query.per_page ?? 200), 200);
        const page = Number(request.query.page ?? 1);
        const all = (await listUsers(ctx.db, principal.orgId)).filter((u) => filter(u, principal.userId));
        const users = all.slice((page - 1) * perPage, page * perPage);
        if (users.length === 0) return reply.status(204).send();
        return {
          users: users.map((u) => presentUser(u, org?.time_zone ?? 'UTC')),
          info: { per_page: perPage, count: users.length, page, more_records: all.length > page * perPage },
        };
      },
    );

    fastify.get('/crm/:version/users/:id', { schema: schemas.getUser, config: { scopes: ['ZohoCRM.users.READ'] } }, async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const user = /^\d{1,19}$/.test(id) ? await findUserById(ctx.db, principal.orgId, id) : undefined;
      if (!user) throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 1 } });
      const org = await findOrg(ctx.db, principal.orgId);
      return { users: [presentUser(user, org?.time_zone ?? 'UTC')] };
    });
  };
