import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { changeProfilePermissions } from '../../compliance/change-profile-permissions.js';
import { getLockingConfiguration, updateLockingConfiguration } from '../../compliance/locking-config.js';
import { readAuditLog } from '../../compliance/read-audit-log.js';
import { readProfilePermissions } from '../../compliance/read-profile-permissions.js';
import { getLockInformation, lockRecord, unlockRecord } from '../../compliance/record-locks.js';
import type { ModuleDefinition } from '../../records/modules.js';
import { deletedRecordsReply, savedRecordsReply } from '../../wire/record-writes.js';
import {
  lockInformationJson,
  lockingConfigurationJson,
  lockingConfigurationUpdated,
  readLockingConfigRequest,
  readLockRequest,
} from '../../wire/record-locking.js';
import { principalOf } from '../auth-hooks.js';
import { moduleScopesOf, routeModule } from '../route-access.js';
import * as schemas from '../schemas/compliance.js';
import { readProfilePermissionChanges } from '../../wire/settings-writes.js';

/** Locks need the locking scope of the operation and the module's READ (to read) or UPDATE scope. */
const lockAccess = (op: 'CREATE' | 'READ' | 'DELETE') =>
  ({
    module: 'module',
    scopes: (module: ModuleDefinition) => [[`ZohoCRM.modules.lockinginformation.${op}`, ...moduleScopesOf(module, op === 'READ' ? 'READ' : 'UPDATE')]],
  }) as const;

/**
 * Compliance APIs: record locking (`Locking_Information__s`, `/settings/record_locking_configurations`),
 * the audit trail (`/settings/audit_log`) and profile permissions (`/settings/profile_permissions`).
 * Settings are for Administrators only (the use-cases check).
 */
export const complianceRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();

    fastify.post('/crm/:version/:module/:id/Locking_Information__s', { schema: schemas.lockRecord, config: lockAccess('CREATE') }, async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const outcome = await lockRecord(ctx, principal, routeModule(request), id, () => readLockRequest(request.body));
      const result = savedRecordsReply([outcome], 'added', principal.timeZone, { approvalState: false });
      return reply.status(result.status).send(result.body);
    });

    fastify.get('/crm/:version/:module/:id/Locking_Information__s', { schema: schemas.getLock, config: lockAccess('READ') }, async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const lock = await getLockInformation(ctx, principal, routeModule(request), id);
      if (lock === null) return reply.status(204).send();
      return lockInformationJson(lock, principal.timeZone);
    });

    fastify.delete('/crm/:version/:module/:id/Locking_Information__s/:lockId', { schema: schemas.unlockRecord, config: lockAccess('DELETE') }, async (request, reply) => {
      const principal = principalOf(request);
      const { id, lockId } = request.params;
      const result = deletedRecordsReply([await unlockRecord(ctx, principal, routeModule(request), id, lockId)]);
      return reply.status(result.status).send(result.body);
    });

    fastify.get(
      '/crm/:version/settings/record_locking_configurations',
      { schema: schemas.getLockingConfiguration, config: { scopes: ['ZohoCRM.settings.record_locking_configurations.READ'] } },
      async (request) => {
        const principal = principalOf(request);
        return lockingConfigurationJson(await getLockingConfiguration(ctx, principal, request.query.module), principal.timeZone);
      },
    );

    fastify.put(
      '/crm/:version/settings/record_locking_configurations',
      { schema: schemas.updateLockingConfiguration, config: { scopes: ['ZohoCRM.settings.record_locking_configurations.UPDATE'], admin: true } },
      async (request) => {
        const read = () => readLockingConfigRequest(request.body, request.query.module);
        return lockingConfigurationUpdated((await updateLockingConfiguration(ctx, principalOf(request), read)).id);
      },
    );

    fastify.get(
      '/crm/:version/settings/audit_log',
      { schema: schemas.auditLog, config: { scopes: ['ZohoCRM.settings.audit_log.READ'], admin: true } },
      async (request, reply) => {
        const principal = principalOf(request);
        const perPage = Math.min(Number(request.query.per_page ?? 200), 200);
        const page = Number(request.query.page ?? 1);
        const result = await readAuditLog(ctx, principal, {
          page,
          perPage,
          ...(request.query.action ? { action: request.query.action } : {}),
          ...(request.query.record_id ? { recordId: request.query.record_id } : {}),
        });
        if (result.entries.length === 0) return reply.status(204).send();
        return { audit_log: result.entries, info: { per_page: perPage, count: result.entries.length, page, more_records: result.moreRecords } };
      },
    );

    fastify.get(
      '/crm/:version/settings/profile_permissions',
      { schema: schemas.profilePermissions, config: { scopes: ['ZohoCRM.settings.profiles.READ'], admin: true } },
      async (request) => ({ profile_permissions: await readProfilePermissions(ctx, principalOf(request)) }),
    );

    fastify.put(
      '/crm/:version/settings/profile_permissions',
      { schema: schemas.updateProfilePermissions, config: { scopes: ['ZohoCRM.settings.profiles.UPDATE'], admin: true } },
      async (request) => ({ profile_permissions: await changeProfilePermissions(ctx, principalOf(request), () => readProfilePermissionChanges(request.body)) }),
    );
  };
