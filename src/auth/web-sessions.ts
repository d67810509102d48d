import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Principal } from '../context.js';
import { findOrg } from '../orgs/org-repository.js';
import { findUserById } from '../users/user-repository.js';
import { deleteExpiredSessions, deleteSession, findSessionRow, insertSession } from './web-session-repository.js';

/**
 * Browser sessions of the web UI and the local mailbox (one sign-in for both). The cookie carries
 * a 32-byte random token; the database keeps only its SHA-256. A session ends at sign-out, after
 * SESSION_TTL_MS, or as soon as its user is deactivated.
 */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export type Session = { principal: Principal; csrfToken: string; userEmail: string; userName: string; isAdmin: boolean };

const digest = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A token to hand out (cookie value or CSRF token): 32 random bytes, base64url. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** Opens a session for a signed-in user and returns the cookie's token. */
export async function startSession(ctx: Context, principal: Pick<Principal, 'orgId' | 'userId'>): Promise<string> {
  const token = newToken();
  const now = ctx.clock.now();
  await deleteExpiredSessions(ctx.db, now);
  await insertSession(ctx.db, { id: digest(token), org_id: principal.orgId, user_id: principal.userId, csrf_token: newToken(), created_at: now, expires_at: now + SESSION_TTL_MS });
  return token;
}

/** The session a cookie token names, or null (unknown, expired, or its user is no longer active). */
export async function findSession(ctx: Context, token: string | undefined): Promise<Session | null> {
  if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = await findSessionRow(ctx.db, digest(token));
  if (!row || row.expires_at <= ctx.clock.now()) return null;
  const [user, org] = await Promise.all([findUserById(ctx.db, row.org_id, row.user_id), findOrg(ctx.db, row.org_id)]);
  if (!user || !org || user.status !== 'active') return null;
  return {
    principal: { orgId: row.org_id, userId: row.user_id, scopes: [], timeZone: user.time_zone ?? org.time_zone },
    csrfToken: row.csrf_token,
    userEmail: user.email,
    userName: [user.first_name, user.last_name].filter(Boolean).join(' '),
    isAdmin: user.profile === 'admin',
  };
}

export async function endSession(ctx: Context, token: string | undefined): Promise<void> {
  if (!token) return;
  await deleteSession(ctx.db, digest(token));
}

/** Constant-time comparison of a submitted token with the expected one. */
export function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
