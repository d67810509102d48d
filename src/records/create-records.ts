import type { Context, Principal } from '../context.js';
import { formatZohoDateTime } from '../time.js';
import { auditConsentChanges } from '../compliance/consent-audit.js';
import { findUserById, fullName } from '../users/user-repository.js';
import { readDataArray, settleItem, type ItemResult } from './data-array.js';
import type { ModuleDefinition } from './modules.js';
import { prepareRecord } from './record-input.js';
import { insertRecord } from './record-repository.js';

/** Insert Records: each item is validated and stored on its own; results come back in input order. */
export async function createRecords(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  body: unknown,
): Promise<ItemResult[]> {
  const items = readDataArray(body);
  const caller = await findUserById(ctx.db, principal.orgId, principal.userId);
  const callerRef = { name: caller ? fullName(caller) : '', id: principal.userId };
  const results: ItemResult[] = [];
  for (const [index, item] of items.entries()) {
    results.push(
      await settleItem(async () => {
        const prepared = await prepareRecord(item, {
          db: ctx.db,
          orgId: principal.orgId,
          module,
          index,
          newId: () => ctx.ids.next(),
        });
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
        const time = formatZohoDateTime(now, principal.timeZone);
        return {
          ok: true,
          message: 'record added',
          details: {
            Modified_Time: time,
            Modified_By: callerRef,
            Created_Time: time,
            id,
            Created_By: callerRef,
            $approval_state: 'approved',
          },
        };
      }),
    );
  }
  return results;
}
