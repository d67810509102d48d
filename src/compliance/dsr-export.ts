import { createHash, randomBytes } from 'node:crypto';
import type { Context, Principal } from '../context.js';
import type { FileRow } from '../files/file-repository.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord, parseData, type RecordRow } from '../records/record-repository.js';
import { formatZohoDateTime } from '../time.js';

/**
 * Data Subject Requests on send_mail (`data_subject_request: {id, type}`, docs/zoho-contract.md §12).
 * The request must be a Data_Subject_Requests record of the org whose `Parent_Id` is the record
 * being mailed, and of the same type. `access` and `export` attach a CSV of the subject's personal
 * fields (`Field,Value`); `rectify` attaches the same with an empty `Corrected value` column to
 * fill in. Cells that a spreadsheet would run as a formula are prefixed with `'` (OWASP CSV
 * injection).
 */
export type DsrType = 'access' | 'rectify' | 'export';
export const DSR_TYPES: readonly DsrType[] = ['access', 'rectify', 'export'];

/** Field types that hold personal data of a Lead or Contact; system and sales fields are left out. */
const PERSONAL_TYPES = new Set(['text', 'textarea', 'email', 'phone', 'website', 'date', 'boolean', 'picklist']);
const NOT_PERSONAL = new Set(['Lead_Source', 'Lead_Status', 'Industry', 'Annual_Revenue', 'No_of_Employees', 'Locked__s', 'Unsubscribed_Mode']);

export type DsrCheck = { ok: true; type: DsrType } | { ok: false };

/** Whether `id` names a request about this record (another org's id answers like a missing one). */
export async function checkDataSubjectRequest(ctx: Context, orgId: string, recordId: string, id: string, type: DsrType): Promise<DsrCheck> {
  const request = /^\d{1,19}$/.test(id) ? await findRecord(ctx.db, orgId, 'Data_Subject_Requests', id) : undefined;
  if (!request) return { ok: false };
  const data = parseData(request);
  if (data.Parent_Id !== recordId || data.Request_Type !== type) return { ok: false };
  return { ok: true, type };
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function display(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

export function personalDataCsv(module: ModuleDefinition, record: RecordRow, type: DsrType, timeZone: string): string {
  const data = parseData(record);
  const rows: string[][] = [];
  for (const field of module.fields) {
    if (!PERSONAL_TYPES.has(field.type) || NOT_PERSONAL.has(field.apiName)) continue;
    if (field.apiName === 'Full_Name') continue;
    rows.push([field.label, display(data[field.apiName])]);
  }
  const consent = data.Data_Processing_Basis_Details;
  if (typeof consent === 'object' && consent !== null) {
    for (const [key, value] of Object.entries(consent as Record<string, unknown>)) rows.push([`Data Processing Basis Details: ${key.replace(/_/g, ' ')}`, display(value)]);
  }
  rows.push(['Record created', formatZohoDateTime(record.created_at, timeZone)]);
  rows.push(['Record modified', formatZohoDateTime(record.modified_at, timeZone)]);
  const header = type === 'rectify' ? ['Field', 'Current value', 'Corrected value'] : ['Field', 'Value'];
  const lines = [header, ...rows.map((r) => (type === 'rectify' ? [...r, ''] : r))].map((r) => r.map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The CSV as a generated file the mail carries (stored with the mail like an inventory PDF). */
export function personalDataFile(ctx: Context, principal: Principal, module: ModuleDefinition, record: RecordRow, type: DsrType): { row: FileRow; bytes: Buffer } {
  const bytes = Buffer.from(`\ufeff${personalDataCsv(module, record, type, principal.timeZone)}`, 'utf8');
  return {
    bytes,
    row: {
      id: randomBytes(32).toString('hex'),
      org_id: principal.orgId,
      name: type === 'rectify' ? `personal-data-to-correct-${record.id}.csv` : `personal-data-${record.id}.csv`,
      content_type: 'text/csv',
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      is_inline: 0,
      created_by: principal.userId,
      created_at: ctx.clock.now(),
    },
  };
}
