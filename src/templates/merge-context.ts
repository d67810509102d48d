import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { findOrg } from '../orgs/org-repository.js';
import { listModules } from '../records/module-registry.js';
import type { FieldDefinition, ModuleDefinition } from '../records/modules.js';
import { findRecord, findRecordsByIds, parseData, type RecordData, type RecordRow } from '../records/record-repository.js';
import { formatZohoDateTime, parseOffsetDateTime } from '../time.js';
import { findUsersByIds, fullName, listUsers, type UserRow } from '../users/user-repository.js';
import type { MergeContext, MergeValues } from './merge-fields.js';

/**
 * Loads what merge fields may name for one mail: the record being mailed, the records its lookup
 * fields point at (one level: a Deal's `Contact_Name` gives `${Contacts.…}`, its `Account_Name`
 * gives `${Accounts.…}`), the sending user and the org. Everything is formatted here, in the org's
 * time zone, so the engine (`merge-fields.ts`) only looks values up.
 *
 * When two sources share a module (an Account's `Parent_Account`), the mailed record wins, then
 * the lookups in field order.
 */
export type MergeContextInput = Readonly<{
  orgId: string;
  moduleApiName: string;
  recordId: string;
  senderUserId: string;
}>;

/** Resolves ids met in a record to what a merge field shows for them. */
export type NameResolver = Readonly<{
  recordName(id: string): string | null;
  userName(id: string): string | null;
}>;

/** Merge fields show date-times as `2024-05-10 14:30`, in the org's time zone. */
export function formatMergeDateTime(ms: number, timeZone: string): string {
  return formatZohoDateTime(ms, timeZone).slice(0, 16).replace('T', ' ');
}

function formatField(field: FieldDefinition, row: RecordRow, data: RecordData, names: NameResolver, timeZone: string): string | null {
  switch (field.apiName) {
    case 'Owner':
      return names.userName(row.owner_id);
    case 'Created_By':
      return names.userName(row.created_by);
    case 'Modified_By':
      return names.userName(row.modified_by);
    case 'Created_Time':
      return formatMergeDateTime(row.created_at, timeZone);
    case 'Modified_Time':
      return formatMergeDateTime(row.modified_at, timeZone);
    default:
      break;
  }
  const value = data[field.apiName];
  switch (field.type) {
    case 'boolean':
      return value === true ? 'true' : 'false';
    case 'integer':
    case 'double':
    case 'currency':
      return typeof value === 'number' && Number.isFinite(value) ? String(value) : null;
    case 'lookup':
      return typeof value === 'string' ? names.recordName(value) : null;
    case 'ownerlookup':
      return typeof value === 'string' ? names.userName(value) : null;
    case 'datetime': {
      if (typeof value === 'number') return formatMergeDateTime(value, timeZone);
      const parsed = typeof value === 'string' ? parseOffsetDateTime(value) : null;
      return parsed ? formatMergeDateTime(parsed.ms, timeZone) : null;
    }
    // Line items and consent details have no single text to show.
    case 'subform':
    case 'consent_lookup':
      return null;
    default:
      return typeof value === 'string' ? value : null;
  }
}

/**
 * One record's values by field label (pure). Besides the labels of `modules.ts`, Zoho's picker
 * names the owner `<Singular> Owner` (`${Leads.Lead Owner}`) and the id `<Singular> Id`; those
 * aliases are added unless a field already carries that label.
 */
export function recordMergeValues(module: ModuleDefinition, row: RecordRow, names: NameResolver, timeZone: string): MergeValues {
  const data = parseData(row);
  // No prototype: a custom label such as `__proto__` becomes an ordinary own key.
  const values: Record<string, string | null> = Object.create(null) as Record<string, string | null>;
  for (const field of module.fields) {
    if (!Object.hasOwn(values, field.label)) values[field.label] = formatField(field, row, data, names, timeZone);
  }
  const ownerAlias = `${module.singularLabel} Owner`;
  if (!Object.hasOwn(values, ownerAlias)) values[ownerAlias] = names.userName(row.owner_id);
  const idAlias = `${module.singularLabel} Id`;
  if (!Object.hasOwn(values, idAlias)) values[idAlias] = row.id;
  return values;
}

function userValues(user: UserRow | undefined, orgTimeZone: string): MergeValues | null {
  if (!user) return null;
  const values: Record<string, string | null> = Object.create(null) as Record<string, string | null>;
  values['First Name'] = user.first_name;
  values['Last Name'] = user.last_name;
  values['Full Name'] = fullName(user);
  values['Email'] = user.email;
  values['Time Zone'] = user.time_zone ?? orgTimeZone;
  return values;
}

