import type { Edition } from '../db/schema.js';

/**
 * API request limits per edition (docs/zoho-contract.md §15), as pure functions. Credits per rolling 24 hours
 * follow the newer table (Kaizen #93); concurrency is simultaneous requests.
 */

type CreditRule = Readonly<{ base: number; perUser: number; max: number | null }>;

export const API_CREDIT_RULES: Readonly<Record<Edition, CreditRule>> = {
  free: { base: 5_000, perUser: 0, max: 5_000 },
  standard: { base: 50_000, perUser: 250, max: 100_000 },
  professional: { base: 50_000, perUser: 500, max: 1_000_000 },
  enterprise: { base: 50_000, perUser: 1_000, max: 2_000_000 },
  ultimate: { base: 50_000, perUser: 2_000, max: null },
};

export const API_CONCURRENCY: Readonly<Record<Edition, number>> = {
  free: 5,
  standard: 10,
  professional: 15,
  enterprise: 20,
  ultimate: 25,
};

/** Credits per rolling 24 hours; an override (`org update --api-credit-limit`) wins. */
export function apiCreditLimitFor(edition: Edition, activeUsers: number, override: number | null): number {
  if (override !== null) return override;
  const rule = API_CREDIT_RULES[edition];
  const credits = rule.base + rule.perUser * Math.max(0, Math.floor(activeUsers));
  return rule.max === null ? credits : Math.min(credits, rule.max);
}

/** Simultaneous requests; an override (`org update --api-concurrency-limit`) wins. */
export function apiConcurrencyLimitFor(edition: Edition, override: number | null): number {
  return override ?? API_CONCURRENCY[edition];
}

/** Credits are counted per UTC hour; a credit used in hour h is back at the start of hour h + 24. */
export const HOUR_MS = 3_600_000;
export const WINDOW_HOURS = 24;

export const hourOf = (instantMs: number): number => Math.floor(instantMs / HOUR_MS);
