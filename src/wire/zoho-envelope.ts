import { AppError, ERROR_CATALOGUE, type ErrorCode } from '../errors.js';
import type { ItemOutcome, Refusal } from '../refusals.js';
import { itemAt, refusalDetails, type DetailRules } from './item-errors.js';

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

/** What a done item says on the wire (`"record added"`, `{id}`). */
export type ItemSuccess = Readonly<{ message: string; details: Record<string, unknown> }>;

/** One item of a bulk answer, ready for the wire but for its error's key names. */
export type WireItem = { readonly success: ItemSuccess } | { readonly refused: Refusal };

/** A status and a body, as a route sends it (and as an Idempotency-Key keeps it). */
export type WireReply = { status: number; body: Record<string, unknown> };

/**
 * An action envelope for bulk results, `{<root>: [...]}` (`data`, `email_templates`, …): all
 * succeeded → `successStatus`; all failed → the status of the first error (400 for item errors);
 * mixed → 202 ("partially complete", docs/zoho-contract.md §1.4). Refusals name their key under
 * `$.<root>[i]` by `rules`.
 */
export function itemsReply(items: readonly WireItem[], options: { root: string; rules: DetailRules; successStatus: number }): WireReply {
  const list = items.map((item, index) =>
    'success' in item
      ? { code: 'SUCCESS', details: item.success.details, message: item.success.message, status: 'success' }
      : zohoError(new AppError(item.refused.code, { details: refusalDetails(item.refused, itemAt(options.root, index, options.rules)) })),
  );
  const failures = items.filter((item): item is { refused: Refusal } => 'refused' in item);
  let status = options.successStatus;
  if (failures.length === items.length && failures[0]) status = errorStatus(failures[0].refused.code);
  else if (failures.length > 0) status = 202;
  return { status, body: { [options.root]: list } };
}

/** `itemsReply` for use-case outcomes: `success` words what each done item did. */
export function outcomesReply<T>(
  outcomes: readonly ItemOutcome<T>[],
  success: (done: T) => ItemSuccess,
  options: { root: string; rules: DetailRules; successStatus: number },
): WireReply {
  return itemsReply(
    outcomes.map((outcome) => ('done' in outcome ? { success: success(outcome.done) } : outcome)),
    options,
  );
}
