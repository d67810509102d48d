import { AppError } from '../errors.js';

/** Zoho caps `data` arrays of Records and Send Mail requests at 100 items. */
export const MAX_DATA_ITEMS = 100;

/**
 * Reads the `data` array of a write request. Shape errors reject the whole request (top-level
 * envelope); problems inside an item are reported per item by the caller.
 */
export function readDataArray(body: unknown, max = MAX_DATA_ITEMS): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('INVALID_BODY', { details: { expected_data_type: 'jsonobject' } });
  }
  const data = (body as Record<string, unknown>).data;
  if (data === undefined || data === null) {
    throw new AppError('MANDATORY_NOT_FOUND', { details: { api_name: 'data', json_path: '$.data' } });
  }
  if (!Array.isArray(data)) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'data', json_path: '$.data', expected_data_type: 'jsonarray' } });
  }
  if (data.length === 0) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'data', json_path: '$.data', minimum_length: 1 } });
  }
  if (data.length > max) {
    throw new AppError('LIMIT_EXCEEDED_RECORDS', { details: { api_name: 'data', json_path: '$.data', maximum_length: max } });
  }
  return data;
}

/** The outcome of one item of a bulk request, in input order. */
export type ItemResult =
  | { ok: true; message: string; details: Record<string, unknown> }
  | { ok: false; error: AppError };

/** Runs `fn` for one item and turns an AppError into that item's error; anything else propagates. */
export async function settleItem(fn: () => Promise<ItemResult & { ok: true }>): Promise<ItemResult> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof AppError) return { ok: false, error };
    throw error;
  }
}
