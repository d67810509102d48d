import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { moduleScopes } from '../../auth/scopes.js';
import type { Context } from '../../context.js';
import { listAudit } from '../../compliance/audit-log.js';
import { getLockingConfiguration, updateLockingConfiguration } from '../../compliance/locking-config.js';
import { listProfilePermissions, setProfilePermission } from '../../compliance/permissions.js';
import { getLockInformation, lockRecord, unlockRecord } from '../../compliance/record-locks.js';
import { requireAdmin } from '../../compliance/require-admin.js';
import { AppError } from '../../errors.js';
import { findOrg } from '../../orgs/org-repository.js';
import { deletedRecordsReply, savedRecordsReply } from '../../wire/record-writes.js';
import {
  lockInformationJson,
  lockingConfigurationJson,
  lockingConfigurationUpdated,
  readLockingConfigRequest,
  readLockRequest,
} from '../../wire/record-locking.js';
import { moduleOf, principalOf, requireScopes } from '../auth-hooks.js';

const PAGE = Type.String({ pattern: '^[1-9][0-9]{0,5}$' });
const PER_PAGE = Type.String({ pattern: '^[1-9][0-9]{0,2}$' });

/**
 * Compliance APIs: record locking (`Locking_Information__s`, `/settings/record_locking_configurations`),
 * the audit trail (`/settings/audit_log`) and profile permissions (`/settings/profile_permissions`).
 * Settings are for Administrators only.
 */
export const complianceRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();
    const lockScopes = (apiName: string, isCustom: boolean, op: 'CREATE' | 'READ' | 'DELETE') => [
      `ZohoCRM.modules.lockinginformation.${op}`,
      ...moduleScopes(apiName, op === 'READ' ? 'READ' : 'UPDATE', isCustom),
    ];

    fastify.post('/crm/:version/:module/:id/Locking_Information__s', async (request, reply) => {
      const principal = principalOf(request);
      const { module: segment, id } = request.params as { module: string; id: string };
      const module = await moduleOf(ctx, principal, segment);
      requireScopes(principal, lockScopes(module.apiName, module.isCustom, 'CREATE'));
      const outcome = await lockRecord(ctx, principal, module, id, () => readLockRequest(request.body));
      const result = savedRecordsReply([outcome], 'added', principal.timeZone, { approvalState: false });
      return reply.status(result.status).send(result.body);
    });

    fastify.get('/crm/:version/:module/:id/Locking_Information__s', async (request, reply) => {
      const principal = principalOf(request);
      const { module: segment, id } = request.params as { module: string; id: string };
      const module = await moduleOf(ctx, principal, segment);
      requireScopes(principal, lockScopes(module.apiName, module.isCustom, 'READ'));
      const lock = await getLockInformation(ctx, principal, module, id);
      if (lock === null) return reply.status(204).send();
      return lockInformationJson(lock, principal.timeZone);
    });

    fastify.delete('/crm/:version/:module/:id/Locking_Information__s/:lockId', async (request, reply) => {
      const principal = principalOf(request);
      const { module: segment, id, lockId } = request.params as { module: string; id: string; lockId: string };
      const module = await moduleOf(ctx, principal, segment);
      requireScopes(principal, lockScopes(module.apiName, module.isCustom, 'DELETE'));
      const result = deletedRecordsReply([await unlockRecord(ctx, principal, module, id, lockId)]);
      return reply.status(result.status).send(result.body);
    });

    const MODULE_QUERY = Type.Object({ module: Type.Optional(Type.String({ maxLength: 100 })) });

    fastify.get('/crm/:version/settings/record_locking_configurations', { schema: { querystring: MODULE_QUERY } }, async (request) => {
      const principal = principalOf(request);
      requireScopes(principal, ['ZohoCRM.settings.record_locking_configurations.READ']);
      return lockingConfigurationJson(await getLockingConfiguration(ctx, principal, request.query.module), principal.timeZone);
    });

    fastify.put('/crm/:version/settings/record_locking_configurations', { schema: { querystring: MODULE_QUERY } }, async (request) => {
      const principal = principalOf(request);
      requireScopes(principal, ['ZohoCRM.settings.record_locking_configurations.UPDATE']);
      await requireAdmin(ctx, principal);
      const { moduleName, changes } = readLockingConfigRequest(request.body, request.query.module);
      return lockingConfigurationUpdated((await updateLockingConfiguration(ctx, principal, moduleName, changes)).id);
    });

    fastify.get(
      '/crm/:version/settings/audit_log',
      {
        schema: {
          querystring: Type.Object({
            page: Type.Optional(PAGE),
            per_page: Type.Optional(PER_PAGE),
            action: Type.Optional(Type.String({ maxLength: 50 })),
            record_id: Type.Optional(Type.String({ pattern: '^[0-9]{1,19}$' })),
          }),
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        requireScopes(principal, ['ZohoCRM.settings.audit_log.READ']);
        await requireAdmin(ctx, principal);
        const org = await findOrg(ctx.db, principal.orgId);
        const perPage = Math.min(Number(request.query.per_page ?? 200), 200);
        const page = Number(request.query.page ?? 1);
        const result = await listAudit(ctx.db, principal.orgId, principal.timeZone ?? org?.time_zone ?? 'UTC', {
          page,
          perPage,
          ...(request.query.action ? { action: request.query.action } : {}),
          ...(request.query.record_id ? { recordId: request.query.record_id } : {}),
        });
        if (result.entries.length === 0) return reply.status(204).send();
        return { audit_log: result.entries, info: { per_page: perPage, count: result.entries.length, page, more_records: result.moreRecords } };
      },
    );

    fastify.get('/crm/:version/settings/profile_permissions', async (request) => {
      const principal = principalOf(request);
      requireScopes(principal, ['ZohoCRM.settings.profiles.READ']);
      await requireAdmin(ctx, principal);
      return { profile_permissions: await listProfilePermissions(ctx.db, principal.orgId) };
    });

    fastify.put('/crm/:version/settings/profile_permissions', async (request) => {
      const principal = principalOf(request);
      requireScopes(principal, ['ZohoCRM.settings.profiles.UPDATE']);
      await requireAdmin(ctx, principal);
      const body = request.body as { profile_permissions?: unknown } | undefined;
      const list = body?.profile_permissions;
      if (!Array.isArray(list) || list.length === 0 || list.length > 10) {
        throw new AppError('INVALID_DATA', { details: { api_name: 'profile_permissions', expected_data_type: 'jsonarray' } });
      }
      let latest = await listProfilePermissions(ctx.db, principal.orgId);
      for (const [index, entry] of list.entries()) {
        const item = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
        if (typeof item.profile !== 'string' || typeof item.permission !== 'string' || typeof item.enabled !== 'boolean') {
          throw new AppError('INVALID_DATA', { details: { json_path: `$.profile_permissions[${index}]`, expected_data_type: 'jsonobject' } });
        }
        latest = await setProfilePermission(ctx, {
          orgId: principal.orgId,
          profile: item.profile,
          permission: item.permission,
          enabled: item.enabled,
          actor: { type: 'user', id: principal.userId },
        });
      }
      return { profile_permissions: latest };
    });
  };
