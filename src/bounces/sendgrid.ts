import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { classifyBounce, normaliseStatus, type BounceClassification } from './classify.js';
import { normaliseMessageId, type RelayEvent } from './relay-event.js';

/**
 * SendGrid's Event Webhook (signed).
 *
 * Verification (`verifySendgridSignature`): the `X-Twilio-Email-Event-Webhook-Signature` header is
 * a base64 DER ECDSA P-256/SHA-256 signature over the `X-Twilio-Email-Event-Webhook-Timestamp`
 * header's value followed by the raw request body, checked against the verification key shown
 * in SendGrid's settings (base64 DER SubjectPublicKeyInfo). A timestamp further than
 * SENDGRID_TOLERANCE_MS (10 minutes) from now, in either direction, is refused: a captured
 * request cannot be replayed later (an event replayed within the window is harmless: events are
 * idempotent by `eventId`).
 *
 * Events (`parseSendgridEvents`, the JSON array body) → RelayEvent:
 * | SendGrid event | RelayEvent | bounce |
 * | --- | --- | --- |
 * | bounce (type `bounce`) | bounced | from status/reason; hard when the status is 5.x.x and says so, else soft |
 * | bounce (type `blocked`) | bounced | soft (a block is about the sender or the message) |
 * | dropped | bounced | "Bounced Address" / "Invalid": hard Invalid Mailbox; other reasons: soft Message Rejected |
 * | deferred | deferred | delayed |
 * | delivered | delivered | – |
 * | spamreport | complained | – |
 * | processed, open, click, unsubscribe, group_unsubscribe, … | ignored | |
 * messageId is `smtp-id` (our Message-ID), relayMessageId `sg_message_id`, eventId `sg_event_id`
 * (with the recipient when SendGrid sent none).
 */

export const SENDGRID_TOLERANCE_MS = 10 * 60 * 1000;
export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

export interface SendgridVerifyInput {
  /** The verification key from SendGrid's settings: base64 DER SPKI (a PEM is accepted too). */
  publicKey: string | KeyObject;
  signature: string | undefined;
  timestamp: string | undefined;
  rawBody: Buffer | string;
  /** epoch ms */
  now: number;
  toleranceMs?: number;
}

export type SendgridVerification = { ok: true } | { ok: false; reason: string };

/** The verification key as a KeyObject; throws when it is not an EC P-256 public key. */
export function sendgridPublicKey(key: string): KeyObject {
  const object = key.includes('-----BEGIN') ? createPublicKey(key) : createPublicKey({ key: Buffer.from(key.trim(), 'base64'), format: 'der', type: 'spki' });
  if (object.asymmetricKeyType !== 'ec' || object.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('the SendGrid verification key must be an EC P-256 public key');
  return object;
}

/** Never throws. */
export function verifySendgridSignature(input: SendgridVerifyInput): SendgridVerification {
  if (!input.signature || !input.timestamp) return { ok: false, reason: 'signature or timestamp header missing' };
  if (!/^\d{1,12}$/.test(input.timestamp.trim())) return { ok: false, reason: 'timestamp is not a number of seconds' };
  const sentMs = Number(input.timestamp.trim()) * 1000;
  if (Math.abs(input.now - sentMs) > (input.toleranceMs ?? SENDGRID_TOLERANCE_MS)) return { ok: false, reason: 'timestamp outside the tolerance' };
  let key: KeyObject;
  try {
    key = typeof input.publicKey === 'string' ? sendgridPublicKey(input.publicKey) : input.publicKey;
  } catch (error) {
    return { ok: false, reason: `bad verification key: ${(error as Error).message}` };
  }
  const body = Buffer.isBuffer(input.rawBody) ? input.rawBody : Buffer.from(input.rawBody, 'utf8');
  const payload = Buffer.concat([Buffer.from(input.timestamp, 'utf8'), body]);
  try {
    return verify('sha256', payload, { key, dsaEncoding: 'der' }, Buffer.from(input.signature.trim(), 'base64')) ? { ok: true } : { ok: false, reason: 'bad signature' };
  } catch {
    return { ok: false, reason: 'bad signature' };
  }
}

export type SendgridParseResult = { ok: true; events: RelayEvent[]; ignored: number } | { ok: false; reason: string };

/** The webhook's JSON body (an array of events) → RelayEvents; events we do not track are counted as ignored. Never throws. */
export function parseSendgridEvents(body: string | Buffer | unknown[]): SendgridParseResult {
  let value: unknown = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      value = JSON.parse(body.toString());
    } catch {
      return { ok: false, reason: 'not JSON' };
    }
  }
  if (!Array.isArray(value)) return { ok: false, reason: 'not an array of events' };
  const events: RelayEvent[] = [];
  let ignored = 0;
  for (const item of value) {
    const event = toRelayEvent(item);
    if (event) events.push(event);
    else ignored += 1;
  }
  return { ok: true, events, ignored };
}

