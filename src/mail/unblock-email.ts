import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../compliance/audit-log.js';
import { settleItem, type ItemOutcome } from '../refusals.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord, parseData } from '../records/record-repository.js';
import { findBlockRow, unblockAddress } from './blocked-address-repository.js';
import { MAX_UNBLOCKS } from './blocked-addresses.js';

/** The fields unblock_email can lift a block from (custom email fields cannot be unblocked). */
export const UNBLOCK_FIELDS = ['Email', 'Secondary_Email'] as const;
export type UnblockField = (typeof UNBLOCK_FIELDS)[number];

/**
 * The fields to unblock, and the records (read once the fields are known to be the module's:
 * that check comes first).
 */
export type UnblockRequest = Readonly<{ fields: readonly UnblockField[]; recordIds: () => readonly string[] }>;

/**
 * `unblock_email`: lifts the block of a record's Email / Secondary_Email addresses (blocked after a
 * bounce). Zoho allows five unblocks per address, and none of an address blocked permanently (a
 * hard bounce). A module without those fields refuses the whole
 * request; each record is then an item of its own.
 */
export async function unblockEmail(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  request: UnblockRequest,
): Promise<ItemOutcome<{ recordId: string }>[]> {
  const available = UNBLOCK_FIELDS.filter((f) => module.fields.some((field) => field.apiName === f));
  if (request.fields.some((f) => !available.includes(f))) throw new AppError('UNBLOCK_FIELDS_UNAVAILABLE');
  const fields = request.fields;
  const ids = request.recordIds();
  const results: ItemOutcome<{ recordId: string }>[] = [];
  for (const id of ids) {
    results.push(
      await settleItem(async () => {
        const record = /^\d{1,19}$/.test(id) ? await findRecord(ctx.db, principal.orgId, module.apiName, id) : undefined;
        if (!record) throw new AppError('INVALID_RECORD_PROVIDED', { details: { id } });
        const data = parseData(record);
        const addresses = fields.map((f) => data[f]).filter((v): v is string => typeof v === 'string' && v !== '');
        const rows = await Promise.all(addresses.map((a) => findBlockRow(ctx.db, principal.orgId, a)));
        const blocked = rows.filter((r) => r !== undefined && r.is_blocked === 1);
        if (blocked.length === 0) throw new AppError('ALREADY_UNBLOCKED', { details: { id } });
        if (blocked.some((r) => r!.permanent === 1)) throw new AppError('UNBLOCK_PERMANENT', { details: { id } });
        if (blocked.some((r) => r!.unblock_count >= MAX_UNBLOCKS)) throw new AppError('UNBLOCK_LIMIT_REACHED', { details: { id } });
        for (const row of blocked) {
          await unblockAddress(ctx.db, principal.orgId, row!.email, ctx.clock.now());
          await recordAudit(ctx, ctx.db, {
            orgId: principal.orgId,
            actor: { type: 'user', id: principal.userId },
            action: 'email.unblocked',
            module: module.apiName,
            recordId: id,
            reason: 'unblock_email',
            details: { email: row!.email, previous_reason: row!.reason },
          });
        }
        return { recordId: id };
      }),
    );
  }
  return results;
}
