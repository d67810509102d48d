/**
 * Zoho OAuth scopes: `ZohoCRM.{group}[.{resource}…].{operation}`, case-insensitive
 * (docs/zoho-contract.md §14.3).
 *
 * A granted scope covers a required one when
 * - its path (without the operation) is a prefix of the required path, where a granted `all`
 *   segment matches any one segment (`ZohoCRM.send_mail.all.CREATE` covers
 *   `ZohoCRM.send_mail.leads.CREATE`; `ZohoCRM.modules.ALL` covers every module), and
 * - its operation is `ALL`, equals the required one, or is `WRITE` and the required one is
 *   CREATE, UPDATE or DELETE.
 */
export type Operation = 'READ' | 'CREATE' | 'UPDATE' | 'DELETE' | 'ALL' | 'WRITE';

const OPERATIONS = new Set(['READ', 'CREATE', 'UPDATE', 'DELETE', 'ALL', 'WRITE']);
const SERVICE = 'zohocrm';

type ParsedScope = { path: string[]; operation: string };

export function parseScope(scope: string): ParsedScope | null {
  const parts = scope.trim().toLowerCase().split('.');
  if (parts.length < 3 || parts[0] !== SERVICE || parts.some((p) => p.length === 0)) return null;
  const operation = parts[parts.length - 1]!.toUpperCase();
  if (!OPERATIONS.has(operation)) return null;
  return { path: parts.slice(1, -1), operation };
}

/** Splits a space- or comma-separated scope list, dropping duplicates and blanks. */
export function splitScopes(value: string): string[] {
  return [...new Set(value.split(/[\s,]+/).filter((s) => s.length > 0))];
}

export function isValidScope(scope: string): boolean {
  return parseScope(scope) !== null;
}

function operationCovers(granted: string, required: string): boolean {
  if (granted === 'ALL' || granted === required) return true;
  return granted === 'WRITE' && (required === 'CREATE' || required === 'UPDATE' || required === 'DELETE');
}

export function scopeCovers(granted: string, required: string): boolean {
  const g = parseScope(granted);
  const r = parseScope(required);
  if (!g || !r) return false;
  if (g.path.length > r.path.length) return false;
  for (let i = 0; i < g.path.length; i += 1) {
    const segment = g.path[i]!;
    if (segment !== r.path[i] && !(segment === 'all' && i > 0)) return false;
  }
  return operationCovers(g.operation, r.operation);
}

/** True when any granted scope covers any of the alternatives. */
export function isAuthorized(granted: readonly string[], anyOf: readonly string[]): boolean {
  return anyOf.some((required) => granted.some((g) => scopeCovers(g, required)));
}

/** The scope-name form of a module API name: `Sales_Orders` → `salesorders`. */
export function moduleScopeName(apiName: string): string {
  return apiName.toLowerCase().replace(/_/g, '');
}

/** Scopes that allow an operation on a module's records. */
export function moduleScopes(apiName: string, operation: Exclude<Operation, 'ALL' | 'WRITE'>, isCustom: boolean): string[] {
  const names = new Set([moduleScopeName(apiName), apiName.toLowerCase()]);
  if (isCustom) names.add('custom');
  return [...names].map((name) => `ZohoCRM.modules.${name}.${operation}`);
}
