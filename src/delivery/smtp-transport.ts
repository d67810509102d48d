import { Readable } from 'node:stream';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { DestinationLimiter } from './destination-limiter.js';
import { faultPoint } from '../faults.js';
import { enhancedStatus } from './retry-policy.js';
import { TransportConfigError, withSubjectField, type MailTransport, type OutgoingMail, type RecipientOutcome, type SendResult } from './transport.js';

export type SmtpTarget = {
  /** Where to connect: a name nodemailer resolves (the operator's relay), or a checked IP address. */
  host: string;
  /**
   * The host name when `host` is the address the SSRF guard checked for it: TLS sends it (SNI)
   * and verifies the server's certificate against it; nodemailer does not resolve it again.
   */
  servername?: string | null;
  port: number;
  /** Implicit TLS (smtps, 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  username: string | null;
  password: string | null;
  timeoutMs: number;
  /** Refuse to send when STARTTLS is not available (never AUTH in the clear). */
  requireTls: boolean;
};

/** How many connections a transport pools and how many transactions run at once per destination. */
export type SmtpPooling = { maxConnections: number; maxMessages: number; limiter: DestinationLimiter };

export function smtpTargetFromUrl(url: string, timeoutMs: number): SmtpTarget {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  const params = parsed.searchParams;
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
    secure,
    username: parsed.username ? decodeURIComponent(parsed.username) : null,
    password: parsed.password ? decodeURIComponent(parsed.password) : null,
    timeoutMs,
    requireTls: params.get('requireTLS') === 'true',
  };
}

type SmtpError = Error & {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
  rejectedErrors?: SmtpError[];
  recipient?: string;
  rejected?: string[];
};

/**
 * Commands (nodemailer's `error.command`) whose replies concern the session or the sender, never
 * a recipient's address: a 5yz to them fails the mail but must not block the recipients. Only
 * replies to RCPT TO and to DATA (the command or the end of data) bounce.
 */
const SESSION_COMMANDS = new Set(['CONN', 'EHLO', 'HELO', 'LHLO', 'STARTTLS', 'MAIL FROM']);

function outcomeFor(email: string, error: SmtpError): RecipientOutcome {
  const code = error.responseCode;
  const diagnostic = (error.response ?? error.message).slice(0, 1000);
  if (code !== undefined && code >= 500) {
    const kind = error.command !== undefined && SESSION_COMMANDS.has(error.command) ? 'failed' : 'bounced';
    return { email, kind, statusCode: enhancedStatus(error.response, code), diagnostic };
  }
  const status = code !== undefined ? enhancedStatus(error.response, code) : error.code === 'ETIMEDOUT' ? '4.4.7' : '4.4.1';
  return { email, kind: 'deferred', statusCode: status, diagnostic };
}

/**
 * Delivery through an SMTP server with nodemailer's pool. Nodemailer never reads files or URLs
 * for us (`disableFileAccess`, `disableUrlAccess`); addresses reach it as validated objects.
 */
