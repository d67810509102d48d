import type { BounceClassification } from './classify.js';

/**
 * One thing a relay's webhook (Amazon SES through SNS, SendGrid) says about one recipient of one
 * message, in a shape common to every relay. The caller matches it to a recipient by
 * `messageId` (our Message-ID, without angle brackets) or `relayMessageId`, per org, and makes
 * it idempotent by `eventId` (unique per relay, per recipient).
 */
export type RelayName = 'ses' | 'sendgrid';
export type RelayEventKind = 'bounced' | 'deferred' | 'delivered' | 'complained';

export interface RelayEvent {
  kind: RelayEventKind;
  relay: RelayName;
  /** Unique per relay and recipient: a replayed event has the same id. */
  eventId: string;
  /** The message's Message-ID header without angle brackets (`<hex>@<domain>` → `hex@domain`), null when the event does not carry it. */
  messageId: string | null;
  /** The relay's own id of the message (SES `mail.messageId`, SendGrid `sg_message_id`). */
  relayMessageId: string | null;
  /** The envelope sender the relay was given (SES `mail.source`): our VERP address when there is one, so `readVerpAddress` can name the recipient. */
  envelopeSender: string | null;
  /** The recipient's address, lowercased. */
  recipient: string;
  /** RFC 3463 status (`5.1.1`) when the relay gave one. */
  status: string | null;
  /** The remote's or relay's words (SMTP reply, reason). */
  diagnostic: string | null;
  /** For `bounced` and `deferred`: what the bounce means (hard/soft/delayed, Zoho's category and sub-category). */
  bounce: BounceClassification | null;
  /** For `complained`: the feedback type (`abuse`, …) when known. */
  feedbackType: string | null;
  /** When the relay says it happened, epoch ms. */
  occurredAt: number;
}

/** `<abc@host>` or ` abc@host ` → `abc@host`; null for an empty or absent value. */
export function normaliseMessageId(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  const bracketed = /<([^<>\s]+)>/.exec(trimmed);
  const id = bracketed ? bracketed[1]! : trimmed;
  return id === '' || /\s/.test(id) ? null : id;
}
