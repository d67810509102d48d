import type { Context, Principal } from '../context.js';
import { auditConsentChanges } from '../compliance/consent-audit.js';
import { settleItem, type ItemOutcome, type ReadItem } from '../refusals.js';
import { findUserById, fullName } from '../users/user-repository.js';
import type { ModuleDefinition } from './modules.js';
import { prepareRecord, type RecordValues } from './record-input.js';
import { insertRecord } from './record-repository.js';

/** A user as a record names it (`Created_By`, `Modified_By`). */
export type UserRef = Readonly<{ id: string; name: string }>;

/** A record written: its id, and who made and last changed it, when. */
export type SavedRecord = Readonly<{
  id: string;
  createdAt: number;
  createdBy: UserRef;
  modifiedAt: number;
  modifiedBy: UserRef;
}>;

/** Insert Records: each item is validated and stored on its own; outcomes come back in input order. */
export async function createRecords(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  items: readonly ReadItem<RecordValues>[],
): Promise<ItemOutcome<SavedRecord>[]> {
  const caller = await findUserById(ctx.db, principal.orgId, principal.userId);
  const by: UserRef = { id: principal.userId, name: caller ? fullName(caller) : '' };
  const results: ItemOutcome<SavedRecord>[] = [];
  for (const item of items) {
    if ('refused' in item) {
      results.push(item);
      continue;
    }
    results.push(
      await settleItem(async () => {
        const prepared = await prepareRecord(item.input, { db: ctx.db, orgId: principal.orgId, module, newId: () => ctx.ids.next() });
        const now = ctx.clock.now();
        const id = ctx.ids.next();
        await ctx.db.transaction().execute(async (tx) => {
          await insertRecord(tx, {
            id,
            org_id: principal.orgId,
            module: module.apiName,
            data: JSON.stringify(prepared.data),
            owner_id: prepared.ownerId ?? principal.userId,
            created_by: principal.userId,
            modified_by: principal.userId,
            created_at: now,
            modified_at: now,
          });
          await auditConsentChanges(ctx, tx, principal, { module: module.apiName, recordId: id }, null, prepared.data);
        });
        return { id, createdAt: now, createdBy: by, modifiedAt: now, modifiedBy: by };
      }),
    );
  }
  return results;
}
