/** Every version segment Zoho has served the CRM API under (docs/zoho-contract.md §1.1, §18). */
export const API_VERSIONS = ['v2', 'v2.1', 'v2.2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

export function isApiVersion(value: string): value is ApiVersion {
  return (API_VERSIONS as readonly string[]).includes(value);
}

/** Numeric form for comparisons: `v2.1` → 2.1. */
export function versionNumber(version: ApiVersion): number {
  return Number(version.slice(1));
}