export function createSmtpTransport(name: string, target: SmtpTarget, pooling: SmtpPooling): MailTransport {
  const options: SMTPPool.Options = {
    ...connectionOptions(target),
    pool: true,
    maxConnections: pooling.maxConnections,
    maxMessages: pooling.maxMessages,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  const transporter = nodemailer.createTransport(options);
  // The message's last stage (see WithheldEnd), handed to this plugin with the message's options.
  transporter.use('stream', (mail, done) => {
    const stage = (mail.data as Record<string, unknown>)[WITHHELD_END];
    if (stage instanceof WithheldEnd) mail.message.processFunc((input) => stage.attach(input));
    done();
  });
  const remoteMta = `${target.servername ?? target.host}:${target.port}`;

  /**
   * One SMTP transaction. The message is composed by us (MailComposer) and handed to nodemailer as
   * a stream that holds its last bytes back (`WithheldEnd`) until the recipients' handed-over mark
   * is committed (`mail.handOver`): before that the server cannot have the whole message, and a
   * failure is a clean retry. If the connection fails after the end was let go and before a reply
   * was read, the final dot may have reached the server and the outcome is unknown
   * (`uncertain`: a retry may duplicate).
   */
  const transaction = (mail: OutgoingMail, to: string[], from = mail.envelope.from): Promise<RecipientOutcome[]> =>
    pooling.limiter.run(remoteMta, () => transact(mail, to, from));
  const transact = async (mail: OutgoingMail, to: string[], from: string): Promise<RecipientOutcome[]> => {
    const built = withSubjectField(await new MailComposer({ ...mail.message, disableFileAccess: true, disableUrlAccess: true }).compile().build(), mail.message);
    const message = mail.sign ? await mail.sign(built) : built;
    const stream = new WithheldEnd(() => mail.handOver(to));
    try {
      const info = await transporter.sendMail({ envelope: { from, to }, raw: message, disableFileAccess: true, disableUrlAccess: true, [WITHHELD_END]: stream } as SendMailOptions);
      const rejected = new Map<string, SmtpError>();
      for (const error of (info as { rejectedErrors?: SmtpError[] }).rejectedErrors ?? []) {
        if (error.recipient) rejected.set(error.recipient.toLowerCase(), error);
      }
      const accepted = new Set((info.accepted as (string | { address: string })[]).map((a) => (typeof a === 'string' ? a : a.address).toLowerCase()));
      const response = String(info.response ?? '250 OK');
      return to.map((email) => {
        const error = rejected.get(email.toLowerCase());
        if (error) return outcomeFor(email, error);
        if (accepted.has(email.toLowerCase())) return { email, kind: 'sent', statusCode: enhancedStatus(response, 250), diagnostic: response.slice(0, 1000) };
        return { email, kind: 'deferred', statusCode: '4.0.0', diagnostic: 'recipient not acknowledged by the server' };
      });
    } catch (raw) {
      const error = raw as SmtpError;
      if (error.code === 'EAUTH') throw new TransportConfigError('SMTP authentication failed', (error.response ?? error.message).slice(0, 1000));
      if (error.code === 'EENVELOPE' && error.rejectedErrors?.length) {
        const byRecipient = new Map(error.rejectedErrors.map((e) => [(e.recipient ?? '').toLowerCase(), e]));
        return to.map((email) => outcomeFor(email, byRecipient.get(email.toLowerCase()) ?? error));
      }
      if (error.code === 'EMESSAGE' && error.responseCode !== undefined) {
        // A reply after the data: the message was refused as a whole; not an address problem.
        const diagnostic = (error.response ?? error.message).slice(0, 1000);
        const statusCode = enhancedStatus(error.response, error.responseCode);
        return to.map((email) => ({ email, kind: error.responseCode! >= 500 ? 'failed' : 'deferred', statusCode, diagnostic, dataPhase: true }));
      }
      if (stream.heldBack) {
        // The handed-over mark could not be committed: the transaction was abandoned before its end.
        const reason = stream.heldBack instanceof Error ? stream.heldBack.message : String(stream.heldBack);
        return to.map((email) => ({ email, kind: 'deferred', statusCode: '4.3.0', diagnostic: `not sent: the end of the message was held back (${reason})`.slice(0, 1000) }));
      }
      const outcomes = to.map((email) => outcomeFor(email, error));
      return error.responseCode === undefined && stream.released ? outcomes.map((o) => ({ ...o, uncertain: true })) : outcomes;
    } finally {
      // A transaction that ended (failed) before the end was let go keeps it for ever.
      stream.abandon();
    }
  };

  return {
    name,
    async send(mail: OutgoingMail): Promise<SendResult> {
      const returnPaths = mail.envelope.returnPaths;
      if (returnPaths) {
        // VERP: one transaction per recipient, each with its own return path (its bounce names it alone).
        const single: RecipientOutcome[] = [];
        for (const email of mail.envelope.to) single.push(...(await transaction(mail, [email], returnPaths.get(email.toLowerCase()) ?? mail.envelope.from)));
        return { remoteMta, outcomes: single };
      }
      const outcomes = await transaction(mail, mail.envelope.to);
      // SMTP answers the data once for the whole transaction, and nodemailer does not say which
      // recipients it had already refused at RCPT. When the data was refused and there were
      // several recipients, nothing was delivered: ask again one recipient at a time, so each
      // gets its own, unambiguous outcome.
      if (mail.envelope.to.length > 1 && outcomes.some((o) => o.dataPhase)) {
        const single: RecipientOutcome[] = [];
        for (const email of mail.envelope.to) single.push(...(await transaction(mail, [email])));
        return { remoteMta, outcomes: single };
      }
      return { remoteMta, outcomes };
    },
    close(closeOptions) {
      // nodemailer's pool takes `{ force }` (types lag behind): force fails in-flight sends at once.
      (transporter as unknown as { close(o?: { force?: boolean }): void }).close(closeOptions);
    },
  };
}

/** The option that carries a message's WithheldEnd to the plugin (nodemailer copies only string keys). */
const WITHHELD_END = 'mailroomWithheldEnd';

/** Bytes held back from the end of the message until the gate opens (any non-empty tail will do). */
const TAIL_BYTES = 2;

/**
 * The last stage of the message stream nodemailer writes after DATA (a `processFunc`, added by
 * the transport's 'stream' plugin): it passes the message through but withholds its last bytes
 * until `gate` resolved. nodemailer writes the final dot only once this stream ended, so the end
 * of data cannot reach the server before the gate (the handed-over mark's commit) has passed —
 * nor ever, if the gate fails (this stream errors and nodemailer drops the connection mid-DATA) or
 * the transaction has failed meanwhile (`abandon`).
 *
 * It reads its input only when nodemailer reads it, which starts after the server's 354 (a
 * stream before it may read ahead, this one does not), so the gate is reached once the rest of
 * the message went to the socket. The end also waits a few turns of the event loop: a server that
 * dropped the connection while the message was being written is noticed by then (the send fails:
 * `abandon`), and that transaction is a clean retry.
 */
export class WithheldEnd extends Readable {
  /** The end of the message was let go: from now on the server may have it all. */
  released = false;
  /** Why the gate refused, once it did. */
  heldBack: Error | null = null;
  private input: Readable | null = null;
  private inputEnded = false;
  private tail: Buffer = Buffer.alloc(0);
  private wanted = false;
  private gateOpening = false;
  private abandoned = false;

  constructor(private readonly gate: () => Promise<void>) {
    super({ highWaterMark: 0 });
  }

  /**
   * The processFunc: reads `input` (the composed message) on demand. nodemailer's pool may call it
   * again for a message no byte of which was read (its connection closed first): the new input
   * replaces the old one.
   */
  attach(input: Readable): Readable {
    const previous = this.input;
    if (previous) {
      previous.off('readable', this.onReadable).off('end', this.onEnd).off('error', this.onError).on('error', () => undefined);
      previous.destroy();
    }
    this.input = input;
    this.inputEnded = false;
    input.on('readable', this.onReadable).once('end', this.onEnd).once('error', this.onError);
    return this;
  }

  private readonly onReadable = (): void => this.pull();
  private readonly onEnd = (): void => {
    this.inputEnded = true;
    this.pull();
  };
  private readonly onError = (error: Error): void => {
    this.destroy(error);
  };

  /** The transaction is over: never let the end go. */
  abandon(): void {
    this.abandoned = true;
    if (!this.released && !this.destroyed) this.destroy();
  }

  override _read(): void {
    this.wanted = true;
    this.pull();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.input?.destroy();
    callback(error);
  }

  private pull(): void {
    if (!this.wanted || !this.input || this.destroyed) return;
    for (let chunk: Buffer | null; this.wanted && (chunk = this.input.read() as Buffer | null) !== null; ) {
      const all = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
      const cut = Math.max(0, all.length - TAIL_BYTES);
      this.tail = all.subarray(cut);
      if (cut > 0) this.wanted = this.push(all.subarray(0, cut));
    }
    // All but the tail is out and more is wanted: the end of the message is next.
    if (this.inputEnded && this.wanted && !this.gateOpening) {
      this.gateOpening = true;
      void this.openGate();
    }
  }

  private async openGate(): Promise<void> {
    if (this.abandoned || this.destroyed) return;
    try {
      faultPoint('smtp.before_handover');
      // The mark's commit, and a few turns of the event loop for what the connection had in
      // store (both at once): a server that dropped the connection while the message was being
      // written is noticed meanwhile (the send fails: `abandon`), and the end stays held back.
      await Promise.all([this.gate(), settle()]);
    } catch (error) {
      this.heldBack = error instanceof Error ? error : new Error(String(error));
      if (!this.destroyed) this.destroy(this.heldBack);
      return;
    }
    if (this.abandoned || this.destroyed) return;
    this.released = true;
    this.push(this.tail);
    this.push(null);
    // For fault tests: by the next turn nodemailer has written the end and the dot to the socket.
    setImmediate(() => faultPoint('smtp.after_dot'));
  }
}

/**
 * Turns of the event loop the end waits for, alongside the mark's commit. A peer in this very
 * process that drops the connection on the first bytes of data is noticed within 3 (its read, our
 * read of the close, the close callback; measured); one more for margin, and for a drop that
 * arrived while SQLite's commit held the event loop. A commit on PostgreSQL usually outlasts them.
 * A peer elsewhere is noticed if its drop arrived by then.
 */
const SETTLE_TURNS = 4;

async function settle(): Promise<void> {
  for (let i = 0; i < SETTLE_TURNS; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** What nodemailer needs to reach and log in to `target`, for pooled sending and for checks alike. */
function connectionOptions(target: SmtpTarget) {
  const servername = target.servername ?? undefined;
  return {
    host: target.host,
    port: target.port,
    secure: target.secure,
    requireTLS: target.requireTls,
    // SNI and the certificate check use the name, the connection goes to the checked address.
    ...(servername ? { servername } : {}),
    connectionTimeout: target.timeoutMs,
    greetingTimeout: target.timeoutMs,
    socketTimeout: target.timeoutMs,
    tls: { rejectUnauthorized: !process.env.MAILROOM_SMTP_INSECURE_TLS, ...(servername ? { servername } : {}) },
    ...(target.username ? { auth: { user: target.username, pass: target.password ?? '' } } : {}),
  };
}

/** Checks that a server answers and accepts the credentials (used when a user saves settings). */
export async function verifySmtpTarget(target: SmtpTarget): Promise<void> {
  const transporter = nodemailer.createTransport(connectionOptions(target));
  try {
    await transporter.verify();
  } finally {
    transporter.close();
  }
}

/**
 * Why a check failed, as one of three categories — never the server's words, and nothing that
 * tells a closed port from a silent one or from a server that is not SMTP (the check must not
 * become a port scanner or a banner grabber, docs/reliability.md b.7 #63).
 */
export type SmtpCheckFailure = 'connect_failed' | 'tls_failed' | 'auth_failed';

const TLS_ERROR_CODES = /^(ETLS|ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

export function smtpCheckFailure(error: unknown): SmtpCheckFailure {
  const { code, originalCode } = (error ?? {}) as { code?: unknown; originalCode?: unknown };
  if (code === 'EAUTH' || code === 'ENOAUTH') return 'auth_failed';
  if ([code, originalCode].some((c) => typeof c === 'string' && TLS_ERROR_CODES.test(c))) return 'tls_failed';
  return 'connect_failed';
}
