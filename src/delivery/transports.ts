import type { Context } from '../context.js';
import type { UserSmtpSettingsTable } from '../db/schema.js';
import type { MailRow } from '../mail/mail-repository.js';
import { createDestinationLimiter } from './destination-limiter.js';
import { createMailboxTransport } from './mailbox-transport.js';
import { HOST_NOT_ALLOWED_REASON, resolveSmtpHost } from './smtp-host-guard.js';
import { createSmtpTransport, smtpTargetFromUrl } from './smtp-transport.js';
import type { MailTransport } from './transport.js';

/**
 * Which way a mail goes out: `org_email` mail and mail of users without their own server take
 * the org relay (`SMTP_URL`), or the local mailbox when no relay is configured; everything else
 * takes the user's own SMTP server. Transports are pooled and reused.
 */
export type Route =
  | { kind: 'relay' | 'mailbox'; transport: MailTransport }
  | { kind: 'user'; transport: MailTransport; settings: UserSmtpSettingsTable }
  | { kind: 'refused'; reason: string; settings: UserSmtpSettingsTable };

export interface TransportRegistry {
  /** `smtp`: the sender's own SMTP settings, read with the delivery facts (undefined: none). */
  routeFor(mail: MailRow, smtp: UserSmtpSettingsTable | undefined): Promise<Route>;
  close(options?: { force?: boolean }): void;
}

export function createTransportRegistry(ctx: Context): TransportRegistry {
  const { config } = ctx;
  const mailbox = createMailboxTransport(ctx);
  const pooling = {
    maxConnections: config.delivery.smtpMaxConnections,
    maxMessages: config.delivery.smtpMaxMessagesPerConnection,
    limiter: createDestinationLimiter(config.delivery.smtpMaxConnections),
  };
  const relay = config.smtpUrl ? createSmtpTransport('relay', smtpTargetFromUrl(config.smtpUrl, config.delivery.smtpTimeoutMs), pooling) : null;
  const userTransports = new Map<string, { version: number; address: string; transport: MailTransport }>();

  return {
    async routeFor(mail, smtp) {
      const settings = mail.org_email === 1 ? undefined : smtp;
      if (!settings) return relay ? { kind: 'relay', transport: relay } : { kind: 'mailbox', transport: mailbox };
      // Resolved and checked for every mail; the transport connects to a checked address only.
      const destination = await resolveSmtpHost(settings.host, { allowPrivate: config.delivery.allowPrivateSmtpHosts, lookup: ctx.lookup, timeoutMs: config.delivery.smtpTimeoutMs });
      if (!destination) return { kind: 'refused', reason: HOST_NOT_ALLOWED_REASON, settings };
      const cached = userTransports.get(settings.user_id);
      // The pooled transport stays while its address is still among the host's checked ones.
      if (cached && cached.version === settings.updated_at && destination.addresses.includes(cached.address)) {
        return { kind: 'user', transport: cached.transport, settings };
      }
      cached?.transport.close();
      const address = destination.addresses[0]!;
      const transport = createSmtpTransport(`user:${settings.user_id}`, {
        host: address,
        servername: destination.servername,
        port: settings.port,
        secure: settings.secure === 1,
        username: settings.username,
        password: settings.password_encrypted ? ctx.secrets.open(settings.password_encrypted) : null,
        timeoutMs: config.delivery.smtpTimeoutMs,
        requireTls: false,
      }, pooling);
      userTransports.set(settings.user_id, { version: settings.updated_at, address, transport });
      return { kind: 'user', transport, settings };
    },
    close(options) {
      mailbox.close();
      relay?.close(options);
      for (const { transport } of userTransports.values()) transport.close(options);
      userTransports.clear();
    },
  };
}
