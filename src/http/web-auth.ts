import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticatePassword } from '../auth/authenticate-password.js';
import type { Context, Principal } from '../context.js';
import { AppError, isAppError } from '../errors.js';
import { findSession, SESSION_TTL_MS, type Session } from '../ui/sessions.js';

/**
 * Browser sign-in shared by the web UI (`/ui`) and the local mailbox (`/mailbox`): one password
 * check with one failure counter (HTTP Basic on the mailbox and the `/ui/login` form count
 * together), and one session cookie.
 *
 * Wrong passwords are counted per client address in memory (this process only): after
 * `maxFailures` within `windowMs`, sign-ins from that address answer 429 until the window ends,
 * even with the right password. The table is bounded by `maxTrackedAddresses`.
 */
export type FailureLimit = { maxFailures: number; windowMs: number; maxTrackedAddresses: number };
const DEFAULT_LIMIT: FailureLimit = { maxFailures: 10, windowMs: 10 * 60_000, maxTrackedAddresses: 10_000 };

export const SESSION_COOKIE = 'mailroom_session';
/** Double-submit token of the sign-in form (there is no session yet to hold a CSRF token). */
export const LOGIN_CSRF_COOKIE = 'mailroom_login_csrf';

export interface WebAuth {
  /** Checks an email and password for the client of `request`; throws AUTHENTICATION_FAILURE or TOO_MANY_FAILED_SIGN_INS. */
  signIn(request: FastifyRequest, reply: FastifyReply, email: string, password: string): Promise<Principal>;
  /** The session of the request's cookie, or null. */
  sessionOf(request: FastifyRequest): Promise<Session | null>;
  /** `Set-Cookie` for a session token (`Secure` when PUBLIC_URL is https). */
  sessionCookie(token: string): string;
  clearSessionCookie(): string;
  loginCsrfCookie(token: string): string;
}

export function createWebAuth(ctx: Context, limit: FailureLimit = DEFAULT_LIMIT): WebAuth {
  const failures = new Map<string, { count: number; until: number }>();
  const secure = ctx.config.publicUrl.startsWith('https:') ? '; Secure' : '';

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

  return {
    async signIn(request, reply, email, password) {
      const address = request.ip;
      const wait = blockedFor(address, ctx.clock.now());
      if (wait > 0) {
        reply.header('retry-after', String(Math.ceil(wait / 1000)));
        throw new AppError('TOO_MANY_FAILED_SIGN_INS');
      }
      try {
        return await authenticatePassword(ctx, email, password);
      } catch (error) {
        if (isAppError(error) && error.code === 'AUTHENTICATION_FAILURE') {
          recordFailure(address, ctx.clock.now());
          request.log.warn({ event: 'web.sign_in_failed', ip: address }, 'sign-in failed');
        }
        throw error;
      }
    },
    sessionOf: (request) => findSession(ctx, readCookie(request, SESSION_COOKIE)),
    sessionCookie: (token) => `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_TTL_MS / 1000}${secure}`,
    clearSessionCookie: () => `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure}`,
    loginCsrfCookie: (token) => `${LOGIN_CSRF_COOKIE}=${token}; Path=/ui/login; HttpOnly; SameSite=Strict; Max-Age=3600${secure}`,
  };
}

/** One cookie's value from the request's Cookie header (no decoding: our values are base64url). */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
