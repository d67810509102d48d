import type { Context, Principal } from '../context.js';
import type { Database } from '../db/database.js';
import type { Profile, RecordLockTable } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { ItemResult } from '../records/data-array.js';
import { readDataArray } from '../records/data-array.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord, parseData, updateRecordRow, type RecordRow } from '../records/record-repository.js';
import { formatZohoDateTime } from '../time.js';
import { findUserById, fullName } from '../users/user-repository.js';
import { recordAudit } from './audit-log.js';
import { isLockable, loadLockingSettings, lockRestricts } from './locking-config.js';

/**
 * `Locking_Information__s` of a record (docs/zoho-contract.md §11): lock with a reason, read the lock,
 * unlock by the lock's id. A record has at most one lock; its `Locked__s` shows it.
 */
const MAX_REASON = 500;

export async function findLock(db: Database, orgId: string, recordId: string): Promise<RecordLockTable | undefined> {
  return db.selectFrom('record_locks').selectAll().where('org_id', '=', orgId).where('record_id', '=', recordId).executeTakeFirst();
}

/**
 * Refuses an update or delete of a locked record when the module's locking configuration
 * restricts that action for the caller's profile: RECORD_LOCKED with `{action, id}`, as send_mail.
 */
export async function refuseIfLocked(
  db: Database,
  input: { orgId: string; module: ModuleDefinition; recordId: string; profile: Profile; action: 'update' | 'delete' },
): Promise<void> {
  if (!isLockable(input.module)) return;
  const lock = await findLock(db, input.orgId, input.recordId);
  if (!lock || lock.module !== input.module.apiName) return;
  const { settings } = await loadLockingSettings(db, input.orgId, input.module.apiName);
  if (lockRestricts(settings, input.profile, { action: input.action })) {
    throw new AppError('RECORD_LOCKED', { details: { action: 'record_locking', id: input.recordId } });
  }
}

async function lockedRecord(ctx: Context, principal: Principal, module: ModuleDefinition, recordId: string): Promise<RecordRow> {
  if (!isLockable(module)) throw new AppError('INVALID_MODULE', { details: { resource_path_index: 0 } });
  const record = /^\d{1,19}$/.test(recordId) ? await findRecord(ctx.db, principal.orgId, module.apiName, recordId) : undefined;
  if (!record) throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 1 } });
  return record;
}

async function setLockedFlag(db: Database, record: RecordRow, locked: boolean): Promise<void> {
  const data = parseData(record);
  if (locked) data.Locked__s = true;
  else delete data.Locked__s;
  await updateRecordRow(db, record.org_id, record.id, { data: JSON.stringify(data) });
}

export async function lockRecord(ctx: Context, principal: Principal, module: ModuleDefinition, recordId: string, body: unknown): Promise<ItemResult[]> {
  const record = await lockedRecord(ctx, principal, module, recordId);
  const items = readDataArray(body);
  if (items.length !== 1) throw new AppError('INVALID_DATA', { details: { api_name: 'data', json_path: '$.data', maximum_length: 1 } });
  const item = items[0];
  const rawReason = typeof item === 'object' && item !== null ? (item as Record<string, unknown>).Locked_Reason__s : undefined;
  if (rawReason !== undefined && rawReason !== null && (typeof rawReason !== 'string' || rawReason.length > MAX_REASON)) {
    return [{ ok: false, error: new AppError('INVALID_DATA', { details: { api_name: 'Locked_Reason__s', json_path: '$.data[0].Locked_Reason__s', maximum_length: MAX_REASON } }) }];
  }
  const reason = typeof rawReason === 'string' && rawReason.trim() !== '' ? rawReason.trim() : null;
  const now = ctx.clock.now();
  const id = ctx.ids.next();
  const inserted = await ctx.db.transaction().execute(async (tx) => {
    const result = await tx
      .insertInto('record_locks')
      .values({ id, org_id: principal.orgId, module: module.apiName, record_id: record.id, reason, source: 'manual', locked_by: principal.userId, locked_at: now })
      .onConflict((oc) => oc.columns(['org_id', 'record_id']).doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
    const fresh = await findRecord(tx, principal.orgId, module.apiName, record.id);
    if (fresh) await setLockedFlag(tx, fresh, true);
    await recordAudit(ctx, tx, {
      orgId: principal.orgId,
      actor: { type: 'user', id: principal.userId },
      action: 'record.locked',
      module: module.apiName,
      recordId: record.id,
      reason: reason ?? 'locked without a reason',
      details: { lock_id: id },
    });
    return true;
  });
  if (!inserted) return [{ ok: false, error: new AppError('RECORD_ALREADY_LOCKED', { details: { id: record.id } }) }];
  const user = await findUserById(ctx.db, principal.orgId, principal.userId);
  const by = { name: user ? fullName(user) : '', id: principal.userId };
  const time = formatZohoDateTime(now, principal.timeZone);
  return [
    {
      ok: true,
      message: 'record added',
      details: { Modified_Time: time, Modified_By: by, Created_Time: time, id, Created_By: by },
    },
  ];
}

/** The record's lock as a Zoho record list, or null when it is not locked (204). */
export async function getLockInformation(ctx: Context, principal: Principal, module: ModuleDefinition, recordId: string): Promise<unknown> {
  const record = await lockedRecord(ctx, principal, module, recordId);
  const lock = await findLock(ctx.db, principal.orgId, record.id);
  if (!lock) return null;
  const [user, config] = await Promise.all([
    findUserById(ctx.db, principal.orgId, lock.locked_by),
    loadLockingSettings(ctx.db, principal.orgId, module.apiName),
  ]);
  const by = user ? { name: fullName(user), id: user.id, email: user.email } : null;
  const name = parseData(record)[module.nameField];
  return {
    data: [
      {
        id: lock.id,
        Locked_For__s: config.settings.locked_for,
        Locked_Reason__s: lock.reason,
        Lock_Source__s: lock.source,
        Locked_Time__s: formatZohoDateTime(Number(lock.locked_at), principal.timeZone),
        Locked_By__s: by,
        Record_Locking_Rule_Id__s: null,
        Record_Locking_Configuration_Id__s: config.id,
        Owner: by,
        Parent_Id: { module: { api_name: module.apiName, id: module.id }, id: record.id, name: typeof name === 'string' ? name : null },
      },
    ],
    info: { per_page: 200, count: 1, page: 1, more_records: false },
  };
}

export async function unlockRecord(ctx: Context, principal: Principal, module: ModuleDefinition, recordId: string, lockId: string): Promise<ItemResult[]> {
  const record = await lockedRecord(ctx, principal, module, recordId);
  const removed = await ctx.db.transaction().execute(async (tx) => {
    const result = await tx
      .deleteFrom('record_locks')
      .where('org_id', '=', principal.orgId)
      .where('record_id', '=', record.id)
      .where('id', '=', lockId)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    const fresh = await findRecord(tx, principal.orgId, module.apiName, record.id);
    if (fresh) await setLockedFlag(tx, fresh, false);
    await recordAudit(ctx, tx, {
      orgId: principal.orgId,
      actor: { type: 'user', id: principal.userId },
      action: 'record.unlocked',
      module: module.apiName,
      recordId: record.id,
      reason: 'unlocked',
      details: { lock_id: lockId },
    });
    return true;
  });
  if (!removed) return [{ ok: false, error: new AppError('RECORD_NOT_FOUND', { details: { id: lockId } }) }];
  return [{ ok: true, message: 'record deleted', details: { id: lockId } }];
}
