import { AppError, type ErrorDetails } from '../errors.js';
import type { Refusal } from '../refusals.js';
import { versionNumber, type ApiVersion } from './versions.js';

/**
 * The one renderer of where an item's error lies (docs/zoho-contract.md §1.5): use-cases name the
 * key with a `FieldPath` (`['to', 0, 'email']`); this module names it as each API does.
 *
 * - send_mail (and its reschedule) follow Zoho's rules by version: v3 and later give `api_name`
 *   and `json_path` (`$.data[1].to[0].email`); v2, v2.1 and v2.2 give `api_name`,
 *   `parent_api_name` for a nested key, and `index`. A missing `from`, `to` or address `email`
 *   names `parent_api_name` on every version (the enclosing key, `data` for `from` and `to`).
 * - Records, email templates, inventory templates and the locking configuration give `api_name`
 *   and `json_path` on every version; `api_name` is the last key named (Records) or the item's
 *   own key the path starts at (templates: `folder` for `folder.id`).
 */
export type DetailRules =
  | { readonly version: ApiVersion }
  | { readonly apiName: 'last-key' | 'first-key' };

/**
 * Where an item stands: in the array `root` of the body, at `index` (`$.data[2]`); `root: null`
 * for a single object named `$` (the CLI's inventory templates).
 */
export type ItemPlace = Readonly<{ root: string | null; index: number; rules: DetailRules }>;

/** The place of item `index` of `root`. */
export const itemAt = (root: string, index: number, rules: DetailRules): ItemPlace => ({ root, index, rules });

/** A refusal's details as the wire gives them: its own details, then the key's names. */
export function refusalDetails(refusal: Refusal, place: ItemPlace): ErrorDetails {
  const { path, details } = refusal;
  if (path === null) return { ...details };
  const names = path.filter((p): p is string => typeof p === 'string');
  if ('version' in place.rules) {
    const apiName = names.at(-1) ?? 'data';
    const namesParent = refusal.code === 'MANDATORY_NOT_FOUND' && isMissingAddressKey(path);
    const parent = names.length > 1 ? names[names.length - 2] : namesParent ? 'data' : undefined;
    const parentKey = parent ? { parent_api_name: parent } : {};
    if (versionNumber(place.rules.version) < 3) return { ...details, api_name: apiName, ...parentKey, index: place.index };
    return { ...details, api_name: apiName, ...(namesParent ? parentKey : {}), json_path: jsonPath(place, path) };
  }
  const apiName = place.rules.apiName === 'first-key' ? names[0] : names.at(-1);
  return { ...details, ...(apiName === undefined ? {} : { api_name: apiName }), json_path: jsonPath(place, path) };
}

/** The top-level error a refusal of a one-item request becomes (a reschedule, a CLI command). */
export function refusalError(refusal: Refusal, place: ItemPlace): AppError {
  return new AppError(refusal.code, { details: refusalDetails(refusal, place) });
}

/**
 * Runs `work` for a request that is one item at `place`: an error it throws that names a key of
 * the item is answered with that key named (top-level envelope); other errors pass unchanged.
 */
export async function withErrorsAt<T>(place: ItemPlace, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError && error.path !== null) throw refusalError({ code: error.code, path: error.path, details: error.details }, place);
    throw error;
  }
}

/** `from` and `to` themselves, and an address's `email` (docs/zoho-compatibility.md, missing from/to/email). */
function isMissingAddressKey(path: readonly (string | number)[]): boolean {
  if (path.length === 1) return path[0] === 'from' || path[0] === 'to';
  return path.at(-1) === 'email';
}

function jsonPath(place: ItemPlace, path: readonly (string | number)[]): string {
  const base = place.root === null ? '$' : `$.${place.root}[${place.index}]`;
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${p}`), base);
}
