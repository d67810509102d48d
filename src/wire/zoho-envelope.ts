import { AppError, ERROR_CATALOGUE, type ErrorCode } from '../errors.js';
import type { ItemResult } from '../records/data-array.js';

/**
 * The one mapping from Mailroom errors to Zoho's wire shapes (docs/zoho-contract.md §1.3):
 * every error object has exactly `code`, `details`, `message`, `status: "error"`.
 */
export type ZohoError = { code: string; details: Record<string, unknown>; message: string; status: 'error' };

export function zohoError(error: AppError): ZohoError {
  const spec = ERROR_CATALOGUE[error.code];
  return { code: spec.zohoCode, details: { ...error.details }, message: spec.message, status: 'error' };
}

export function errorStatus(code: ErrorCode): number {
  return ERROR_CATALOGUE[code].status;
}

/**
 * An action envelope `{data: [...]}` for bulk results: all succeeded → `successStatus`;
 * all failed → the status of the first error (400 for item errors); mixed → 202
 * ("partially complete", docs/zoho-contract.md §1.4).
 */
export function itemResultsReply(results: readonly ItemResult[], successStatus: number): { status: number; body: unknown } {
  const data = results.map((result) =>
    result.ok
      ? { code: 'SUCCESS', details: result.details, message: result.message, status: 'success' }
      : zohoError(result.error),
  );
  const failures = results.filter((r): r is Extract<ItemResult, { ok: false }> => !r.ok);
  let status = successStatus;
  if (failures.length === results.length && failures[0]) status = errorStatus(failures[0].error.code);
  else if (failures.length > 0) status = 202;
  return { status, body: { data } };
}
