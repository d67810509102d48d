import { AppError } from '../errors.js';
import { UNBLOCK_FIELDS, type UnblockField, type UnblockRequest } from '../mail/unblock-email.js';
import type { ItemOutcome } from '../refusals.js';
import { idText } from './json-ids.js';
import { isJsonObject } from './item-array.js';
import { outcomesReply, type WireReply } from './zoho-envelope.js';

/** Zoho: a bulk unblock names at most 500 records. */
export const MAX_UNBLOCK_IDS = 500;

/**
 * The body of `unblock_email` (docs/zoho-contract.md §10): `{"unblock_fields": ["Email", …]}`, and
 * for the bulk form (no record in the URL) `"ids": [...]`, read when the use-case asks for them.
 * Problems refuse the whole request.
 */
export function readUnblockRequest(body: unknown, recordId: string | undefined): UnblockRequest {
  const object = isJsonObject(body) ? body : {};
  const raw = object.unblock_fields;
  if (raw === undefined || raw === null) {
    throw new AppError('MANDATORY_NOT_FOUND', { details: { api_name: 'unblock_fields', json_path: '$.unblock_fields' } });
  }
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'unblock_fields', json_path: '$.unblock_fields', expected_data_type: 'jsonarray' } });
  }
  if (raw.some((f) => typeof f !== 'string' || !(UNBLOCK_FIELDS as readonly string[]).includes(f))) throw new AppError('UNBLOCK_UNKNOWN_FIELD');
  const fields = [...new Set(raw as UnblockField[])];
  return { fields, recordIds: () => (recordId === undefined ? readIds(object.ids) : [recordId]) };
}

function readIds(ids: unknown): string[] {
  if (ids === undefined || ids === null) throw new AppError('MANDATORY_NOT_FOUND', { details: { api_name: 'ids', json_path: '$.ids' } });
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_UNBLOCK_IDS) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'ids', json_path: '$.ids', maximum_length: MAX_UNBLOCK_IDS } });
  }
  // Anything that is not an id is echoed in its item's error, as it always was.
  return ids.map((id) => idText(id) ?? String(id));
}

/** One `data` entry per record: "Unblocked successfully", or why not. */
export function unblockedReply(outcomes: readonly ItemOutcome<{ recordId: string }>[]): WireReply {
  return outcomesReply(outcomes, (done) => ({ message: 'Unblocked successfully', details: { id: done.recordId } }), {
    root: 'data',
    rules: { apiName: 'last-key' },
    successStatus: 200,
  });
}
