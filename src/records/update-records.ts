import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { auditConsentChanges } from '../compliance/consent-audit.js';
import { refuseIfLocked } from '../compliance/record-locks.js';
import { refusalError, refuse, settleItem, type ItemOutcome, type ReadItem } from '../refusals.js';
import { findUserById, fullName } from '../users/user-repository.js';
import type { SavedRecord, UserRef } from './create-records.js';
import type { ModuleDefinition } from './modules.js';
import { prepareRecord, type RecordValues } from './record-input.js';
import { findRecord, parseData, updateRecordRow } from './record-repository.js';

/**
 * One item of an update: the record it names (`null`: none, or not as an id) and the values to
 * set as read (a read refusal is reported once the record is found: the record is checked first).
 */
export type RecordUpdate = Readonly<{ id: string | null; item: ReadItem<RecordValues> }>;

/**
 * Update Records (PUT /{module}/{id}: the one item updates that record; PUT /{module}: every item
 * names its record with `id`). Only the fields given change; line items, when given, replace the
 * record's lines.
 */
export async function updateRecords(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  items: readonly RecordUpdate[],
): Promise<ItemOutcome<SavedRecord>[]> {
  const caller = await findUserById(ctx.db, principal.orgId, principal.userId);
  const by: UserRef = { id: principal.userId, name: caller ? fullName(caller) : '' };
  const results: ItemOutcome<SavedRecord>[] = [];
  for (const item of items) {
    results.push(
      await settleItem(async () => {
        if (item.id === null) throw refuse('MANDATORY_NOT_FOUND', ['id']);
        const row = await findRecord(ctx.db, principal.orgId, module.apiName, item.id);
        if (!row) throw new AppError('RECORD_NOT_FOUND', { details: { id: item.id } });
        await refuseIfLocked(ctx.db, { orgId: principal.orgId, module, recordId: row.id, profile: caller?.profile ?? 'standard', action: 'update' });
        if ('refused' in item.item) throw refusalError(item.item.refused);
        const prepared = await prepareRecord(item.item.input, {
          db: ctx.db,
          orgId: principal.orgId,
          module,
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
          id: row.id,
          createdAt: row.created_at,
          createdBy: { id: row.created_by, name: creator ? fullName(creator) : '' },
          modifiedAt: now,
          modifiedBy: by,
        };
      }),
    );
  }
  return results;
}