function organizationValues(org: { name: string; time_zone: string }, primaryEmail: string | null): MergeValues {
  const values: Record<string, string | null> = Object.create(null) as Record<string, string | null>;
  values['Organization Name'] = org.name;
  values['Primary Email'] = primaryEmail;
  values['Time Zone'] = org.time_zone;
  // The same currency GET /org reports; Mailroom keeps no org address, phone or website.
  values['Currency'] = 'USD';
  for (const label of ['Website', 'Phone', 'Mobile', 'Fax', 'Street', 'City', 'State', 'Zip Code', 'Country', 'Description']) {
    values[label] = null;
  }
  return values;
}

export async function loadMergeContext(db: Database, input: MergeContextInput): Promise<MergeContext> {
  const { orgId } = input;
  const [modules, org] = await Promise.all([listModules(db, orgId), findOrg(db, orgId)]);
  if (!org) throw new AppError('INVALID_TOKEN');
  const moduleByName = new Map(modules.map((m) => [m.apiName, m]));
  const module = modules.find((m) => m.apiName.toLowerCase() === input.moduleApiName.toLowerCase());
  if (!module) throw new AppError('INVALID_MODULE', { details: { resource_path_index: 0 } });
  const record = /^\d{1,19}$/.test(input.recordId) ? await findRecord(db, orgId, module.apiName, input.recordId) : undefined;
  if (!record) throw new AppError('RELATED_RECORD_NOT_FOUND', { details: { resource_path_index: 1 } });

  const lookupIdsOf = (mod: ModuleDefinition, row: RecordRow): { field: FieldDefinition; id: string }[] => {
    const data = parseData(row);
    return mod.fields
      .filter((f) => f.type === 'lookup')
      .flatMap((field) => (typeof data[field.apiName] === 'string' ? [{ field, id: data[field.apiName] as string }] : []));
  };

  // Level one: the records the mailed record's lookups point at (and must be of the lookup's module).
  const direct = lookupIdsOf(module, record);
  const related = new Map((await findRecordsByIds(db, orgId, direct.map((d) => d.id))).map((r) => [r.id, r]));
  const linked: { module: ModuleDefinition; row: RecordRow }[] = [];
  for (const { field, id } of direct) {
    const row = related.get(id);
    const target = row && row.module === field.lookupModule ? moduleByName.get(row.module) : undefined;
    if (row && target) linked.push({ module: target, row });
  }

  // Names of everything those records show: their own lookups (level two, by name only) and users.
  const rowsById = new Map<string, RecordRow>([[record.id, record], ...linked.map((l) => [l.row.id, l.row] as const)]);
  const secondLevel = linked.flatMap((l) => lookupIdsOf(l.module, l.row).map((d) => d.id)).filter((id) => !rowsById.has(id));
  for (const row of await findRecordsByIds(db, orgId, [...new Set(secondLevel)])) rowsById.set(row.id, row);
  const userIds = new Set<string>([input.senderUserId]);
  for (const row of [record, ...linked.map((l) => l.row)]) {
    userIds.add(row.owner_id).add(row.created_by).add(row.modified_by);
    for (const field of (moduleByName.get(row.module) ?? module).fields) {
      const value = parseData(row)[field.apiName];
      if (field.type === 'ownerlookup' && typeof value === 'string') userIds.add(value);
    }
  }
  const [users, orgUsers] = await Promise.all([findUsersByIds(db, orgId, [...userIds]), listUsers(db, orgId)]);
  const usersById = new Map(users.map((u) => [u.id, u]));
  const names: NameResolver = {
    recordName(id) {
      const row = rowsById.get(id);
      const nameField = row ? moduleByName.get(row.module)?.nameField : undefined;
      const value = row && nameField ? parseData(row)[nameField] : undefined;
      return typeof value === 'string' ? value : null;
    },
    userName(id) {
      const user = usersById.get(id);
      return user ? fullName(user) : null;
    },
  };

  const byName: Record<string, MergeValues> = Object.create(null) as Record<string, MergeValues>;
  for (const source of [{ module, row: record }, ...linked]) {
    const values = recordMergeValues(source.module, source.row, names, org.time_zone);
    for (const key of [source.module.pluralLabel, source.module.apiName]) {
      if (!Object.hasOwn(byName, key)) byName[key] = values;
    }
  }
  const primary = orgUsers.find((u) => u.profile === 'admin') ?? orgUsers[0];
  return {
    modules: byName,
    user: userValues(usersById.get(input.senderUserId), org.time_zone),
    organization: organizationValues(org, primary?.email ?? null),
  };
}
