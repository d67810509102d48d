import type { SavedRecord } from '../records/create-records.js';
import type { RecordValues } from '../records/record-input.js';
import { lookupId } from '../records/record-input.js';
import type { RecordUpdate } from '../records/update-records.js';
import { readItem, type ItemOutcome, type ReadItem } from '../refusals.js';
import { formatZohoDateTime } from '../time.js';
import { isJsonObject, jsonObjectItem, readItemArray, readItems } from './item-array.js';
import { outcomesReply, type WireReply } from './zoho-envelope.js';

/**
 * The Records API's writes on the wire (docs/zoho-contract.md §13): `{"data": [...]}` in, per-item
 * answers out, `api_name` + `json_path` on every version.
 */
const RULES = { apiName: 'last-key' } as const;

/** Insert: each item must be a JSON object of field values. */
export function readRecordItems(body: unknown): ReadItem<RecordValues>[] {
  return readItems(body, 'data', jsonObjectItem);
}

/** Update: with a record in the URL every item updates it; without, each item names its own (`id`). */
export function readRecordUpdates(body: unknown, recordId: string | undefined): RecordUpdate[] {
  return readItemArray(body, 'data').map((item) => ({
    id: recordId ?? (isJsonObject(item) ? lookupId(item.id) : null),
    item: readItem(() => jsonObjectItem(item)),
  }));
}

/**
 * `record added` (201) / `record updated` (200), with who and when (times in `timeZone`); a new
 * record also says `$approval_state` (a new lock, answered the same way, does not).
 */
export function savedRecordsReply(
  outcomes: readonly ItemOutcome<SavedRecord>[],
  action: 'added' | 'updated',
  timeZone: string,
  options: { approvalState: boolean } = { approvalState: action === 'added' },
): WireReply {
  const time = (ms: number) => formatZohoDateTime(ms, timeZone);
  return outcomesReply(
    outcomes,
    (saved) => ({
      message: `record ${action}`,
      details: {
        Modified_Time: time(saved.modifiedAt),
        Modified_By: { name: saved.modifiedBy.name, id: saved.modifiedBy.id },
        Created_Time: time(saved.createdAt),
        id: saved.id,
        Created_By: { name: saved.createdBy.name, id: saved.createdBy.id },
        ...(options.approvalState ? { $approval_state: 'approved' } : {}),
      },
    }),
    { root: 'data', rules: RULES, successStatus: action === 'added' ? 201 : 200 },
  );
}

/** `record deleted`, per id. */
export function deletedRecordsReply(outcomes: readonly ItemOutcome<{ id: string }>[]): WireReply {
  return outcomesReply(outcomes, (deleted) => ({ message: 'record deleted', details: { id: deleted.id } }), { root: 'data', rules: RULES, successStatus: 200 });
}
