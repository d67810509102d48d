import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { settleItem, type ItemOutcome } from '../refusals.js';
import { MAX_DATA_ITEMS } from '../wire/item-array.js';
import type { ModuleDefinition } from './modules.js';
import { deleteRecordRow } from './record-repository.js';
import { refuseIfLocked } from '../compliance/record-locks.js';
import { findUserById } from '../users/user-repository.js';

/** Delete Records by id (one from the path, or up to 100 from `?ids=`). */
export async function deleteRecords(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  ids: readonly string[],
): Promise<ItemOutcome<{ id: string }>[]> {
  if (ids.length === 0) {
    throw new AppError('REQUIRED_PARAM_MISSING', { details: { param: 'ids' } });
  }
  if (ids.length > MAX_DATA_ITEMS) {
    throw new AppError('LIMIT_EXCEEDED_RECORDS', { details: { param: 'ids', maximum_length: MAX_DATA_ITEMS } });
  }
  const caller = await findUserById(ctx.db, principal.orgId, principal.userId);
  const results: ItemOutcome<{ id: string }>[] = [];
  for (const id of ids) {
    results.push(
      await settleItem(async () => {
        if (/^\d{1,19}$/.test(id)) {
          await refuseIfLocked(ctx.db, { orgId: principal.orgId, module, recordId: id, profile: caller?.profile ?? 'standard', action: 'delete' });
        }
        const deleted = /^\d{1,19}$/.test(id) && (await deleteRecordRow(ctx.db, principal.orgId, module.apiName, id));
        if (!deleted) throw new AppError('RECORD_NOT_FOUND', { details: { id } });
        return { id };
      }),
    );
  }
  return results;
}
