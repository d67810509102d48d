import type { Database } from '../db/database.js';
import type { AppError, FieldPath } from '../errors.js';
import { refuse } from '../refusals.js';
import { isValidDate, parseOffsetDateTime } from '../time.js';
import { findUserById } from '../users/user-repository.js';
import { isValidEmail } from './email-address.js';
import { computeLineItems, computeTotals, type LineItemInput } from './line-items.js';
import type { FieldDefinition, ModuleDefinition } from './modules.js';
import { findRecord, parseData, type RecordData } from './record-repository.js';
import { checkConsentDetails, trackEmailConsentChange } from '../compliance/consent-details.js';
import { privacyOn } from '../compliance/privacy.js';
import { idFromNumber } from '../wire/json-ids.js';

/**
 * Turns the field values of one record (an item of a Records API `data` array, read by
 * `wire/record-request.ts`) into the values Mailroom stores, or the item's refusal. Rules:
 * - unknown keys and read-only fields are ignored (Zoho ignores them too);
 * - system-mandatory fields must be present and non-empty on insert and cannot be cleared;
 * - every value must have its field's type; `null` clears a field;
 * - lookups must name a record of the target module in the same org (ids as strings or numbers,
 *   or `{id}`); `Owner` must name a user of the org;
 * - line items and totals of inventory modules are computed here.
 */
export type PreparedRecord = { data: RecordData; ownerId: string | null };

/**
 * A record's field values as given, keyed by field API name: JSON values, checked here against
 * the module's field definitions (a record is a JSON document: docs/decisions/0001).
 */
export type RecordValues = Readonly<Record<string, unknown>>;

export type PrepareOptions = {
  db: Database;
  orgId: string;
  module: ModuleDefinition;
  /** Stored data of the record being updated; undefined on insert. */
  existing?: RecordData;
  /** Source of ids for new line items. */
  newId: () => string;
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const MAX_TEXT = 255;
const MAX_TEXTAREA = 32000;

function invalid(path: FieldPath, details: Record<string, unknown> = {}): AppError {
  return refuse('INVALID_DATA', path, details);
}

/**
 * Ids of records and users arrive as `{id}`, `"123"` or `123` (a JSON number, exact up to 19
 * digits: see `wire/json-ids.ts`); returns the id as a string, or null when malformed.
 */
export function lookupId(value: unknown): string | null {
  const raw = isPlainObject(value) ? value.id : value;
  if (typeof raw === 'string') return /^\d{1,19}$/.test(raw) ? raw : null;
  return idFromNumber(raw);
}

/**
 * A JSON number for a numeric field: a `number`, or an integer the body parser kept exact as a
 * `bigint` (16–19 digits), which such a field holds as the nearest double, as `JSON.parse`
 * would have given it. Anything else is not a number (undefined).
 */
function jsonNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

function checkScalar(field: FieldDefinition, value: unknown, path: FieldPath): unknown {
  const fail = (): never => {
    throw invalid(path, { expected_data_type: field.type });
  };
  switch (field.type) {
    case 'text':
    case 'phone':
    case 'website':
    case 'picklist':
    case 'textarea': {
      if (typeof value !== 'string') fail();
      const max = field.maxLength ?? (field.type === 'textarea' ? MAX_TEXTAREA : MAX_TEXT);
      if ((value as string).length > max) {
        throw invalid(path, { maximum_length: max });
      }
      if (field.pickList && !field.pickList.includes(value as string)) {
        throw invalid(path, { supported_values: field.pickList });
      }
      return value;
    }
    case 'email':
      if (typeof value !== 'string') fail();
      if (value === '') return value;
      if (!isValidEmail(value as string)) fail();
      return (value as string).trim();
    case 'boolean':
      if (typeof value !== 'boolean') fail();
      return value;
    case 'integer':
      // An integer beyond 2^53 (a bigint from the body parser) is refused, as it always was.
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail();
      return value;
    case 'double':
    case 'currency': {
      const number = jsonNumber(value);
      if (number === undefined || !Number.isFinite(number)) fail();
      return number;
    }
    case 'date':
      if (typeof value !== 'string' || !isValidDate(value)) fail();
      return value;
    case 'datetime': {
      const parsed = typeof value === 'string' ? parseOffsetDateTime(value) : null;
      if (!parsed) fail();
      return value;
    }
    case 'consent_lookup':
      if (!isPlainObject(value)) fail();
      return checkConsentDetails(value as Record<string, unknown>, path);
    default:
      return fail();
  }
}

const isEmpty = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '') ||
  (Array.isArray(value) && value.length === 0);

