import { AppError } from '../errors.js';
import { readItem, type ReadItem } from '../refusals.js';

/** Zoho caps the item arrays of write requests (`data`, and the settings APIs' arrays) at 100. */
export const MAX_DATA_ITEMS = 100;

/**
 * Reads the item array `root` (`data`, `email_templates`, …) of a write request. Shape errors
 * reject the whole request (top-level envelope, `json_path: "$.<root>"`); problems inside an item
 * are the item's own, reported in its place.
 */
export function readItemArray(body: unknown, root = 'data', max = MAX_DATA_ITEMS): unknown[] {
  if (!isJsonObject(body)) throw new AppError('INVALID_BODY', { details: { expected_data_type: 'jsonobject' } });
  const items = body[root];
  const where = { api_name: root, json_path: `$.${root}` };
  if (items === undefined || items === null) throw new AppError('MANDATORY_NOT_FOUND', { details: where });
  if (!Array.isArray(items)) throw new AppError('INVALID_DATA', { details: { ...where, expected_data_type: 'jsonarray' } });
  if (items.length === 0) throw new AppError('INVALID_DATA', { details: { ...where, minimum_length: 1 } });
  if (items.length > max) throw new AppError('LIMIT_EXCEEDED_RECORDS', { details: { ...where, maximum_length: max } });
  return items;
}

/** Each item of `root` read by `read` (which throws the item's refusal), in order. */
export function readItems<T>(body: unknown, root: string, read: (item: unknown) => T, max = MAX_DATA_ITEMS): ReadItem<T>[] {
  return readItemArray(body, root, max).map((item) => readItem(() => read(item)));
}

export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An item that must be a JSON object: anything else is refused as a whole (`expected_data_type: jsonobject`). */
export function jsonObjectItem(item: unknown): Record<string, unknown> {
  if (!isJsonObject(item)) throw new AppError('INVALID_DATA', { path: [], details: { expected_data_type: 'jsonobject' } });
  return item;
}
