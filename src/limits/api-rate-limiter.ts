import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { findOrgLimitFacts } from '../orgs/org-repository.js';
import { formatZohoDateTime } from '../time.js';
import { pruneApiCredits } from './api-credit-repository.js';
import { apiConcurrencyLimitFor, apiCreditLimitFor, hourOf, HOUR_MS, WINDOW_HOURS } from './api-limits.js';

/**
 * API request limits per org (docs/zoho-contract.md §15): credits per rolling 24 hours, counted in the
 * database so every process shares them, and simultaneous requests, counted in THIS process (a
 * cross-process count would cost a write when each request ends and leak when a process dies).
 *
 * Credits are counted by `ctx.apiCredits` (api-credit-counter.ts): in memory and written in
 * batches while the org is far from its limit, one conditional statement each near it. An org's limits are computed
 * from its row and users and kept for `cacheTtlMs`: edition, user and override changes take
 * effect within that time (an org change made through this process, at once).
 */
export type ApiAdmission =
  | { ok: true; headers: Record<string, string>; release: () => void }
  | { ok: false; headers: Record<string, string>; error: AppError };

export interface ApiRateLimiter {
  /** Counts the request against its org; on success, `release()` must be called when it ends. */
  admit(principal: Principal): Promise<ApiAdmission>;
  /** Requests of an org under way in this process. */
  inFlight(orgId: string): number;
}

type OrgLimits = { credits: number; concurrency: number; loadedAt: number; prunedHour: number };

const DEFAULT_CACHE_TTL_MS = 60_000;
/** Bound on cached orgs; beyond it the cache starts over (it is only a cache). */
const MAX_CACHED_ORGS = 10_000;

export function createApiRateLimiter(ctx: Context, options: { cacheTtlMs?: number } = {}): ApiRateLimiter {
  const ttl = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
  const limits = new Map<string, OrgLimits>();
  const inFlight = new Map<string, number>();
  // A change of the org made through this process (`org update`) applies to its next request here.
  ctx.cache.onOrgChange((orgId) => limits.delete(orgId));

  async function limitsOf(orgId: string, now: number): Promise<OrgLimits> {
    const cached = limits.get(orgId);
    if (cached && now - cached.loadedAt < ttl) return cached;
    const facts = await findOrgLimitFacts(ctx.db, orgId);
    if (!facts) throw new AppError('INVALID_TOKEN');
    const hour = hourOf(now);
    // Buckets that left the window are dropped once an hour per org and process (on reload).
    if (!cached || cached.prunedHour !== hour) await pruneApiCredits(ctx.db, orgId, hour);
    const fresh: OrgLimits = {
      credits: apiCreditLimitFor(facts.edition, facts.active_users, facts.api_credit_limit),
      concurrency: apiConcurrencyLimitFor(facts.edition, facts.api_concurrency_limit),
      loadedAt: now,
      prunedHour: hour,
    };
    if (limits.size >= MAX_CACHED_ORGS) limits.clear();
    limits.set(orgId, fresh);
    return fresh;
  }

  const release = (orgId: string) => {
    const count = (inFlight.get(orgId) ?? 1) - 1;
    if (count <= 0) inFlight.delete(orgId);
    else inFlight.set(orgId, count);
  };

  return {
    inFlight: (orgId) => inFlight.get(orgId) ?? 0,
    async admit(principal) {
      const now = ctx.clock.now();
      const org = await limitsOf(principal.orgId, now);
      // Check and take the slot in one synchronous step: no other request of this process runs between.
      const running = inFlight.get(principal.orgId) ?? 0;
      if (running >= org.concurrency) {
        // Refused before any credit is counted; the credit headers still tell where the org stands.
        const window = await ctx.apiCredits.usage(principal.orgId);
        return {
          ok: false,
          headers: {
            ...creditHeaders(org.credits, Math.max(0, org.credits - window.used), (window.oldestHour + WINDOW_HOURS) * HOUR_MS),
            'Retry-After': '1',
          },
          error: new AppError('API_CONCURRENCY_EXCEEDED', { details: { type: 'concurrency', allowed_limit: org.concurrency } }),
        };
      }
      inFlight.set(principal.orgId, running + 1);
      let released = false;
      const releaseOnce = () => {
        if (released) return;
        released = true;
        release(principal.orgId);
      };
      try {
        const credit = await ctx.apiCredits.take(principal.orgId, org.credits);
        // Credits used in hour h are back when hour h + 24 starts.
        const resetMs = (credit.oldestHour + WINDOW_HOURS) * HOUR_MS;
        const remaining = Math.max(0, org.credits - credit.used);
        const headers = creditHeaders(org.credits, remaining, resetMs);
        if (credit.ok) return { ok: true, headers, release: releaseOnce };
        releaseOnce();
        return {
          ok: false,
          headers: { ...headers, 'Retry-After': String(Math.max(1, Math.ceil((resetMs - now) / 1000))) },
          error: new AppError('API_CREDITS_EXCEEDED', {
            details: { type: 'api_credits', allowed_limit: org.credits, resets_at: formatZohoDateTime(resetMs, principal.timeZone) },
          }),
        };
      } catch (error) {
        releaseOnce();
        throw error;
      }
    },
  };
}

/**
 * The headers Zoho's legacy SDKs read (docs/zoho-contract.md §15). Mailroom has one window (credits per
 * rolling 24 hours), so the `DAY-` pair repeats the plain pair. RESET is epoch milliseconds (Zoho
 * writes instants as epoch ms elsewhere) of the moment the oldest counted credits come back.
 */
function creditHeaders(limit: number, remaining: number, resetMs: number): Record<string, string> {
  return {
    'X-RATELIMIT-LIMIT': String(limit),
    'X-RATELIMIT-REMAINING': String(remaining),
    'X-RATELIMIT-RESET': String(resetMs),
    'X-RATELIMIT-DAY-LIMIT': String(limit),
    'X-RATELIMIT-DAY-REMAINING': String(remaining),
  };
}