export async function prepareRecord(item: RecordValues, options: PrepareOptions): Promise<PreparedRecord> {
  const { module, db, orgId } = options;
  const data: RecordData = { ...(options.existing ?? {}) };
  let ownerId: string | null = null;

  for (const field of module.fields) {
    if (!field.mandatory) continue;
    const present = Object.prototype.hasOwnProperty.call(item, field.apiName);
    const missingOnInsert = options.existing === undefined && isEmpty(item[field.apiName]);
    const clearedOnUpdate = options.existing !== undefined && present && isEmpty(item[field.apiName]);
    if (missingOnInsert || clearedOnUpdate) throw refuse('MANDATORY_NOT_FOUND', [field.apiName]);
  }

  for (const field of module.fields) {
    if (field.readOnly || !Object.prototype.hasOwnProperty.call(item, field.apiName)) continue;
    const value = item[field.apiName];
    const path: FieldPath = [field.apiName];
    if (field.type === 'ownerlookup') {
      const id = lookupId(value);
      if (id === null || !(await findUserById(db, orgId, id))) {
        throw invalid(path, { expected_data_type: 'ownerlookup' });
      }
      ownerId = id;
      continue;
    }
    if (value === null) {
      delete data[field.apiName];
      continue;
    }
    if (field.type === 'consent_lookup') {
      // Without the org's privacy settings the field does not exist: ignored, like unknown keys.
      if (!(await privacyOn(db, orgId))) continue;
      const current = data[field.apiName];
      data[field.apiName] = { ...(isPlainObject(current) ? current : {}), ...(checkScalar(field, value, path) as object) };
      trackEmailConsentChange(data, current);
      continue;
    }
    if (field.type === 'lookup') {
      const id = lookupId(value);
      let found = false;
      for (const target of field.lookupModules ?? [field.lookupModule ?? '']) {
        if (id !== null && (await findRecord(db, orgId, target, id))) found = true;
      }
      if (id === null || !found) {
        throw invalid(path, { expected_data_type: 'lookup' });
      }
      data[field.apiName] = id;
      continue;
    }
    if (field.type === 'subform') {
      if (!Array.isArray(value)) throw invalid(path, { expected_data_type: 'jsonarray' });
      data[field.apiName] = await prepareLineItems(value, path, options);
      continue;
    }
    data[field.apiName] = checkScalar(field, value, path);
  }

  if (module.fields.some((f) => f.apiName === 'Full_Name')) {
    const name = [data.First_Name, data.Last_Name].filter((p) => typeof p === 'string' && p.length > 0).join(' ');
    data.Full_Name = name;
  }
  if (module.lineItemsField) {
    const totals = computeTotals((data[module.lineItemsField] as LineItemInput[] | undefined) ?? [], data);
    data.Sub_Total = totals.subTotal;
    data.Grand_Total = totals.grandTotal;
  }
  return { data, ownerId };
}

async function prepareLineItems(lines: unknown[], path: FieldPath, options: PrepareOptions): Promise<LineItemInput[]> {
  const { db, orgId } = options;
  const prepared: Omit<LineItemInput, 'id'>[] = [];
  for (const [i, line] of lines.entries()) {
    const linePath: FieldPath = [...path, i];
    if (!isPlainObject(line)) throw invalid(linePath, { expected_data_type: 'jsonobject' });
    if (isEmpty(line.Product_Name)) throw refuse('MANDATORY_NOT_FOUND', [...linePath, 'Product_Name']);
    const productId = lookupId(line.Product_Name);
    const product = productId === null ? undefined : await findRecord(db, orgId, 'Products', productId);
    if (!product) {
      throw invalid([...linePath, 'Product_Name'], { expected_data_type: 'lookup' });
    }
    const number = (key: string, fallback: number, min: number): number => {
      const raw = line[key];
      if (raw === undefined || raw === null) return fallback;
      const value = jsonNumber(raw);
      if (value === undefined || !Number.isFinite(value) || value < min) {
        throw invalid([...linePath, key], { expected_data_type: 'double' });
      }
      return value;
    };
    const unitPrice = parseData(product).Unit_Price;
    const description = line.Product_Description;
    if (description !== undefined && description !== null && (typeof description !== 'string' || description.length > MAX_TEXTAREA)) {
      throw invalid([...linePath, 'Product_Description'], { expected_data_type: 'textarea' });
    }
    prepared.push({
      Product_Name: product.id,
      Quantity: number('Quantity', 1, Number.MIN_VALUE),
      List_Price: number('List_Price', typeof unitPrice === 'number' ? unitPrice : 0, 0),
      Discount: number('Discount', 0, 0),
      Tax: number('Tax', 0, 0),
      ...(typeof description === 'string' ? { Product_Description: description } : {}),
    });
  }
  return computeLineItems(prepared, options.newId);
}
