import type { Context } from '../context.js';
import { checkSmtpHost } from '../delivery/smtp-host-guard.js';
import { verifySmtpTarget } from '../delivery/smtp-transport.js';
import { AppError } from '../errors.js';
import { isValidEmail } from '../records/email-address.js';
import { findUserById, fullName } from '../users/user-repository.js';
import { normaliseEmail } from './send-mail-input.js';

export type SetUserSmtpInput = {
  orgId: string;
  userId: string;
  host: string;
  port: number;
  secure: boolean;
  username: string | null;
  password: string | null;
  fromEmail?: string;
  fromName?: string;
  /** Connect and authenticate before saving (default true). */
  verify?: boolean;
};

/**
 * Saves a user's own SMTP server. The server is checked first (reachable, accepts the
 * credentials); the password is stored encrypted and never shown again.
 */
export async function setUserSmtp(ctx: Context, input: SetUserSmtpInput): Promise<Record<string, unknown>> {
  const user = await findUserById(ctx.db, input.orgId, input.userId);
  if (!user) throw new AppError('NOT_FOUND', { details: { api_name: 'user' } });
  if (!/^[A-Za-z0-9.-]{1,253}$/.test(input.host)) throw new AppError('INVALID_DATA', { details: { api_name: 'host' } });
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'port' } });
  }
  const fromEmail = input.fromEmail?.trim() ?? user.email;
  if (!isValidEmail(fromEmail)) throw new AppError('INVALID_DATA', { details: { api_name: 'from_email' } });
  const refusal = await checkSmtpHost(input.host, ctx.config.delivery.allowPrivateSmtpHosts);
  if (refusal) throw new AppError('INVALID_DATA', { details: { api_name: 'host', reason: refusal } });
  if (input.verify ?? true) {
    try {
      await verifySmtpTarget({
        host: input.host,
        port: input.port,
        secure: input.secure,
        username: input.username,
        password: input.password,
        timeoutMs: ctx.config.delivery.smtpTimeoutMs,
        requireTls: false,
      });
    } catch (error) {
      throw new AppError('SMTP_CONNECTIVITY', { details: { reason: error instanceof Error ? error.message.slice(0, 300) : 'unknown' }, cause: error });
    }
  }
  const row = {
    user_id: user.id,
    org_id: input.orgId,
    host: input.host,
    port: input.port,
    secure: input.secure ? 1 : 0,
    username: input.username,
    password_encrypted: input.password === null ? null : ctx.secrets.seal(input.password),
    from_email: normaliseEmail(fromEmail),
    from_name: input.fromName?.trim() || fullName(user),
    failing_since: null,
    failure_reason: null,
    updated_at: ctx.clock.now(),
  };
  await ctx.db
    .insertInto('user_smtp_settings')
    .values(row)
    .onConflict((oc) => oc.column('user_id').doUpdateSet(row))
    .execute();
  return { user_id: user.id, host: row.host, port: row.port, secure: input.secure, username: row.username, from_email: row.from_email, from_name: row.from_name };
}
