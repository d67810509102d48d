import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { auditConsentChanges } from '../compliance/consent-audit.js';
import { refuseIfLocked } from '../compliance/record-locks.js';
import { formatZohoDateTime } from '../time.js';
import { findUserById, fullName } from '../users/user-repository.js';
import { readDataArray, settleItem, type ItemResult } from './data-array.js';
import type { ModuleDefinition } from './modules.js';
import { lookupId, prepareRecord } from './record-input.js';
import { findRecord, parseData, updateRecordRow } from './record-repository.js';

/**
 * Update Records. With `recordId` (PUT /{module}/{id}) the one item updates that record; without
 * it (PUT /{module}) every item names its record with `id`. Only the fields given change; line
 * items, when given, replace the record's lines.
 */
export async function updateRecords(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  body: unknown,
  recordId?: string,
): Promise<ItemResult[]> {
  const items = readDataArray(body);
  const caller = await findUserById(ctx.db, principal.orgId, principal.userId);
  const callerRef = { name: caller ? fullName(caller) : '', id: principal.userId };
  const results: ItemResult[] = [];
  for (const [index, item] of items.entries()) {
    results.push(
      await settleItem(async () => {
        const itemId =
          recordId ?? (typeof item === 'object' && item !== null ? lookupId((item as Record<string, unknown>).id) : null);
        if (itemId === null) {
          throw new AppError('MANDATORY_NOT_FOUND', { details: { api_name: 'id', json_path: `$.data[${index}].id` } });
        }
        const row = await findRecord(ctx.db, principal.orgId, module.apiName, itemId);
        if (!row) throw new AppError('RECORD_NOT_FOUND', { details: { id: itemId } });
        await refuseIfLocked(ctx.db, { orgId: principal.orgId, module, recordId: row.id, profile: caller?.profile ?? 'standard', action: 'update' });
        const prepared = await prepareRecord(item, {
          db: ctx.db,
          orgId: principal.orgId,
          module,
          index,
          existing: parseData(row),
          newId: () => ctx.ids.next(),
        });
        const now = ctx.clock.now();
        await ctx.db.transaction().execute(async (tx) => {
          await updateRecordRow(tx, principal.orgId, row.id, {
            data: JSON.stringify(prepared.data),
            owner_id: prepared.ownerId ?? row.owner_id,
            modified_by: principal.userId,
            modified_at: now,
          });
          await auditConsentChanges(ctx, tx, principal, { module: module.apiName, recordId: row.id }, parseData(row), prepared.data);
        });
        const creator = await findUserById(ctx.db, principal.orgId, row.created_by);
        return {
          ok: true,
          message: 'record updated',
          details: {
            Modified_Time: formatZohoDateTime(now, principal.timeZone),
            Modified_By: callerRef,
            Created_Time: formatZohoDateTime(row.created_at, principal.timeZone),
            id: row.id,
            Created_By: { name: creator ? fullName(creator) : '', id: row.created_by },
          },
        };
      }),
    );
  }
  return results;
}
