import { createVerify, X509Certificate } from 'node:crypto';
import { classifyBounce, normaliseStatus, type BounceClassification } from './classify.js';
import { normaliseMessageId, type RelayEvent } from './relay-event.js';

/**
 * Amazon SES events delivered by Amazon SNS over HTTPS.
 *
 * 1. `verifySnsMessage(body, verifier)`: the SNS envelope's signature is checked against the
 *    certificate at its SigningCertURL before anything in it is believed. The URL must be
 *    `https://sns.<region>.amazonaws.com[.cn]/….pem` (no port, no credentials); the certificate
 *    comes through the caller's `fetchCertificate` (cached per URL) and must be valid now. The
 *    string to sign is the SNS one: `Key\nValue\n` for Message, MessageId, Subject (if any),
 *    Timestamp, TopicArn, Type (Notification), or Message, MessageId, SubscribeURL, Timestamp,
 *    Token, TopicArn, Type (SubscriptionConfirmation, UnsubscribeConfirmation); SignatureVersion 1
 *    is SHA1withRSA, 2 SHA256withRSA.
 * 2. A verified SubscriptionConfirmation gives its SubscribeURL (checked to be an SNS https URL
 *    too) for the caller to GET, which confirms the subscription.
 * 3. `parseSesNotification(message)`: a Notification's Message (SES identity notifications,
 *    `notificationType`, or event publishing, `eventType`) → one RelayEvent per recipient:
 *    Bounce → bounced (Permanent: hard, Transient: soft, Undetermined: as the status says but
 *    never hard), Complaint → complained, Delivery → delivered, DeliveryDelay → deferred. Other
 *    event types (Send, Open, Click, Reject, …) are ignored.
 */

export type SnsMessageType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

export interface SnsEnvelope {
  Type: SnsMessageType;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  SubscribeURL?: string;
  UnsubscribeURL?: string;
  Token?: string;
}

export type VerifiedSnsMessage =
  | { type: 'notification'; messageId: string; topicArn: string; subject: string | null; message: string; timestamp: string }
  | { type: 'subscription-confirmation'; messageId: string; topicArn: string; subscribeUrl: string; token: string; message: string }
  | { type: 'unsubscribe-confirmation'; messageId: string; topicArn: string; message: string };

export type SnsVerification = { ok: true; message: VerifiedSnsMessage } | { ok: false; reason: string };

/** Gets the PEM text of the certificate at an (already checked) SigningCertURL. */
export type FetchCertificate = (url: string) => Promise<string>;

export interface SnsVerifierOptions {
  fetchCertificate: FetchCertificate;
  /** For the certificate's validity period; epoch ms. */
  now?: () => number;
  /** How many certificates are kept (per URL); default 20. */
  cacheSize?: number;
}

export interface SnsVerifier {
  /** The certificate at `url`, fetched once; throws when the URL is not an SNS certificate URL or the PEM is not a certificate. */
  certificate(url: string): Promise<X509Certificate>;
  now(): number;
}

const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
const MAX_BODY_CHARS = 256 * 1024;

export function createSnsVerifier(options: SnsVerifierOptions): SnsVerifier {
  const cache = new Map<string, Promise<X509Certificate>>();
  const limit = options.cacheSize ?? 20;
  return {
    now: options.now ?? Date.now,
    certificate(url) {
      if (!isSnsCertificateUrl(url)) return Promise.reject(new Error('not an SNS signing certificate URL'));
      let pending = cache.get(url);
      if (!pending) {
        pending = options.fetchCertificate(url).then((pem) => new X509Certificate(pem));
        pending.catch(() => cache.delete(url)); // a failed fetch is tried again next time
        if (cache.size >= limit) cache.delete(cache.keys().next().value!);
        cache.set(url, pending);
      }
      return pending;
    },
  };
}

/** An https URL on an SNS host (`sns.<region>.amazonaws.com`, or `.com.cn`), default port, no credentials. */
export function isSnsUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.port === '' && url.username === '' && url.password === '' && SNS_HOST.test(url.hostname);
}

export function isSnsCertificateUrl(value: string): boolean {
  return isSnsUrl(value) && new URL(value).pathname.endsWith('.pem');
}

