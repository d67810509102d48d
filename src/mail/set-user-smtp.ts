import type { Context } from '../context.js';
import type { UserSmtpSettingsTable } from '../db/schema.js';
import { parseSmtpHost, resolveSmtpHost, smtpHostText } from '../delivery/smtp-host-guard.js';
import { smtpCheckFailure, verifySmtpTarget } from '../delivery/smtp-transport.js';
import { AppError } from '../errors.js';
import { counterId, takeAttempt, type WindowLimit } from '../limits/attempt-limits.js';
import { isValidEmail } from '../records/email-address.js';
import { findUserById, fullName } from '../users/user-repository.js';
import { findUserSmtp, upsertUserSmtp } from './user-smtp-repository.js';
import { normaliseEmail } from './mail-input.js';

export type SetUserSmtpInput = {
  orgId: string;
  userId: string;
  host: string;
  port: number;
  secure: boolean;
  /** No username: the server is used without AUTH (and no password is kept). */
  username: string | null;
  /**
   * A new password, or nothing (null, undefined or empty) to keep the stored one — allowed only
   * while host, port, security and username stay as they are (see `passwordToStore`).
   */
  password?: string | null;
  fromEmail?: string;
  fromName?: string;
  /** Connect and authenticate before saving (default true). */
  verify?: boolean;
};

/**
 * Server checks (the connection and login made before saving) per user: each one makes Mailroom
 * connect where the user says, so they are counted in the database and limited — the check
 * cannot be used to probe many hosts and ports.
 */
export const SMTP_CHECK_LIMIT: WindowLimit = { max: 10, windowMs: 10 * 60_000 };

/**
 * Saves a user's own SMTP server. The host must resolve to public addresses only (SSRF guard,
 * unless SMTP_ALLOW_PRIVATE_HOSTS); the server is then checked at the address that was checked
 * (reachable, accepts the credentials); the password is stored encrypted and never shown again.
 * A failed check answers one of three categories, never the server's own words.
 */
export async function setUserSmtp(ctx: Context, input: SetUserSmtpInput): Promise<Record<string, unknown>> {
  const user = await findUserById(ctx.db, input.orgId, input.userId);
  if (!user) throw new AppError('NOT_FOUND', { details: { api_name: 'user' } });
  const host = parseSmtpHost(input.host);
  if (host === null) throw new AppError('INVALID_DATA', { details: { api_name: 'host' } });
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'port' } });
  }
  const fromEmail = input.fromEmail?.trim() ?? user.email;
  if (!isValidEmail(fromEmail)) throw new AppError('INVALID_DATA', { details: { api_name: 'from_email' } });
  const target = { host: smtpHostText(host), port: input.port, secure: input.secure, username: input.username?.trim() || null };
  const existing = await findUserSmtp(ctx.db, input.orgId, user.id);
  const password = passwordToStore(ctx, existing, target, input.password);

  // Everything below reaches out to the network: counted per user.
  const wait = await takeAttempt(ctx, counterId(ctx, 'smtp_check', input.orgId, user.id), SMTP_CHECK_LIMIT);
  if (wait > 0) {
    throw new AppError('SMTP_CHECKS_EXCEEDED', { details: { allowed_limit: SMTP_CHECK_LIMIT.max, retry_after_seconds: Math.ceil(wait / 1000) } });
  }
  const { delivery } = ctx.config;
  const destination = await resolveSmtpHost(target.host, { allowPrivate: delivery.allowPrivateSmtpHosts, lookup: ctx.lookup, timeoutMs: delivery.smtpTimeoutMs });
  if (!destination) throw new AppError('SMTP_HOST_NOT_ALLOWED', { details: { api_name: 'host' } });
  if (input.verify ?? true) {
    try {
      await verifySmtpTarget({
        ...target,
        host: destination.addresses[0]!,
        servername: destination.servername,
        password,
        timeoutMs: delivery.smtpTimeoutMs,
        requireTls: false,
      });
    } catch (error) {
      throw new AppError('SMTP_CONNECTIVITY', { details: { reason: smtpCheckFailure(error) }, cause: error });
    }
  }
  const row = {
    user_id: user.id,
    org_id: input.orgId,
    host: target.host,
    port: target.port,
    secure: target.secure ? 1 : 0,
    username: target.username,
    password_encrypted: password === null ? null : ctx.secrets.seal(password),
    from_email: normaliseEmail(fromEmail),
    from_name: input.fromName?.trim() || fullName(user),
    failing_since: null,
    failure_reason: null,
    updated_at: ctx.clock.now(),
  };
  await upsertUserSmtp(ctx.db, row);
  return { user_id: user.id, host: row.host, port: row.port, secure: input.secure, username: row.username, from_email: row.from_email, from_name: row.from_name };
}

type Target = { host: string; port: number; secure: boolean; username: string | null };

/**
 * The password to save. A stored password only ever goes back to the server it was given for:
 * it is kept (no password typed) while host, port, security and username are unchanged; with any
 * of them changed the password must be typed again (SMTP_PASSWORD_REQUIRED), otherwise anyone
 * able to edit the settings could send it to a server of their choosing. Without a username no
 * AUTH is made and nothing is kept.
 */
function passwordToStore(ctx: Context, existing: UserSmtpSettingsTable | undefined, target: Target, typed: string | null | undefined): string | null {
  if (typed) return typed;
  if (target.username === null || !existing?.password_encrypted) return null;
  const storedHost = parseSmtpHost(existing.host);
  const same =
    storedHost !== null &&
    smtpHostText(storedHost) === target.host &&
    existing.port === target.port &&
    (existing.secure === 1) === target.secure &&
    existing.username === target.username;
  if (!same) throw new AppError('SMTP_PASSWORD_REQUIRED', { details: { api_name: 'password' } });
  return ctx.secrets.open(existing.password_encrypted);
}
