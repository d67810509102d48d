import type { Context } from '../context.js';
import { clientNetwork } from '../ip-address.js';
import { counterId, recordAttempt, type WindowLimit } from '../limits/attempt-limits.js';
import { clearCounter, markCounter, readCounters, type Counter, type CounterId } from '../limits/attempt-counter-repository.js';

/**
 * Limits on wrong passwords (the web UI's sign-in form and the mailbox's HTTP Basic together),
 * counted in the database so every API process sees the same counts. Three counters, so that
 * neither one person's typos nor an attacker locks out anyone else:
 *
 * - **pair** (one account from one client network): 10 failures in 10 minutes → that account
 *   from that network waits for the rest of the window. Everyone else behind the same address,
 *   and the same account from elsewhere, is not affected.
 * - **address** (every account from one client network, i.e. password spraying): 50 failures in
 *   10 minutes → every sign-in from that network waits.
 * - **account** (one account from everywhere, i.e. guessing spread over many addresses): 100
 *   failures in an hour → the account waits, except from networks it signed in from successfully
 *   within the last 30 days — so an attacker can slow the guessing down but cannot lock the
 *   owner out from their usual places.
 *
 * A client network is an IPv4 address or an IPv6 /64 (`ip-address.ts`). The account is the
 * email as typed, trimmed and lower-cased, known or not (an unknown email is throttled exactly
 * like a known one, so the answers tell nothing about which emails exist). A successful sign-in
 * clears its pair counter. Checking and counting are separate statements: a burst of parallel
 * attempts may pass the limit by the attempts already in flight.
 */
export type SignInLimits = Readonly<{ pair: WindowLimit; address: WindowLimit; account: WindowLimit; knownAddressMs: number }>;

const MINUTE = 60_000;
export const SIGN_IN_LIMITS: SignInLimits = {
  pair: { max: 10, windowMs: 10 * MINUTE },
  address: { max: 50, windowMs: 10 * MINUTE },
  account: { max: 100, windowMs: 60 * MINUTE },
  knownAddressMs: 30 * 24 * 60 * MINUTE,
};

/** What `check` found: whether to wait, and what `failed` / `succeeded` then write. */
export type SignInCheck = Readonly<{
  /** Milliseconds until this account may try a password from this address again; 0 = now. */
  waitMs: number;
  ids: Readonly<Record<'pair' | 'address' | 'account' | 'known', CounterId>>;
  pairFailures: number;
  /** Until when this address counts as one the account signed in from (0: it does not). */
  knownUntil: number;
}>;

export interface SignInThrottle {
  check(email: string, address: string): Promise<SignInCheck>;
  failed(check: SignInCheck): Promise<void>;
  /** Clears the pair's failures and remembers the address for the account (writes only when that changes something). */
  succeeded(check: SignInCheck): Promise<void>;
}

/** A known address is remembered again on success once less than this is left of its period. */
const KNOWN_REFRESH_MS = 24 * 60 * MINUTE;

export function createSignInThrottle(ctx: Context, limits: SignInLimits = SIGN_IN_LIMITS): SignInThrottle {
  const over = (counter: Counter | undefined, limit: WindowLimit, now: number): number =>
    counter && counter.count >= limit.max ? counter.expiresAt - now : 0;

  return {
    async check(email, address) {
      const account = email.trim().toLowerCase();
      const network = clientNetwork(address);
      const ids = {
        pair: counterId(ctx, 'sign_in_pair', account, network),
        address: counterId(ctx, 'sign_in_address', network),
        account: counterId(ctx, 'sign_in_account', account),
        known: counterId(ctx, 'sign_in_known', account, network),
      };
      const now = ctx.clock.now();
      const counters = await readCounters(ctx.db, Object.values(ids), now);
      const find = (id: CounterId) => counters.find((c) => c.scope === id.scope);
      const pair = find(ids.pair);
      const knownUntil = find(ids.known)?.expiresAt ?? 0;
      const waitMs = Math.max(
        over(pair, limits.pair, now),
        over(find(ids.address), limits.address, now),
        knownUntil > 0 ? 0 : over(find(ids.account), limits.account, now),
      );
      return { waitMs, ids, pairFailures: pair?.count ?? 0, knownUntil };
    },
    async failed({ ids }) {
      await recordAttempt(ctx, ids.pair, limits.pair.windowMs);
      await recordAttempt(ctx, ids.address, limits.address.windowMs);
      await recordAttempt(ctx, ids.account, limits.account.windowMs);
    },
    async succeeded({ ids, pairFailures, knownUntil }) {
      const now = ctx.clock.now();
      if (pairFailures > 0) await clearCounter(ctx.db, ids.pair);
      if (knownUntil - now < limits.knownAddressMs - KNOWN_REFRESH_MS) await markCounter(ctx.db, ids.known, now + limits.knownAddressMs);
    },
  };
}
