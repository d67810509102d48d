import type { Database } from '../db/database.js';
import { formatZohoDateTime } from '../time.js';
import { findUsersByIds, fullName, type UserRow } from '../users/user-repository.js';
import type { LineItemInput } from './line-items.js';
import { privacyOn } from '../compliance/privacy.js';
import { STANDARD_MODULES, type ModuleDefinition } from './modules.js';
import { findRecordsByIds, parseData, type RecordData, type RecordRow } from './record-repository.js';

/**
 * Renders stored records as Zoho does: lookups as `{name, id}`, users as `{name, id, email}`,
 * date-times in the caller's time zone with its offset, every field of the module present
 * (null when empty). `fields` narrows the output to those API names (plus `id`).
 */
export type PresentOptions = {
  db: Database;
  orgId: string;
  module: ModuleDefinition;
  timeZone: string;
  fields?: readonly string[];
};

const nameFieldOf = (moduleName: string): string =>
  STANDARD_MODULES.find((m) => m.apiName === moduleName)?.nameField ?? 'Name';

export async function presentRecords(rows: readonly RecordRow[], options: PresentOptions): Promise<Record<string, unknown>[]> {
  const { module, db, orgId, timeZone } = options;
  const parsed = rows.map((row) => ({ row, data: parseData(row) }));

  const lookupIds = new Set<string>();
  const userIds = new Set<string>();
  for (const { row, data } of parsed) {
    userIds.add(row.owner_id).add(row.created_by).add(row.modified_by);
    for (const field of module.fields) {
      const value = data[field.apiName];
      if (field.type === 'lookup' && typeof value === 'string') lookupIds.add(value);
      if (field.type === 'subform' && Array.isArray(value)) {
        for (const line of value as LineItemInput[]) lookupIds.add(line.Product_Name);
      }
    }
  }
  const [related, users] = await Promise.all([
    findRecordsByIds(db, orgId, [...lookupIds]),
    findUsersByIds(db, orgId, [...userIds]),
  ]);
  const names = new Map(related.map((r) => [r.id, String(parseData(r)[nameFieldOf(r.module)] ?? '')]));
  const usersById = new Map(users.map((u) => [u.id, u]));
  const asLookup = (id: unknown): { name: string; id: string } | null =>
    typeof id === 'string' && names.has(id) ? { name: names.get(id)!, id } : null;
  const asUser = (id: string): { name: string; id: string; email: string } | null => {
    const user: UserRow | undefined = usersById.get(id);
    return user ? { name: fullName(user), id: user.id, email: user.email } : null;
  };
  const wanted = options.fields ? new Set(options.fields) : null;
  // Consent details exist only while the org's privacy settings are on (docs/zoho-contract.md §12).
  const hidden = new Set<string>();
  const consentFields = module.fields.filter((f) => f.type === 'consent_lookup');
  if (consentFields.length > 0 && !(await privacyOn(db, orgId))) for (const f of consentFields) hidden.add(f.apiName);

  return parsed.map(({ row, data }) => {
    const out: Record<string, unknown> = {};
    for (const field of module.fields) {
      if ((wanted && !wanted.has(field.apiName)) || hidden.has(field.apiName)) continue;
      out[field.apiName] = presentField(field.apiName, field.type, row, data, { asLookup, asUser, timeZone });
    }
    out.id = row.id;
    if (!wanted) out.$approval_state = 'approved';
    return out;
  });
}

type Helpers = {
  asLookup: (id: unknown) => { name: string; id: string } | null;
  asUser: (id: string) => { name: string; id: string; email: string } | null;
  timeZone: string;
};

function presentField(apiName: string, type: string, row: RecordRow, data: RecordData, h: Helpers): unknown {
  switch (apiName) {
    case 'Owner':
      return h.asUser(row.owner_id);
    case 'Created_By':
      return h.asUser(row.created_by);
    case 'Modified_By':
      return h.asUser(row.modified_by);
    case 'Created_Time':
      return formatZohoDateTime(row.created_at, h.timeZone);
    case 'Modified_Time':
      return formatZohoDateTime(row.modified_at, h.timeZone);
    case 'Locked__s':
      return data.Locked__s === true;
    default:
      break;
  }
  const value = data[apiName];
  if (value === undefined || value === null) return type === 'boolean' ? false : null;
  if (type === 'lookup') return h.asLookup(value);
  if (type === 'subform' && Array.isArray(value)) {
    return (value as LineItemInput[]).map((line) => ({ ...line, Product_Name: h.asLookup(line.Product_Name) }));
  }
  if (type === 'datetime' && typeof value === 'number') return formatZohoDateTime(value, h.timeZone);
  return value;
}
