import type { SendMailOptions } from 'nodemailer';

/**
 * What a transport is asked to do and what it reports back. A transport sends one message to a
 * set of envelope recipients and reports, per recipient, what the receiving server said.
 */
export type OutgoingMail = {
  orgId: string;
  /** Mailroom's message_id of the mail. */
  messageId: string;
  /** Headers and body (nodemailer options); never carries file paths or URLs. */
  message: SendMailOptions;
  /**
   * `returnPaths`: with BOUNCE_ADDRESS, each recipient's own envelope sender (VERP, keyed by the
   * lower-cased address): the transport then sends one transaction per recipient, so a late bounce
   * names exactly one recipient.
   */
  envelope: { from: string; to: string[]; returnPaths?: ReadonlyMap<string, string> };
  /**
   * The point of no return of one transaction: a transport calls it with that transaction's
   * envelope recipients before the message can be complete at the receiver (SMTP: before the
   * final dot; the mailbox: before storing it), and goes on only once it resolved — it resolves
   * when their "handed over" mark is committed. If it rejects, the transaction is abandoned
   * before that point (nothing was delivered).
   */
  handOver(recipients: readonly string[]): Promise<void>;
  /** Signs the built message (DKIM, src/dkim/dkim-signing.ts): what goes on the wire; absent: unsigned. */
  sign?: (raw: Buffer) => Promise<Buffer>;
};

/** `bounced`: the server refused the recipient (the address gets blocked); `failed`: it refused the session or the sender (nothing is blocked). */
export type OutcomeKind = 'sent' | 'deferred' | 'bounced' | 'failed';

export type RecipientOutcome = {
  email: string;
  kind: OutcomeKind;
  /** Enhanced status code (RFC 3463), e.g. 2.0.0, 4.4.1, 5.1.1. */
  statusCode: string;
  /** What the server said (or the connection error), as data: never interpreted. */
  diagnostic: string;
  /** The connection failed after the end of the message was let go, with no reply read: it may have been delivered. */
  uncertain?: boolean;
  /** The outcome is the server's reply to the message data, shared by the whole transaction. */
  dataPhase?: boolean;
};

export type SendResult = { remoteMta: string; outcomes: RecipientOutcome[] };

/** A failure that is the sending side's configuration (auth refused), not the recipients'. */
export class TransportConfigError extends Error {
  constructor(
    message: string,
    readonly diagnostic: string,
  ) {
    super(message);
    this.name = 'TransportConfigError';
  }
}

export interface MailTransport {
  readonly name: string;
  send(mail: OutgoingMail): Promise<SendResult>;
  /** Closes idle connections; with `force`, also those in the middle of a send (which then fails). */
  close(options?: { force?: boolean }): void;
}

/**
 * nodemailer leaves a header out when its value is empty, so a mail with an empty subject would go
 * without a Subject field; many clients show that as broken. RFC 5322 allows the field with an
 * empty value (`unstructured` may be empty): it is added in front of the built message's headers.
 */
export function withSubjectField(raw: Buffer, message: Pick<SendMailOptions, 'subject'>): Buffer {
  if (message.subject !== undefined && message.subject !== '') return raw;
  return Buffer.concat([Buffer.from('Subject: \r\n'), raw]);
}
