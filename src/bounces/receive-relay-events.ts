import type { Context } from '../context.js';
import { applyComplaint } from './apply-complaint.js';
import { applyRecipientReport } from './apply-recipient-report.js';
import { findRecipientsByAddress, findReportedRecipient, rememberRelayEvent, type ReportedRecipient } from './bounce-repository.js';
import { classifyBounce, type BounceClassification } from './classify.js';
import type { RelayEvent } from './relay-event.js';
import { isRelayEventRemembered } from './relay-event-repository.js';
import { readVerpAddress, VERP_KEY_INFO } from './verp.js';

export type RelayEventCounts = { applied: number; replayed: number; unmatched: number };

/**
 * The verified events of one relay webhook request (SES through SNS, SendGrid), applied in order:
 *
 * 1. Matching. The recipient is the one the VERP token of the event's envelope sender names (SES
 *    `mail.source`), when there is a token that verifies; else the recipient of the mail whose
 *    Message-ID the event carries (`<64 hex>@<MESSAGE_ID_DOMAIN>`, the hex being the mail's id)
 *    with the event's address. A Message-ID of another domain or shape, an unknown mail or an
 *    address the mail was not sent to matches nothing: the event is counted `unmatched` and
 *    logged, never an error (the relay would retry it forever). An event only ever touches the
 *    org of the mail it matched: the mail's id is unique across orgs and the recipient carries it.
 * 2. Idempotency by the relay's event id (`relay_events`): an event already remembered is
 *    `replayed` and changes nothing. Otherwise it is applied FIRST and remembered AFTER: a crash
 *    between the two leaves it unremembered, the relay delivers it again (SNS and SendGrid retry
 *    until a 2xx) and it is applied again, harmlessly — `applyRecipientReport` is a compare-and-set
 *    on a `sent` recipient and `applyComplaint` changes only records not yet opted out. The other
 *    order could lose an event (remembered, never applied). Two concurrent deliveries of one event
 *    may both apply (idempotently); the one whose remember loses counts as `replayed`.
 * 3. Applying: bounced → `applyRecipientReport` with the event's classification (blocked
 *    permanently or temporarily); deferred → with the delayed classification; delivered → with
 *    outcome delivered; complained → `applyComplaint` (the address opts out, audited with reason
 *    `complaint`).
 *
 * Logs carry the relay, the kind and ids of ours — never addresses or the relay's words.
 */
export async function receiveRelayEvents(ctx: Context, events: readonly RelayEvent[]): Promise<RelayEventCounts> {
  const counts: RelayEventCounts = { applied: 0, replayed: 0, unmatched: 0 };
  for (const event of events) {
    const recipient = await matchRecipient(ctx, event);
    if (!recipient) {
      counts.unmatched += 1;
      ctx.log.info({ event: 'relay_event.unmatched', relay: event.relay, kind: event.kind }, 'relay event matches no recipient of ours; ignored');
      continue;
    }
    if (await isRelayEventRemembered(ctx.db, event.relay, event.eventId)) {
      counts.replayed += 1;
      continue;
    }
    const effect = await applyEvent(ctx, recipient, event);
    const first = await rememberRelayEvent(ctx.db, event.relay, event.eventId, ctx.clock.now());
    if (first) counts.applied += 1;
    else counts.replayed += 1;
    ctx.log.info(
      { event: 'relay_event.applied', relay: event.relay, kind: event.kind, org_id: recipient.orgId, message_id: recipient.messageId, recipient_id: recipient.recipientId, effect },
      'relay event applied',
    );
  }
  return counts;
}

async function applyEvent(ctx: Context, recipient: ReportedRecipient, event: RelayEvent): Promise<string> {
  const report = { diagnostic: event.diagnostic, remoteMta: null, at: event.occurredAt > 0 ? event.occurredAt : ctx.clock.now(), source: event.relay };
  switch (event.kind) {
    case 'complained': {
      const changed = await applyComplaint(ctx, recipient, { source: event.relay, feedbackType: event.feedbackType });
      return changed > 0 ? 'opted_out' : 'unchanged';
    }
    case 'bounced':
      return applyRecipientReport(ctx, recipient, { ...report, classification: event.bounce ?? classifyBounce({ status: event.status, action: 'failed', diagnostic: event.diagnostic }) });
    case 'deferred':
      return applyRecipientReport(ctx, recipient, { ...report, classification: delayed(event) });
    case 'delivered':
      return applyRecipientReport(ctx, recipient, { ...report, classification: classifyBounce({ status: event.status, action: 'delivered', diagnostic: event.diagnostic }) });
  }
}

function delayed(event: RelayEvent): BounceClassification {
  if (event.bounce?.outcome === 'delayed') return event.bounce;
  return classifyBounce({ status: event.status, action: 'delayed', diagnostic: event.diagnostic });
}

/** The recipient of ours an event is about (see `receiveRelayEvents`), or null. */
async function matchRecipient(ctx: Context, event: RelayEvent): Promise<ReportedRecipient | null> {
  const bounceAddress = ctx.config.bounceAddress;
  if (event.envelopeSender && bounceAddress) {
    const recipientId = readVerpAddress(event.envelopeSender, bounceAddress, ctx.secrets.derive(VERP_KEY_INFO));
    if (recipientId !== null) {
      const recipient = await findReportedRecipient(ctx.db, recipientId);
      if (recipient) return recipient;
    }
  }
  const mailId = ourMailId(event.messageId, ctx.config.messageIdDomain);
  if (mailId === null || event.recipient === '') return null;
  const matches = await findRecipientsByAddress(ctx.db, mailId, event.recipient.toLowerCase());
  return matches[0] ?? null;
}

/** `<64 hex>@<MESSAGE_ID_DOMAIN>` → the mail's id; null for any other Message-ID. */
export function ourMailId(messageId: string | null, domain: string): string | null {
  if (!messageId) return null;
  const at = messageId.lastIndexOf('@');
  if (at < 0 || messageId.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return null;
  const local = messageId.slice(0, at).toLowerCase();
  return /^[0-9a-f]{64}$/.test(local) ? local : null;
}
