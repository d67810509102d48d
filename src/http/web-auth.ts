import cookie, { type CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticatePassword } from '../auth/authenticate-password.js';
import { createSignInThrottle, SIGN_IN_LIMITS, type SignInLimits } from '../auth/sign-in-throttle.js';
import type { Context, Principal } from '../context.js';
import { AppError, isAppError } from '../errors.js';
import { findSession, newToken, sameToken, SESSION_TTL_MS, type Session } from '../auth/web-sessions.js';

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
/** Cookie of the sign-in form (there is no session yet to hold a CSRF token). */
export const LOGIN_CSRF_COOKIE = 'mailroom_login_csrf';

/**
 * Cookies are parsed and written by @fastify/cookie, registered in each scope that reads them
 * (the web UI's and the mailbox's routes).
 */
export const registerWebCookies = (fastify: FastifyInstance) => fastify.register(cookie);

export interface WebAuth {
  /** Checks an email and password for the client of `request`; throws AUTHENTICATION_FAILURE or TOO_MANY_FAILED_SIGN_INS. */
  signIn(request: FastifyRequest, reply: FastifyReply, email: string, password: string): Promise<Principal>;
  /** The session of the request's cookie, or null. */
  sessionOf(request: FastifyRequest): Promise<Session | null>;
  /** The session token of the request's cookie (to end that session). */
  sessionToken(request: FastifyRequest): string | undefined;
  /** Sets the session cookie (`Secure` when PUBLIC_URL is https) and drops the sign-in form's. */
  setSessionCookie(reply: FastifyReply, token: string): void;
  clearSessionCookie(reply: FastifyReply): void;
  /** Sets a fresh sign-in form cookie and returns the token its form carries. */
  issueSignInFormToken(reply: FastifyReply): string;
  /** Whether a posted sign-in form carries the token that belongs to its cookie. */
  checkSignInFormToken(request: FastifyRequest, given: unknown): boolean;
}

export function createWebAuth(ctx: Context, limits: SignInLimits = SIGN_IN_LIMITS): WebAuth {
  const throttle = createSignInThrottle(ctx, limits);
  const secure = ctx.config.publicUrl.startsWith('https:');
  const sessionCookie: CookieSerializeOptions = { path: '/', httpOnly: true, sameSite: 'lax', maxAge: SESSION_TTL_MS / 1000, secure };
  const signInCookie: CookieSerializeOptions = { path: '/ui/login', httpOnly: true, sameSite: 'strict', maxAge: 3600, secure };
  // Signed double submit: the form carries an HMAC of the cookie's random value, so a cookie
  // planted from a sibling subdomain (cookie tossing) cannot be paired with a form token.
  const signInFormToken = (cookieValue: string): string => ctx.secrets.mac('sign-in form', cookieValue);

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
    sessionOf: (request) => findSession(ctx, request.cookies[SESSION_COOKIE]),
    sessionToken: (request) => request.cookies[SESSION_COOKIE],
    setSessionCookie(reply, token) {
      reply.setCookie(SESSION_COOKIE, token, sessionCookie);
      reply.clearCookie(LOGIN_CSRF_COOKIE, signInCookie);
    },
    clearSessionCookie: (reply) => void reply.clearCookie(SESSION_COOKIE, sessionCookie),
    issueSignInFormToken(reply) {
      const value = newToken();
      reply.setCookie(LOGIN_CSRF_COOKIE, value, signInCookie);
      return signInFormToken(value);
    },
    checkSignInFormToken(request, given) {
      const value = request.cookies[LOGIN_CSRF_COOKIE];
      return value !== undefined && value !== '' && sameToken(given, signInFormToken(value));
    },
  };
}