/** SNS's canonical string to sign, or null when a field it needs is missing. */
export function snsStringToSign(envelope: Partial<SnsEnvelope>): string | null {
  const keys =
    envelope.Type === 'Notification'
      ? (['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const)
      : envelope.Type === 'SubscriptionConfirmation' || envelope.Type === 'UnsubscribeConfirmation'
        ? (['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const)
        : null;
  if (!keys) return null;
  let out = '';
  for (const key of keys) {
    const value = envelope[key];
    if (value === undefined || value === null) {
      if (key === 'Subject') continue;
      return null;
    }
    if (typeof value !== 'string') return null;
    out += `${key}\n${value}\n`;
  }
  return out;
}

/** Checks an SNS HTTP body (its JSON text) and answers what it says, or why it is refused. Never throws. */
export async function verifySnsMessage(body: string | Buffer, verifier: SnsVerifier): Promise<SnsVerification> {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  if (text.length > MAX_BODY_CHARS) return { ok: false, reason: 'body too large' };
  let envelope: Partial<SnsEnvelope>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, reason: 'not an SNS message' };
    envelope = parsed as Partial<SnsEnvelope>;
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const toSign = snsStringToSign(envelope);
  if (toSign === null) return { ok: false, reason: 'not an SNS message (fields missing)' };
  const algorithm = envelope.SignatureVersion === '1' ? 'RSA-SHA1' : envelope.SignatureVersion === '2' ? 'RSA-SHA256' : null;
  if (!algorithm) return { ok: false, reason: `unknown SignatureVersion ${String(envelope.SignatureVersion)}` };
  if (typeof envelope.Signature !== 'string' || typeof envelope.SigningCertURL !== 'string') return { ok: false, reason: 'no signature' };
  if (!isSnsCertificateUrl(envelope.SigningCertURL)) return { ok: false, reason: 'SigningCertURL is not an https SNS URL' };
  let certificate: X509Certificate;
  try {
    certificate = await verifier.certificate(envelope.SigningCertURL);
  } catch (error) {
    return { ok: false, reason: `signing certificate unavailable: ${(error as Error).message}` };
  }
  const now = verifier.now();
  if (now < Date.parse(certificate.validFrom) || now > Date.parse(certificate.validTo)) return { ok: false, reason: 'signing certificate expired or not yet valid' };
  let valid = false;
  try {
    valid = createVerify(algorithm).update(toSign, 'utf8').verify(certificate.publicKey, Buffer.from(envelope.Signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad signature' };

  const base = { messageId: envelope.MessageId!, topicArn: envelope.TopicArn!, message: envelope.Message! };
  if (envelope.Type === 'Notification') {
    return { ok: true, message: { type: 'notification', ...base, subject: envelope.Subject ?? null, timestamp: envelope.Timestamp! } };
  }
  if (envelope.Type === 'UnsubscribeConfirmation') return { ok: true, message: { type: 'unsubscribe-confirmation', ...base } };
  if (!isSnsUrl(envelope.SubscribeURL!)) return { ok: false, reason: 'SubscribeURL is not an https SNS URL' };
  return { ok: true, message: { type: 'subscription-confirmation', ...base, subscribeUrl: envelope.SubscribeURL!, token: envelope.Token! } };
}

// ---------------------------------------------------------------------------------------------
// SES notifications

export type SesParseResult = { ok: true; events: RelayEvent[] } | { ok: false; reason: string };

/** An SES notification (the Message of a verified SNS Notification: JSON text or parsed) → one event per recipient. Never throws. */
export function parseSesNotification(message: string | object): SesParseResult {
  let value: unknown = message;
  if (typeof message === 'string') {
    try {
      value = JSON.parse(message);
    } catch {
      return { ok: false, reason: 'Message is not JSON' };
    }
  }
  if (!isObject(value)) return { ok: false, reason: 'Message is not an object' };
  const type = str(value.eventType) ?? str(value.notificationType);
  const mail = isObject(value.mail) ? value.mail : {};
  const relayMessageId = str(mail.messageId);
  const messageId = ourMessageId(mail, relayMessageId);
  const base = { relay: 'ses' as const, messageId, relayMessageId, envelopeSender: str(mail.source), feedbackType: null };

  switch (type) {
    case 'Bounce': {
      const bounce = isObject(value.bounce) ? value.bounce : null;
      if (!bounce) return { ok: false, reason: 'Bounce without bounce object' };
      const bounceType = str(bounce.bounceType) ?? 'Undetermined';
      const subType = str(bounce.bounceSubType) ?? 'General';
      const at = timeOf(bounce.timestamp, mail.timestamp);
      const feedbackId = str(bounce.feedbackId) ?? `${relayMessageId ?? 'unknown'}:bounce:${at}`;
      return {
        ok: true,
        events: recipientsOf(bounce.bouncedRecipients).map((entry) => {
          const recipient = lower(entry.emailAddress);
          const diagnostic = str(entry.diagnosticCode);
          const classification = classifySesBounce(bounceType, subType, normaliseStatus(str(entry.status)), diagnostic);
          return {
            ...base,
            kind: 'bounced',
            eventId: `${feedbackId}:${recipient}`,
            recipient,
            status: classification.status,
            diagnostic,
            bounce: classification,
            occurredAt: at,
          };
        }),
      };
    }
    case 'Complaint': {
      const complaint = isObject(value.complaint) ? value.complaint : null;
      if (!complaint) return { ok: false, reason: 'Complaint without complaint object' };
      const at = timeOf(complaint.timestamp, mail.timestamp);
      const feedbackId = str(complaint.feedbackId) ?? `${relayMessageId ?? 'unknown'}:complaint:${at}`;
      return {
        ok: true,
        events: recipientsOf(complaint.complainedRecipients).map((entry) => {
          const recipient = lower(entry.emailAddress);
          return {
            ...base,
            kind: 'complained',
            eventId: `${feedbackId}:${recipient}`,
            recipient,
            status: null,
            diagnostic: str(complaint.complaintSubType),
            bounce: null,
            feedbackType: str(complaint.complaintFeedbackType)?.toLowerCase() ?? null,
            occurredAt: at,
          };
        }),
      };
    }
    case 'Delivery': {
      const delivery = isObject(value.delivery) ? value.delivery : {};
      const at = timeOf(delivery.timestamp, mail.timestamp);
      const recipients = Array.isArray(delivery.recipients) ? delivery.recipients.filter((r): r is string => typeof r === 'string') : [];
      return {
        ok: true,
        events: recipients.map((address) => {
          const recipient = address.trim().toLowerCase();
          return {
            ...base,
            kind: 'delivered',
            eventId: `${relayMessageId ?? 'unknown'}:delivery:${recipient}`,
            recipient,
            status: null,
            diagnostic: str(delivery.smtpResponse),
            bounce: null,
            occurredAt: at,
          };
        }),
      };
    }
    case 'DeliveryDelay': {
      const delay = isObject(value.deliveryDelay) ? value.deliveryDelay : null;
      if (!delay) return { ok: false, reason: 'DeliveryDelay without deliveryDelay object' };
      const at = timeOf(delay.timestamp, mail.timestamp);
      return {
        ok: true,
        events: recipientsOf(delay.delayedRecipients).map((entry) => {
          const recipient = lower(entry.emailAddress);
          const diagnostic = str(entry.diagnosticCode) ?? str(delay.delayType);
          const classification = classifyBounce({ status: normaliseStatus(str(entry.status)), action: 'delayed', diagnostic });
          return {
            ...base,
            kind: 'deferred',
            eventId: `${relayMessageId ?? 'unknown'}:delay:${at}:${recipient}`,
            recipient,
            status: classification.status,
            diagnostic,
            bounce: classification,
            occurredAt: at,
          };
        }),
      };
    }
    default:
      return { ok: true, events: [] };
  }
}

/**
 * SES's bounceType decides hard or soft; the status and diagnostic give the sub-category.
 * Permanent: hard (NoEmail and suppression-list bounces: Invalid Mailbox). Transient: soft
 * (MailboxFull, MessageTooLarge, Content/AttachmentRejected named as such). Undetermined: as
 * the status says, but never hard.
 */
export function classifySesBounce(bounceType: string, subType: string, status: string | null, diagnostic: string | null): BounceClassification {
  const base = classifyBounce({ status, action: 'failed', diagnostic });
  if (bounceType === 'Permanent') {
    const invalid = subType === 'NoEmail' || subType === 'Suppressed' || subType === 'OnAccountSuppressionList';
    const subCategory = invalid || base.subCategory === 'Unknown' || base.subCategory === 'Temporary Failure' ? 'Invalid Mailbox' : base.subCategory;
    const reason = diagnostic ? base.reason : subType === 'General' ? base.reason : `Amazon SES: ${subType}`;
    return { ...base, outcome: 'hard', category: 'Permanently blocked', subCategory, reason };
  }
  const transientSub =
    subType === 'MailboxFull' ? 'Mailbox Full' : subType === 'MessageTooLarge' ? 'Message Too Large' : subType === 'ContentRejected' || subType === 'AttachmentRejected' ? 'Message Rejected' : base.subCategory;
  return { ...base, outcome: 'soft', category: 'Temporarily blocked', subCategory: transientSub };
}

function ourMessageId(mail: Record<string, unknown>, relayMessageId: string | null): string | null {
  if (Array.isArray(mail.headers)) {
    for (const header of mail.headers) {
      if (isObject(header) && str(header.name)?.toLowerCase() === 'message-id') {
        const id = normaliseMessageId(header.value);
        if (id) return id;
      }
    }
  }
  const common = isObject(mail.commonHeaders) ? normaliseMessageId(mail.commonHeaders.messageId) : null;
  // SES puts its own id there for messages it gave the Message-ID to
  return common && common !== relayMessageId && !common.startsWith(`${relayMessageId}@`) ? common : null;
}

function recipientsOf(value: unknown): Array<Record<string, unknown> & { emailAddress: string }> {
  if (!Array.isArray(value)) return [];
  return value.filter((entry): entry is Record<string, unknown> & { emailAddress: string } => isObject(entry) && typeof entry.emailAddress === 'string' && entry.emailAddress.trim() !== '');
}

function timeOf(...values: unknown[]): number {
  for (const value of values) {
    const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isFinite(ms)) return ms;
  }
  return 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function lower(value: string): string {
  const address = value.trim();
  const bracketed = /<([^<>]+)>/.exec(address);
  return (bracketed ? bracketed[1]! : address).toLowerCase();
}
