import { AppError, type ErrorCode, type ErrorDetails, type FieldPath } from './errors.js';

/**
 * Per-item results of bulk operations, as data (docs/decisions/0006-typed-core.md). Zoho answers a
 * bulk request item by item, in order, with mixed results; Mailroom's use-cases do the same with
 * these types and leave the wire shape (envelopes, `json_path` or `index`, statuses) to `src/wire`.
 */

/**
 * Why one item was not done: a code of the catalogue, the key of the item it concerns (`null`:
 * the item as a whole, e.g. a record that opted out), and the code's own details
 * (`maximum_length`, `blocked_email_addresses`, …) without any wire naming of the key.
 */
export type Refusal = Readonly<{ code: ErrorCode; path: FieldPath | null; details: ErrorDetails }>;

/** One item as read from a request: its typed input, or the refusal reading it gave. */
export type ReadItem<T> = { readonly input: T } | { readonly refused: Refusal };

/** What became of one item: what was done, or why not. */
export type ItemOutcome<T> = { readonly done: T } | { readonly refused: Refusal };

/**
 * The error that refuses one item at `path` (thrown inside an item's work, turned into a
 * `Refusal` where the item's outcome is settled).
 */
export function refuse(code: ErrorCode, path: FieldPath, details: ErrorDetails = {}): AppError {
  return new AppError(code, { path, details });
}

export function refusalOf(error: AppError): Refusal {
  return { code: error.code, path: error.path, details: error.details };
}

/** The error that refuses an item again (a read refusal reported where the use-case reaches it). */
export function refusalError(refusal: Refusal): AppError {
  return new AppError(refusal.code, { details: refusal.details, ...(refusal.path === null ? {} : { path: refusal.path }) });
}

/** Runs the work of one item: an AppError it throws becomes the item's refusal; anything else propagates. */
export async function settleItem<T>(work: () => Promise<T>): Promise<ItemOutcome<T>> {
  try {
    return { done: await work() };
  } catch (error) {
    if (error instanceof AppError) return { refused: refusalOf(error) };
    throw error;
  }
}

/** `settleItem` for a synchronous reader of one item. */
export function readItem<T>(read: () => T): ReadItem<T> {
  try {
    return { input: read() };
  } catch (error) {
    if (error instanceof AppError) return { refused: refusalOf(error) };
    throw error;
  }
}
