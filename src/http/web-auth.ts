import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticatePassword } from '../auth/authenticate-password.js';
import { createSignInThrottle, SIGN_IN_LIMITS, type SignInLimits } from '../auth/sign-in-throttle.js';
import type { Context, Principal } from '../context.js';
import { AppError, isAppError } from '../errors.js';
import { findSession, SESSION_TTL_MS, type Session } from '../ui/sessions.js';

/**
 * Browser sign-in shared by the web UI (`/ui`) and the local mailbox (`/mailbox`): one password
 * check with one set of failure counters (HTTP Basic on the mailbox and the `/ui/login` form count
 * together), and one session cookie.
 *
 * Wrong passwords are counted per account, per client address and per account and address, in
 * the database (shared by every API process): see `auth/sign-in-throttle.ts`. The client address
 * is `request.ip`, which follows `X-Forwarded-For` only as far as TRUST_PROXY allows.
 */
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

export function createWebAuth(ctx: Context, limits: SignInLimits = SIGN_IN_LIMITS): WebAuth {
  const throttle = createSignInThrottle(ctx, limits);
  const secure = ctx.config.publicUrl.startsWith('https:') ? '; Secure' : '';

  return {
    async signIn(request, reply, email, password) {
      const address = request.ip;
      const check = await throttle.check(email, address);
      if (check.waitMs > 0) {
        reply.header('retry-after', String(Math.ceil(check.waitMs / 1000)));
        request.log.warn({ event: 'web.sign_in_throttled', ip: address }, 'sign-in refused: too many failures');
        throw new AppError('TOO_MANY_FAILED_SIGN_INS');
      }
      let principal: Principal;
      try {
        principal = await authenticatePassword(ctx, email, password);
      } catch (error) {
        if (isAppError(error) && error.code === 'AUTHENTICATION_FAILURE') {
          await throttle.failed(check);
          request.log.warn({ event: 'web.sign_in_failed', ip: address }, 'sign-in failed');
        }
        throw error;
      }
      await throttle.succeeded(check);
      return principal;
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
