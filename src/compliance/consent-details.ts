import { AppError } from '../errors.js';
import { isValidDate, parseOffsetDateTime } from '../time.js';

/**
 * `Data_Processing_Basis_Details` (zoho-api.md §12): the consent entity of a Lead or Contact,
 * stored inside the record as a JSON object. Only the keys below are kept; unknown keys are
 * ignored like unknown record fields; `id`, `Owner` and `Mail_Sent_Time` are maintained here.
 */
export const PROCESSING_BASES = [
  'Consent',
  'Legitimate interest',
  'Contract',
  'Legal obligation',
  'Vital interest',
  'Public interest',
  'Not applicable',
] as const;

export const CONSENT_THROUGH = ['Consent form', 'Email', 'Phone', 'In person', 'Survey', 'Social', 'Others'] as const;

const BOOLEAN_KEYS = ['Contact_Through_Email', 'Contact_Through_Phone', 'Contact_Through_Survey', 'Contact_Through_Social'];
const TEXT_KEYS = ['Consent_Remarks', 'Lawful_Reason'];

export type ConsentDetails = Record<string, unknown>;

function invalid(path: string, key: string, extra: Record<string, unknown> = {}): AppError {
  return new AppError('INVALID_DATA', { details: { ...extra, api_name: key, json_path: `${path}.${key}` } });
}

/** Checks the writable keys of a consent object; returns only those (null clears a key). */
export function checkConsentDetails(value: Record<string, unknown>, path: string): ConsentDetails {
  const out: ConsentDetails = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (key === 'Data_Processing_Basis') {
      if (v !== null && !(PROCESSING_BASES as readonly unknown[]).includes(v)) throw invalid(path, key, { supported_values: PROCESSING_BASES });
    } else if (BOOLEAN_KEYS.includes(key)) {
      if (v !== null && typeof v !== 'boolean') throw invalid(path, key, { expected_data_type: 'boolean' });
    } else if (TEXT_KEYS.includes(key)) {
      if (v !== null && (typeof v !== 'string' || v.length > 2000)) throw invalid(path, key, { maximum_length: 2000 });
    } else if (key === 'Consent_Date') {
      if (v !== null && (typeof v !== 'string' || !isValidDate(v))) throw invalid(path, key, { expected_data_type: 'date' });
    } else if (key === 'Consent_Through') {
      if (v !== null && !(CONSENT_THROUGH as readonly unknown[]).includes(v)) throw invalid(path, key, { supported_values: CONSENT_THROUGH });
    } else if (key === 'Mail_Sent_Time') {
      if (v !== null && (typeof v !== 'string' || !parseOffsetDateTime(v))) throw invalid(path, key, { expected_data_type: 'datetime' });
    } else {
      continue;
    }
    out[key] = v;
  }
  return out;
}

export type ConsentState = 'not_required' | 'granted' | 'not_given';

/**
 * What the consent details allow, with privacy on: on the Consent basis, email needs
 * `Contact_Through_Email: true`; any other basis (or none recorded) does not ask for consent.
 */
export function emailConsentState(details: unknown): ConsentState {
  if (typeof details !== 'object' || details === null) return 'not_required';
  const d = details as ConsentDetails;
  if (d.Data_Processing_Basis !== 'Consent') return 'not_required';
  return d.Contact_Through_Email === true ? 'granted' : 'not_given';
}
