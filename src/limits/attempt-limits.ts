import type { Context } from '../context.js';
import { countAttempt, purgeEndedCounters, type AttemptScope, type Counter, type CounterId } from './attempt-counter-repository.js';

/** At most `max` attempts per window of `windowMs` (the window starts with its first attempt). */
export type WindowLimit = Readonly<{ max: number; windowMs: number }>;

/**
 * The id of the counter of `parts` (an email, an address, …) in `scope`. The key is an HMAC under
 * a key derived from SECRETS_KEY: the table never holds the emails or addresses counted — nor a
 * password someone typed into the email field — and every process (sharing SECRETS_KEY) computes
 * the same key.
 */
export function counterId(ctx: Pick<Context, 'secrets'>, scope: AttemptScope, ...parts: string[]): CounterId {
  return { scope, key: ctx.secrets.mac(`attempt-counter ${scope}`, parts.join('\n')) };
}

/**
 * Counts one attempt and drops every counter whose window has ended (one indexed delete; attempts
 * are rare enough — failed sign-ins, SMTP checks — that this bounds the table to the live windows).
 */
export async function recordAttempt(ctx: Pick<Context, 'db' | 'clock'>, id: CounterId, windowMs: number): Promise<Counter> {
  const now = ctx.clock.now();
  const counter = await countAttempt(ctx.db, id, now, windowMs);
  await purgeEndedCounters(ctx.db, now);
  return counter;
}

/** Counts one attempt under `limit`; answers 0 when it may go ahead, else the ms until the window ends. */
export async function takeAttempt(ctx: Pick<Context, 'db' | 'clock'>, id: CounterId, limit: WindowLimit): Promise<number> {
  const counter = await recordAttempt(ctx, id, limit.windowMs);
  return counter.count > limit.max ? Math.max(counter.expiresAt - ctx.clock.now(), 1) : 0;
}
