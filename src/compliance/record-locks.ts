import type { Context, Principal } from '../context.js';
import { inTransaction, type Database } from '../db/database.js';
import type { Profile } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { SavedRecord } from '../records/create-records.js';
import type { ItemOutcome, ReadItem } from '../refusals.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord, parseData, updateRecordRow, type RecordRow } from '../records/record-repository.js';
import { findUserById, fullName } from '../users/user-repository.js';
import { recordAudit } from './audit-log.js';
import { isLockable, loadLockingSettings, lockRestricts, type LockingSettings } from './locking-config.js';
import { deleteLock, findLock, insertLockIfUnlocked } from './record-lock-repository.js';

/**
 * `Locking_Information__s` of a record (docs/zoho-contract.md §11): lock with a reason, read the lock,
 * unlock by the lock's id. A record has at most one lock; its `Locked__s` shows it.
 */
export const MAX_LOCK_REASON = 500;

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

/** A lock as `Locking_Information__s` shows it. */
export type RecordLockView = Readonly<{
  id: string;
  lockedFor: LockingSettings['locked_for'];
  reason: string | null;
  source: string;
  lockedAt: number;
  lockedBy: { id: string; name: string; email: string } | null;
  configurationId: string | null;
  module: { apiName: string; id: string };
  record: { id: string; name: string | null };
}>;

/** What a lock request gives: the reason, if any. */
export type LockInput = Readonly<{ reason: string | null }>;

/**
 * Locks a record (`POST …/Locking_Information__s`). `readLock` reads the request's one item once
 * the module and the record are checked (they come first); a record already locked is refused.
 */
export async function lockRecord(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  recordId: string,
  readLock: () => ReadItem<LockInput>,
): Promise<ItemOutcome<SavedRecord>> {
  const record = await lockedRecord(ctx, principal, module, recordId);
  const item = readLock();
  if ('refused' in item) return item;
  if (item.input.reason !== null && item.input.reason.length > MAX_LOCK_REASON) {
    return { refused: { code: 'INVALID_DATA', path: ['Locked_Reason__s'], details: { maximum_length: MAX_LOCK_REASON } } };
  }
  const reason = item.input.reason !== null && item.input.reason.trim() !== '' ? item.input.reason.trim() : null;
  const now = ctx.clock.now();
  const id = ctx.ids.next();
  const inserted = await inTransaction(ctx.db, async (tx) => {
    const lock = { id, org_id: principal.orgId, module: module.apiName, record_id: record.id, reason, source: 'manual', locked_by: principal.userId, locked_at: now };
    if (!(await insertLockIfUnlocked(tx, lock))) return false;
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
  if (!inserted) return { refused: { code: 'RECORD_ALREADY_LOCKED', path: null, details: { id: record.id } } };
  const user = await findUserById(ctx.db, principal.orgId, principal.userId);
  const by = { name: user ? fullName(user) : '', id: principal.userId };
  return { done: { id, createdAt: now, createdBy: by, modifiedAt: now, modifiedBy: by } };
}

/** The record's lock, or null when it is not locked. */
export async function getLockInformation(ctx: Context, principal: Principal, module: ModuleDefinition, recordId: string): Promise<RecordLockView | null> {
  const record = await lockedRecord(ctx, principal, module, recordId);
  const lock = await findLock(ctx.db, principal.orgId, record.id);
  if (!lock) return null;
  const [user, config] = await Promise.all([
    findUserById(ctx.db, principal.orgId, lock.locked_by),
    loadLockingSettings(ctx.db, principal.orgId, module.apiName),
  ]);
  const name = parseData(record)[module.nameField];
  return {
    id: lock.id,
    lockedFor: config.settings.locked_for,
    reason: lock.reason,
    source: lock.source,
    lockedAt: Number(lock.locked_at),
    lockedBy: user ? { id: user.id, name: fullName(user), email: user.email } : null,
    configurationId: config.id,
    module: { apiName: module.apiName, id: module.id },
    record: { id: record.id, name: typeof name === 'string' ? name : null },
  };
}

/** Unlocks a record by its lock's id (`DELETE …/Locking_Information__s/{lock_id}`); a wrong id is refused. */
export async function unlockRecord(ctx: Context, principal: Principal, module: ModuleDefinition, recordId: string, lockId: string): Promise<ItemOutcome<{ id: string }>> {
  const record = await lockedRecord(ctx, principal, module, recordId);
  const removed = await inTransaction(ctx.db, async (tx) => {
    if (!(await deleteLock(tx, principal.orgId, record.id, lockId))) return false;
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
  if (!removed) return { refused: { code: 'RECORD_NOT_FOUND', path: null, details: { id: lockId } } };
  return { done: { id: lockId } };
}
