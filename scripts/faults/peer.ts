import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/**
 * The fault suite's SMTP peer (reliability.md H2): a real smtp-server on loopback that counts
 * every message it received whole (the final dot arrived and it did not refuse the data) per
 * Message-ID and envelope recipient, and that misbehaves on command: each SMTP fault of the
 * issue, for the next `count` occasions once armed, then it behaves again.
 *
 * A message counts as a copy when its final dot arrived and the peer did not answer it with a 4xx
 * or 5xx: also when it then stalled or closed without a reply, since a real server may have
 * queued it by then (that is what makes those two faults possible duplicates).
 */
export const SMTP_FAULTS = [
  '421-connect',
  'no-greeting',
  '451-after-data',
  'drop-mid-data',
  'stall-after-dot',
  'close-before-250',
  '450-rcpt',
  '550-rcpt',
  '554-after-data',
] as const;
export type SmtpFault = (typeof SMTP_FAULTS)[number];

export const SMTP_FAULT_TEXT: Record<SmtpFault, string> = {
  '421-connect': '421 instead of the greeting',
  'no-greeting': 'never greets',
  '451-after-data': '451 after the final dot',
  'drop-mid-data': 'drops the connection at the first bytes of the message',
  'stall-after-dot': 'never answers the final dot',
  'close-before-250': 'closes the connection after the final dot, without a reply',
  '450-rcpt': '450 to the second recipient',
  '550-rcpt': '550 to the second recipient',
  '554-after-data': '554 after the final dot',
};

type Armed = { fault: SmtpFault; remaining: number; rcpt: (address: string) => boolean };
type Connection = { id: string; _socket: Socket };

export class FaultPeer {
  /** Copies received per `${messageId} ${recipient}` (message ids without brackets and domain). */
  readonly copies = new Map<string, number>();
  /** When each message was answered 250 (ms since the epoch), in order. */
  readonly accepted: number[] = [];
  /** When each faulted occasion happened. */
  readonly faulted: number[] = [];
  private armed: Armed | null = null;
  private readonly server: SMTPServer;

  constructor() {
    this.server = new SMTPServer({
      name: 'faults.peer.test',
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      disableReverseLookup: true,
      logger: false,
      size: 30 * 1024 * 1024,
      onConnect: (_session, callback) => {
        if (this.take('421-connect')) {
          const error = new Error('4.3.2 Service not available, closing transmission channel') as Error & { responseCode: number };
          error.responseCode = 421;
          return callback(error);
        }
        // No greeting: the callback is never called, so nothing is ever said; the client gives up.
        if (this.take('no-greeting')) return;
        callback();
      },
      onRcptTo: (address: SMTPServerAddress, _session: SMTPServerSession, callback: (error?: Error | null) => void) => {
        for (const [fault, code, text] of [
          ['450-rcpt', 450, '4.2.1 Mailbox busy, try again later'],
          ['550-rcpt', 550, '5.1.1 User unknown'],
        ] as const) {
          if (this.armed?.fault === fault && this.armed.rcpt(address.address) && this.take(fault)) {
            const error = new Error(text) as Error & { responseCode: number };
            error.responseCode = code;
            return callback(error);
          }
        }
        callback();
      },
      onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null) => void) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        if (this.take('drop-mid-data')) {
          // The first bytes of the message are in: the connection breaks there. If what came in
          // with them already held the final dot, the message was complete at this server after
          // all: it counts, as with a close before the 250.
          stream.once('end', () => this.count(Buffer.concat(chunks), session));
          stream.once('data', () => setImmediate(() => this.socketOf(session)?.destroy()));
          return;
        }
        stream.once('end', () => {
          const refusal = this.take('451-after-data') ? [451, '4.3.0 Temporary queue failure'] : this.take('554-after-data') ? [554, '5.6.0 Message content rejected'] : null;
          if (refusal) {
            const error = new Error(refusal[1] as string) as Error & { responseCode: number };
            error.responseCode = refusal[0] as number;
            return callback(error);
          }
          this.count(Buffer.concat(chunks), session);
          if (this.take('stall-after-dot')) return; // never answers; the client times out
          if (this.take('close-before-250')) {
            this.socketOf(session)?.destroy();
            return;
          }
          this.accepted.push(Date.now());
          callback();
        });
      },
    });
    // Clients killed mid-session reset their sockets: expected here.
    this.server.on('error', () => undefined);
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  /**
   * Misbehave as `fault` for the next `count` occasions (RCPT faults: for addresses `rcpt` picks).
   * Connection faults need new connections: the open ones are dropped first, as a relay that
   * restarts would.
   */
  arm(fault: SmtpFault, count: number, rcpt: (address: string) => boolean = () => true): void {
    this.armed = { fault, remaining: count, rcpt };
    if (fault === '421-connect' || fault === 'no-greeting') this.dropConnections();
  }

  disarm(): void {
    this.armed = null;
  }

  /** Faulted occasions still to come. */
  get pending(): number {
    return this.armed?.remaining ?? 0;
  }

  dropConnections(): void {
    for (const connection of this.connections()) connection._socket.destroy();
  }

  close(): Promise<void> {
    this.dropConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private take(fault: SmtpFault): boolean {
    if (this.armed?.fault !== fault || this.armed.remaining <= 0) return false;
    this.armed.remaining -= 1;
    this.faulted.push(Date.now());
    return true;
  }

  private count(raw: Buffer, session: SMTPServerSession): void {
    const headerEnd = raw.indexOf('\r\n\r\n');
    const headers = raw.subarray(0, headerEnd === -1 ? raw.length : headerEnd).toString('latin1');
    const messageId = /^message-id:\s*<([^@>]+)@/im.exec(headers)?.[1] ?? '(no message-id)';
    for (const rcpt of session.envelope.rcptTo) {
      const key = `${messageId} ${rcpt.address.toLowerCase()}`;
      this.copies.set(key, (this.copies.get(key) ?? 0) + 1);
    }
  }

  private connections(): Connection[] {
    // smtp-server keeps its open connections (with their sockets) in `connections`.
    return [...(this.server as unknown as { connections: Set<Connection> }).connections];
  }

  private socketOf(session: SMTPServerSession): Socket | undefined {
    return this.connections().find((c) => c.id === session.id)?._socket;
  }
}
