import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from '../auth/authenticate.js';
import { authenticatePassword } from '../auth/authenticate-password.js';
import type { Context, Principal } from '../context.js';
import { AppError, isAppError } from '../errors.js';
import { requireScopes } from './auth-hooks.js';

/** What reading the mailbox takes with an OAuth token. */
export const MAILBOX_READ_SCOPES = ['ZohoCRM.modules.emails.READ'] as const;

export type FailureLimit = { maxFailures: number; windowMs: number; maxTrackedAddresses: number };
const DEFAULT_LIMIT: FailureLimit = { maxFailures: 10, windowMs: 10 * 60_000, maxTrackedAddresses: 10_000 };

/**
 * Who reads the local mailbox: either an OAuth token (`Zoho-oauthtoken` / `Bearer`) with a scope
 * covering ZohoCRM.modules.emails.READ, or HTTP Basic with a user's email and password (what a
 * browser sends after the `WWW-Authenticate: Basic` challenge).
 *
 * Wrong passwords are counted per client address in memory (this process only): after
 * `maxFailures` within `windowMs`, Basic sign-ins from that address answer 429 until the window
 * ends, even with the right password. The table is bounded by `maxTrackedAddresses`.
 */
export interface MailboxAuth {
  viewerOf(request: FastifyRequest, reply: FastifyReply): Promise<Principal>;
}

export function createMailboxAuth(ctx: Context, limit: FailureLimit = DEFAULT_LIMIT): MailboxAuth {
  const failures = new Map<string, { count: number; until: number }>();

  const blockedFor = (address: string, now: number): number => {
    const entry = failures.get(address);
    if (!entry || entry.until <= now) return 0;
    return entry.count >= limit.maxFailures ? entry.until - now : 0;
  };

  const recordFailure = (address: string, now: number): void => {
    const entry = failures.get(address);
    if (entry && entry.until > now) {
      entry.count += 1;
      return;
    }
    if (failures.size >= limit.maxTrackedAddresses) {
      for (const [key, value] of failures) if (value.until <= now) failures.delete(key);
      // Still full: forget the oldest entry (Map keeps insertion order).
      if (failures.size >= limit.maxTrackedAddresses) failures.delete(failures.keys().next().value!);
    }
    failures.delete(address);
    failures.set(address, { count: 1, until: now + limit.windowMs });
  };

  const basicViewer = async (request: FastifyRequest, reply: FastifyReply, encoded: string): Promise<Principal> => {
    const address = request.ip;
    const wait = blockedFor(address, ctx.clock.now());
    if (wait > 0) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      throw new AppError('TOO_MANY_FAILED_SIGN_INS');
    }
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    try {
      if (colon < 0) throw new AppError('AUTHENTICATION_FAILURE');
      return await authenticatePassword(ctx, decoded.slice(0, colon), decoded.slice(colon + 1));
    } catch (error) {
      if (isAppError(error) && error.code === 'AUTHENTICATION_FAILURE') {
        recordFailure(address, ctx.clock.now());
        request.log.warn({ event: 'mailbox.sign_in_failed', ip: address }, 'mailbox sign-in failed');
      }
      throw error;
    }
  };

  return {
    async viewerOf(request, reply) {
      const header = request.headers.authorization;
      const basic = /^Basic\s+([A-Za-z0-9+/=]{1,2048})\s*$/i.exec(header ?? '');
      if (basic) return basicViewer(request, reply, basic[1]!);
      const principal = await authenticate(ctx, header);
      requireScopes(principal, MAILBOX_READ_SCOPES);
      return principal;
    },
  };
}
