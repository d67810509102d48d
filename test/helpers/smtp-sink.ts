import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/**
 * A real SMTP server on loopback that records every message: envelope, raw bytes and the
 * parsed message. `onRcpt` lets a test answer RCPT TO per address (e.g. 550 for one of them).
 */
export type ReceivedMessage = {
  envelopeFrom: string;
  envelopeTo: string[];
  raw: Buffer;
  parsed: ParsedMail;
};

export interface SmtpSink {
  url: string;
  port: number;
  messages: ReceivedMessage[];
  /** Open connections and SMTP transactions (MAIL FROM to the end of DATA), now and at most; connections ever opened. */
  load: { connections: number; maxConnections: number; transactions: number; maxTransactions: number; opened: number };
  /** Every AUTH attempt, with the credentials the client sent. */
  logins: { username: string; password: string }[];
  /** The TLS server names (SNI) clients asked for (implicit TLS only). */
  serverNames: string[];
  /** Resolves when at least `count` messages have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  close(): Promise<void>;
}

export type SinkOptions = {
  /** Credentials the server accepts; when set, AUTH is offered and checked. */
  auth?: { username: string; password: string };
  onRcpt?: (address: string) => { code: number; message: string } | null;
  onData?: (raw: Buffer) => { code: number; message: string } | null;
  /** Loopback address to listen on (default 127.0.0.1) and port (default: any free one). */
  host?: string;
  port?: number;
  /** Implicit TLS (smtp-server's built-in self-signed certificate). */
  secure?: boolean;
  /** Answer each message this much later (it is counted in `messages` at once): a slower relay. */
  replyDelayMs?: number;
};

export async function startSmtpSink(options: SinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMessage[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const load = { connections: 0, maxConnections: 0, transactions: 0, maxTransactions: 0, opened: 0 };
  const logins: { username: string; password: string }[] = [];
  const serverNames: string[] = [];
  const inTransaction = new Set<string>();
  const endTransaction = (id: string) => {
    if (inTransaction.delete(id)) load.transactions -= 1;
  };
  const server = new SMTPServer({
    onConnect(_session, callback) {
      load.opened += 1;
      load.connections += 1;
      load.maxConnections = Math.max(load.maxConnections, load.connections);
      callback();
    },
    onClose(session) {
      load.connections -= 1;
      endTransaction(session.id);
    },
    onMailFrom(_address, session, callback) {
      if (!inTransaction.has(session.id)) {
        inTransaction.add(session.id);
        load.transactions += 1;
        load.maxTransactions = Math.max(load.maxTransactions, load.transactions);
      }
      callback();
    },
    authOptional: true,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
      const ok = options.auth && auth.username === options.auth.username && auth.password === options.auth.password;
      return ok ? callback(null, { user: auth.username }) : callback(new Error('535 5.7.8 Authentication credentials invalid'));
    },
    disabledCommands: ['STARTTLS'],
    logger: false,
    secure: options.secure ?? false,
    // Records the name; no context of its own, so smtp-server uses its built-in certificate.
    SNICallback: (servername: string, callback: (error: Error | null, context?: undefined) => void) => {
      serverNames.push(servername);
      callback(null);
    },
    size: 30 * 1024 * 1024,
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const verdict = options.onRcpt?.(address.address);
      if (verdict) {
        const error = new Error(verdict.message) as Error & { responseCode: number };
        error.responseCode = verdict.code;
        return callback(error);
      }
      return callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        endTransaction(session.id);
        const raw = Buffer.concat(chunks);
        const verdict = options.onData?.(raw);
        if (verdict) {
          const error = new Error(verdict.message) as Error & { responseCode: number };
          error.responseCode = verdict.code;
          return callback(error);
        }
        simpleParser(raw).then(
          (parsed) => {
            messages.push({
              envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
            });
            for (const waiter of [...waiters]) {
              if (messages.length >= waiter.count) {
                waiters.splice(waiters.indexOf(waiter), 1);
                waiter.resolve();
              }
            }
            if (options.replyDelayMs) setTimeout(() => callback(), options.replyDelayMs);
            else callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  // A client killed mid-session (a SIGKILLed worker) resets its socket; that is expected here.
  server.on('error', () => undefined);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://${host}:${port}`,
    port,
    messages,
    load,
    logins,
    serverNames,
    waitFor(count, timeoutMs = 10_000) {
      if (messages.length >= count) return Promise.resolve(messages);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${messages.length} of ${count} messages arrived`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(messages);
          },
        });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
