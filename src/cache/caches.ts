import type { Clock } from '../clock.js';
import type { TokenWithOwner } from '../auth/token-repository.js';
import type { PermissionRow } from '../compliance/permission-repository.js';
import type { OrgFromAddressRow } from '../mail/from-address-repository.js';
import type { OrgLimitFacts, OrgRow } from '../orgs/org-repository.js';
import type { CustomModuleRow } from '../records/custom-module-repository.js';
import type { UserRow } from '../users/user-repository.js';
import type { WebhookEventType } from '../webhooks/event-types.js';
import { TtlCache } from './ttl-cache.js';

/**
 * This process's caches of rows that change rarely and are read on every API request (issue 16:
 * round trips on the hot path). One per Context, never module-level.
 *
 * - In the process that changes a row, the use-case that writes it invalidates it at once
 *   (`invalidateOrg`, `tokensChanged`, …).
 * - Other processes see the change within `CACHE_TTL_SECONDS` (the bound, docs/operations.md).
 * - A cached token is still checked against the clock (expiry) and its revocation/user status on
 *   every hit; what may be up to the TTL old elsewhere is a revocation made by another process.
 */
export interface Caches {
  /** Token digest → the token with its owner's status and time zones (auth/authenticate.ts). */
  readonly tokens: TtlCache<string, TokenWithOwner>;
  /** Org id → its row. */
  readonly orgs: TtlCache<string, OrgRow>;
  /** `org/user` → the user's row (users are never updated in place today, only inserted). */
  readonly users: TtlCache<string, UserRow>;
  /** Org id → its profile permissions set away from the default. */
  readonly permissions: TtlCache<string, readonly PermissionRow[]>;
  /** Org id → its custom modules. */
  readonly customModules: TtlCache<string, readonly CustomModuleRow[]>;
  /** Org id → its organisation From addresses. */
  readonly orgFromAddresses: TtlCache<string, readonly OrgFromAddressRow[]>;
  /** Org id → what its daily mail limit is computed from (limits/daily-quota.ts). */
  readonly orgLimitFacts: TtlCache<string, OrgLimitFacts>;
  /** Org id → the event types its enabled webhook endpoints subscribe to (src/webhooks/event-gate.ts). */
  readonly webhookSubscriptions: TtlCache<string, readonly WebhookEventType[]>;
  /** After a token is revoked (the child tokens' digests are not known here: all of them go). */
  tokensChanged(): void;
  /** After an org's row changed (tokens carry its time zone, so they go too). */
  invalidateOrg(orgId: string): void;
  /** Called with the org's id by `invalidateOrg` (the API limiter drops the org's limits). */
  onOrgChange(listener: (orgId: string) => void): void;
}

/** Entries per cache; beyond it the least recently used go. */
export const CACHE_MAX_ENTRIES = 10_000;

export function createCaches(clock: Clock, ttlMs: number, maxEntries = CACHE_MAX_ENTRIES): Caches {
  const make = <V>() => new TtlCache<string, V>(clock, ttlMs, maxEntries);
  const tokens = make<TokenWithOwner>();
  const orgs = make<OrgRow>();
  const orgLimitFacts = make<OrgLimitFacts>();
  const orgListeners: ((orgId: string) => void)[] = [];
  return {
    tokens,
    orgs,
    users: make<UserRow>(),
    permissions: make<readonly PermissionRow[]>(),
    customModules: make<readonly CustomModuleRow[]>(),
    orgFromAddresses: make<readonly OrgFromAddressRow[]>(),
    webhookSubscriptions: make<readonly WebhookEventType[]>(),
    orgLimitFacts,
    tokensChanged: () => tokens.clear(),
    invalidateOrg(orgId) {
      orgs.invalidate(orgId);
      orgLimitFacts.invalidate(orgId);
      tokens.clear();
      for (const listener of orgListeners) listener(orgId);
    },
    onOrgChange: (listener) => {
      orgListeners.push(listener);
    },
  };
}