function toRelayEvent(item: unknown): RelayEvent | null {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return null;
  const e = item as Record<string, unknown>;
  const recipient = str(e.email)?.toLowerCase();
  const name = str(e.event);
  if (!recipient || !name) return null;
  const relayMessageId = str(e.sg_message_id);
  const base = {
    relay: 'sendgrid' as const,
    eventId: str(e.sg_event_id) ?? `${relayMessageId ?? 'unknown'}:${name}:${String(e.timestamp)}:${recipient}`,
    messageId: normaliseMessageId(e['smtp-id']),
    relayMessageId,
    envelopeSender: null,
    recipient,
    occurredAt: typeof e.timestamp === 'number' && Number.isFinite(e.timestamp) ? e.timestamp * 1000 : 0,
    feedbackType: null,
  };
  switch (name) {
    case 'bounce': {
      const diagnostic = str(e.reason);
      const bounce = classifySendgridBounce(str(e.type) ?? 'bounce', normaliseStatus(str(e.status)), diagnostic);
      return { ...base, kind: 'bounced', status: bounce.status, diagnostic, bounce };
    }
    case 'dropped': {
      const diagnostic = str(e.reason);
      return { ...base, kind: 'bounced', status: null, diagnostic, bounce: classifyDropped(diagnostic) };
    }
    case 'deferred': {
      const diagnostic = str(e.response) ?? str(e.reason);
      const bounce = classifyBounce({ status: normaliseStatus(str(e.status)), action: 'delayed', diagnostic });
      return { ...base, kind: 'deferred', status: bounce.status, diagnostic, bounce };
    }
    case 'delivered':
      return { ...base, kind: 'delivered', status: null, diagnostic: str(e.response), bounce: null };
    case 'spamreport':
      return { ...base, kind: 'complained', status: null, diagnostic: null, bounce: null, feedbackType: 'abuse' };
    default:
      return null;
  }
}

/** `blocked` is always soft; a `bounce` is what its status and reason say (SendGrid calls every bounce permanent, but a 5.7.x or a 4.x.x is not about the address). */
export function classifySendgridBounce(type: string, status: string | null, diagnostic: string | null): BounceClassification {
  const base = classifyBounce({ status, action: 'failed', diagnostic });
  if (type === 'blocked' && base.outcome === 'hard') return { ...base, outcome: 'soft', category: 'Temporarily blocked' };
  return base;
}

function classifyDropped(reason: string | null): BounceClassification {
  const base = classifyBounce({ status: null, action: 'failed', diagnostic: reason });
  const invalid = reason !== null && /^(bounced address|invalid)\b/i.test(reason) && !/smtpapi/i.test(reason);
  return invalid
    ? { ...base, outcome: 'hard', category: 'Permanently blocked', subCategory: 'Invalid Mailbox' }
    : { ...base, outcome: 'soft', category: 'Temporarily blocked', subCategory: 'Message Rejected' };
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}
