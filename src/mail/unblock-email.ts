import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../compliance/audit-log.js';
import { settleItem, type ItemResult } from '../records/data-array.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord, parseData } from '../records/record-repository.js';
import { idText } from '../wire/json-ids.js';
import { findBlockRow, MAX_UNBLOCKS, unblockAddress } from './blocked-addresses.js';

/** Zoho: a bulk unblock names at most 500 records. */
export const MAX_UNBLOCK_IDS = 500;
const FIELDS = ['Email', 'Secondary_Email'] as const;

function readFields(module: ModuleDefinition, body: unknown): (typeof FIELDS)[number][] {
  const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).unblock_fields : undefined;
  if (raw === undefined || raw === null) {
    throw new AppError('MANDATORY_NOT_FOUND', { details: { api_name: 'unblock_fields', json_path: '$.unblock_fields' } });
  }
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'unblock_fields', json_path: '$.unblock_fields', expected_data_type: 'jsonarray' } });
  }
  if (raw.some((f) => typeof f !== 'string' || !(FIELDS as readonly string[]).includes(f))) throw new AppError('UNBLOCK_UNKNOWN_FIELD');
  const available = FIELDS.filter((f) => module.fields.some((field) => field.apiName === f));
  const fields = [...new Set(raw as (typeof FIELDS)[number][])];
  if (fields.some((f) => !available.includes(f))) throw new AppError('UNBLOCK_FIELDS_UNAVAILABLE');
  return fields;
}

/**
 * `unblock_email`: lifts the block of a record's Email / Secondary_Email addresses (blocked after a
 * bounce). Zoho allows five unblocks per address; custom email fields cannot be unblocked.
 */
export async function unblockEmail(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  body: unknown,
  recordId?: string,
): Promise<ItemResult[]> {
  const fields = readFields(module, body);
  let ids: string[];
  if (recordId !== undefined) ids = [recordId];
  else {
    const raw = (body as Record<string, unknown>).ids;
    if (raw === undefined || raw === null) throw new AppError('MANDATORY_NOT_FOUND', { details: { api_name: 'ids', json_path: '$.ids' } });
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_UNBLOCK_IDS) {
      throw new AppError('INVALID_DATA', { details: { api_name: 'ids', json_path: '$.ids', maximum_length: MAX_UNBLOCK_IDS } });
    }
    // Anything that is not an id is echoed in its item's error, as it always was.
    ids = raw.map((id) => idText(id) ?? String(id));
  }
  const results: ItemResult[] = [];
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
        return { ok: true, message: 'Unblocked successfully', details: { id } };
      }),
    );
  }
  return results;
}
