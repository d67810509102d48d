import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Context } from '../context.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import { faultPoint } from '../faults.js';
import { insertInboundMessage } from './inbound-repository.js';

/**
 * The inbound SMTP listener: where late bounces (DSNs) and complaints (ARF) arrive, at the VERP
 * return path `BOUNCE_ADDRESS` (`bounces+<token>@domain`) or the domain's postmaster, and replies
 * at `REPLY_ADDRESS` (`replies+<token>@domain`, or the bare address: the BCC dropbox; src/replies/).
 * It runs when either address is configured.
 *
 * Promise: a message is committed to `inbound_messages` before the listener answers 250, so a
 * crash after the 250 never loses it (a crash before the 250 only makes the sender retry, and
 * processing a message twice changes nothing the second time). What it accepts is processed from
 * the database (`inbound-processor.ts`), never from memory.
 *
 * Bounded: SIZE (`INBOUND_MAX_MESSAGE_BYTES`, larger messages get 552 and are not stored),
 * connections (`INBOUND_MAX_CONNECTIONS`), messages per client address per minute
 * (`INBOUND_MESSAGES_PER_MINUTE`, then 421-class temporary refusals), recipients per message (100).
 * Our own failures (the database away) are always temporary (451): the sender keeps the message.
 */
export interface InboundListener {
  readonly port: number;
  close(): Promise<void>;
}

const MAX_RECIPIENTS = 100;
const RATE_WINDOW_MS = 60_000;

export type StartInboundOptions = {
  /** Called with the id of each message once it is committed (and answered 250). */
  onStored?: (id: string) => void;
  /** Override INBOUND_SMTP_PORT (`mailroom inbound --port`, tests). */
  port?: number;
};

/**
 * Whether `address` is one the listener takes mail for: one of `bases` (the bounce address, the
 * reply address), with or without a `+token`, or the postmaster of a base's domain.
 */
export function isInboundRecipient(address: string, ...bases: readonly (string | null)[]): boolean {
  const lower = address.toLowerCase();
  const addressAt = lower.lastIndexOf('@');
  if (addressAt <= 0) return false;
  const addressLocal = lower.slice(0, addressAt);
  const addressDomain = lower.slice(addressAt + 1);
  return bases.some((base) => {
    if (base === null) return false;
    const at = base.lastIndexOf('@');
    const local = base.slice(0, at);
    if (addressDomain !== base.slice(at + 1)) return false;
    return addressLocal === local || addressLocal.startsWith(`${local}+`) || addressLocal === 'postmaster';
  });
}

export async function startInboundListener(ctx: Context, options: StartInboundOptions = {}): Promise<InboundListener> {
  const { config, log, clock, ids, db } = ctx;
  const { bounceAddress, replyAddress } = config;
  if (bounceAddress === null && replyAddress === null) throw new Error('the inbound listener needs BOUNCE_ADDRESS or REPLY_ADDRESS');
  const inbound = config.inbound;
  const tls = inbound.tls ? { key: fs.readFileSync(inbound.tls.keyFile), cert: fs.readFileSync(inbound.tls.certFile) } : null;

  // Messages per client address in the current minute (per process; a fixed window is enough to
  // stop one sender from flooding the table).
  let windowStart = clock.now();
  const counts = new Map<string, number>();
  const takeRateSlot = (remote: string): boolean => {
    const now = clock.now();
    if (now - windowStart >= RATE_WINDOW_MS) {
      windowStart = now;
      counts.clear();
    }
    const count = (counts.get(remote) ?? 0) + 1;
    counts.set(remote, count);
    return count <= inbound.messagesPerMinute;
  };

  const smtpError = (responseCode: number, message: string): Error => Object.assign(new Error(message), { responseCode });

  const server = new SMTPServer({
    name: inbound.name,
    banner: 'Mailroom inbound',
    size: inbound.maxMessageBytes,
    maxClients: inbound.maxConnections,
    disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    authOptional: true,
    hideSTARTTLS: !tls,
    ...(tls ? { key: tls.key, cert: tls.cert } : {}),
    logger: false,
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    onMailFrom(_address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      if (!takeRateSlot(session.remoteAddress)) {
        log.warn({ event: 'inbound.rate_limited', remote: session.remoteAddress }, 'inbound sender over its rate');
        callback(smtpError(451, '4.7.1 Too many messages from your address, try again later'));
        return;
      }
      callback();
    },
    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) {
        callback(smtpError(452, '4.5.3 Too many recipients'));
        return;
      }
      if (!isInboundRecipient(address.address, bounceAddress, replyAddress)) {
        callback(smtpError(550, '5.1.1 No such recipient here'));
        return;
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        // Past the limit smtp-server keeps reading (to answer 552 at the end) but we keep nothing.
        if (stream.sizeExceeded) return;
        size += chunk.length;
        chunks.push(chunk);
      });
      stream.on('error', (error: Error) => callback(error));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(smtpError(552, `5.3.4 Message too big: at most ${inbound.maxMessageBytes} bytes`));
          return;
        }
        const id = ids.next();
        insertInboundMessage(db, {
          id,
          received_at: clock.now(),
          remote_address: session.remoteAddress,
          helo: session.hostNameAppearsAs || null,
          mail_from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcpt_to: JSON.stringify(session.envelope.rcptTo.map((r) => r.address)),
          size,
          raw: Buffer.concat(chunks, size),
        }).then(
          () => {
            faultPoint('inbound.after_commit');
            log.info({ event: 'inbound.accepted', inbound_id: id, size, remote: session.remoteAddress }, 'inbound message stored');
            callback(null, `2.0.0 Stored as ${id}`);
            setImmediate(() => {
              faultPoint('inbound.after_reply');
              options.onStored?.(id);
            });
          },
          (error: unknown) => {
            log.error({ err: error, event: 'inbound.store_failed', unavailable: isDatabaseUnavailable(error) }, 'could not store an inbound message');
            callback(smtpError(451, '4.3.0 Temporary local problem, try again later'));
          },
        );
      });
    },
  });
  server.on('error', (error: Error) => log.warn({ err: error, event: 'inbound.connection_error' }, 'inbound SMTP connection error'));

  const port = options.port ?? inbound.port ?? 2525;
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, inbound.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.server.address() as AddressInfo).port;
  log.info({ event: 'inbound.listening', port: bound, host: inbound.host, starttls: tls !== null }, `inbound SMTP listening on ${inbound.host}:${bound}`);
  return {
    port: bound,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
